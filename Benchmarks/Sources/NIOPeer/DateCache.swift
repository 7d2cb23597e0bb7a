import NIOCore

/// One event loop's cached `date` header value, reformatted once a second by a task on that loop.
///
/// Touched only on its own event loop, so it needs no lock; hand it across threads as `NIOLoopBound`.
final class DateCache {
    /// The formatted date, at most a second old.
    private(set) var value: String = HTTPDate.now()

    private init() {}

    /// Creates the cache for `eventLoop` and schedules its once-a-second refresh there.
    static func make(on eventLoop: any EventLoop) -> NIOLoopBound<DateCache> {
        let bound = NIOLoopBound(DateCache(), eventLoop: eventLoop)
        eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            bound.value.value = HTTPDate.now()
        }
        return bound
    }
}
