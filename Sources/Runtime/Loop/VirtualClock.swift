import Synchronization

/// A clock that moves only when told: a test gives it to a loop so deadlines (header,
/// body, idle timeouts) fire at once when the test advances it, without sleeping.
package final class VirtualClock: Sendable {
    private let nanoseconds: Atomic<UInt64>

    /// Starts at `start` nanoseconds (any value: only differences matter).
    package init(start: UInt64 = 1_000_000_000) {
        nanoseconds = Atomic(start)
    }

    /// The current virtual time in nanoseconds.
    package var now: UInt64 { nanoseconds.load(ordering: .acquiring) }

    /// Moves the clock forward by `delta` nanoseconds.
    package func advance(by delta: UInt64) {
        nanoseconds.add(delta, ordering: .releasing)
    }
}
