/// What a descriptor is ready for, as a readiness mechanism reports it.
struct ReadinessEvents: OptionSet, Sendable {
    let rawValue: UInt8
    /// Readable, or hung up / failed (the next `recv` or `accept` reports which).
    static let readable = ReadinessEvents(rawValue: 1)
    /// Writable, or hung up / failed (the next send reports which).
    static let writable = ReadinessEvents(rawValue: 2)
}

/// The waiting half of a readiness backend (`epoll_wait`, Dispatch sources): it watches
/// descriptors and reports them ready. Everything else (interest, the syscalls, queued
/// completions) is `ReadinessBackend`'s, shared by every mechanism.
///
/// Called on the loop thread only, except `makeWaker`'s waker.
protocol ReadinessWaiter: AnyObject {
    /// The backend this mechanism makes.
    static var kind: BackendKind { get }
    /// Watches `fd` for `events` from now on; empty: not at all. Called only on a change.
    func watch(fd: Int32, events: ReadinessEvents)
    /// Stops watching `fd` and closes it, at once or once the mechanism has let go of it.
    func close(fd: Int32)
    /// Waits up to `timeoutNanoseconds` (nil: unbounded, 0: not at all) and calls `ready`
    /// for every watched fd that is ready. `ready` returns true when more is probably
    /// waiting to be read (a full buffer or batch): a mechanism that is not level-triggered
    /// then offers the fd again next time without waiting for it.
    func wait(timeoutNanoseconds: Int64?, ready: (Int32, ReadinessEvents) -> Bool) throws(BackendError)
    /// A thread-safe handle that interrupts `wait` from any thread.
    func makeWaker() -> any LoopWaker
    /// Stops watching everything, without closing the descriptors still watched (their
    /// owners close them), and releases the mechanism. Called once, last.
    func shutdown()
}
