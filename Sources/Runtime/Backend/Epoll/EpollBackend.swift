#if os(Linux)
import CURing
import Glibc

/// The epoll backend: `ReadinessBackend` on `epoll_wait`.
typealias EpollBackend = ReadinessBackend<EpollWaiter>

extension ReadinessBackend where Waiter == EpollWaiter {
    convenience init() throws(BackendError) {
        try self.init(waiter: EpollWaiter())
    }
}

/// `epoll_wait` as a `ReadinessWaiter`, plus an eventfd for cross-thread wakeups.
///
/// Level-triggered on purpose: each ready socket gets one `recv` per loop turn, pausing is
/// just dropping the interest, and nothing is lost when a handler does not drain the
/// socket — edge-triggered would require reading until `EAGAIN` before returning to the loop.
final class EpollWaiter: ReadinessWaiter {
    static var kind: BackendKind { .epoll }

    private let epollFD: Int32
    private let wakeEvent: EventFD
    /// Whether each fd (by number) is in the epoll set.
    private var registered: [Bool] = []
    /// Invariant: allocated in `init`, deallocated once in `shutdown`; written only by
    /// `epoll_wait` on the loop thread.
    private let events: UnsafeMutablePointer<epoll_event>
    private static let maxEvents = 256
    private static let wakeMarker = UInt64.max

    init() throws(BackendError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw BackendError(backend: .epoll, operation: "epoll_create1", errno: errno) }
        do {
            wakeEvent = try EventFD(backend: .epoll)
        } catch {
            Glibc.close(epollFD)
            throw error
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeMarker))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeEvent.fd, &event) == 0 else {
            let code = errno
            Glibc.close(epollFD)
            throw BackendError(backend: .epoll, operation: "epoll_ctl(eventfd)", errno: code)
        }
        events = .allocate(capacity: Self.maxEvents)
    }

    func watch(fd: Int32, events wanted: ReadinessEvents) {
        let index = Int(fd)
        if index >= registered.count { registered.append(contentsOf: repeatElement(false, count: index - registered.count + 64)) }
        if wanted.isEmpty {
            // DEL rather than MOD(0): EPOLLHUP/EPOLLERR are reported even with no interest.
            if registered[index] { _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }
            registered[index] = false
            return
        }
        var mask: UInt32 = 0
        if wanted.contains(.readable) { mask |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if wanted.contains(.writable) { mask |= EPOLLOUT.rawValue }
        var event = epoll_event(events: mask, data: epoll_data_t(u64: UInt64(UInt32(bitPattern: fd))))
        _ = epoll_ctl(epollFD, registered[index] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event)
        registered[index] = true
    }

    func close(fd: Int32) {
        if Int(fd) < registered.count, registered[Int(fd)] {
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            registered[Int(fd)] = false
        }
        _ = Glibc.close(fd)
    }

    func wait(timeoutNanoseconds: Int64?, ready: (Int32, ReadinessEvents) -> Bool) throws(BackendError) {
        var timeoutMilliseconds: Int32 = -1
        if let timeoutNanoseconds {
            timeoutMilliseconds = Int32(clamping: (max(timeoutNanoseconds, 0) + 999_999) / 1_000_000)
        }
        let count = epoll_wait(epollFD, events, Int32(Self.maxEvents), timeoutMilliseconds)
        if count < 0 {
            if errno == EINTR { return }
            throw BackendError(backend: .epoll, operation: "epoll_wait", errno: errno)
        }
        let failed = EPOLLERR.rawValue | EPOLLHUP.rawValue
        for index in 0..<Int(count) {
            let event = events[index]
            if event.data.u64 == Self.wakeMarker {
                var counter: UInt64 = 0
                _ = read(wakeEvent.fd, &counter, 8)
                continue
            }
            var readiness: ReadinessEvents = []
            if event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | failed) != 0 { readiness.insert(.readable) }
            if event.events & (EPOLLOUT.rawValue | failed) != 0 { readiness.insert(.writable) }
            // Level-triggered: what is left is reported again by the next epoll_wait.
            _ = ready(Int32(truncatingIfNeeded: event.data.u64), readiness)
        }
    }

    func makeWaker() -> any LoopWaker { wakeEvent }

    func shutdown() {
        events.deallocate()
        _ = Glibc.close(epollFD)
    }
}
#endif
