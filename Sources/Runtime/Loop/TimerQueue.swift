import HeapModule

/// Identifies a scheduled timer so it can be cancelled.
package struct TimerID: Hashable, Sendable {
    let value: UInt64
}

/// The loop's timers: a min-heap by deadline with lazy cancellation.
///
/// Loop-confined. Deadlines are monotonic nanoseconds (`MonotonicClock.now`).
struct TimerQueue {
    private struct Entry: Comparable {
        let deadline: UInt64
        let id: UInt64
        let action: () -> Void
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.id == rhs.id }
    }

    private var heap = Heap<Entry>()
    private var cancelled = Set<UInt64>()
    private var nextID: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }

    mutating func schedule(deadline: UInt64, _ action: @escaping () -> Void) -> TimerID {
        nextID &+= 1
        heap.insert(Entry(deadline: deadline, id: nextID, action: action))
        return TimerID(value: nextID)
    }

    mutating func cancel(_ id: TimerID) {
        cancelled.insert(id.value)
    }

    /// The earliest deadline still scheduled (cancelled entries are dropped on the way).
    mutating func nextDeadline() -> UInt64? {
        while let first = heap.min, cancelled.contains(first.id) {
            cancelled.remove(first.id)
            _ = heap.removeMin()
        }
        return heap.min?.deadline
    }

    /// The newest timer's id: pass it to `popDue` so that timers scheduled by the actions
    /// being run wait for the next turn even when they are due at once.
    var lastScheduled: UInt64 { nextID }

    /// Removes and returns the action of the earliest timer if it is due at `now` and was
    /// scheduled up to `lastID`; nil otherwise (so a turn stops at a timer its own actions
    /// scheduled, and what is due after it runs next turn). One at a time: running a turn's
    /// timers allocates nothing.
    mutating func popDue(now: UInt64, scheduledUpTo lastID: UInt64 = .max) -> (() -> Void)? {
        while let first = heap.min, first.deadline <= now, first.id <= lastID {
            _ = heap.removeMin()
            if cancelled.remove(first.id) == nil { return first.action }
        }
        return nil
    }
}

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`).
enum MonotonicClock {
    static var now: UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    /// The duration in whole nanoseconds, saturating (negative → 0, overflow → max).
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ UInt64(attoseconds / 1_000_000_000)
    }
}
