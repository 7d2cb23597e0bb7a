#if os(Linux)
import CURing
import Glibc

/// The epoll backend: readiness turned into completions by doing the syscall when the fd
/// is ready.
///
/// Level-triggered on purpose: each ready socket gets one `recv` per loop turn (fair to
/// every other socket, like one multishot CQE), pausing is just dropping the interest,
/// and nothing is lost when a handler does not drain the socket — edge-triggered would
/// require reading until `EAGAIN` before returning to the loop.
final class EpollBackend: IOBackend {
    let kind: BackendKind? = .epoll

    /// What the loop asked for on one fd.
    private struct Interest {
        var acceptToken: IOToken?
        var receiveToken: IOToken?
        var sendToken: IOToken?
        var sendMessage: UnsafeMutablePointer<msghdr>?
        var sendFile: (file: Int32, offset: Int64, count: Int)?
        var registeredEvents: UInt32 = 0
        var isEmpty: Bool { acceptToken == nil && receiveToken == nil && sendToken == nil }
        var wantsOut: Bool { sendToken != nil }
    }

    /// A completion produced outside `epoll_wait` (an immediate send, a stop), delivered at
    /// the start of the next `poll` so handlers never re-enter themselves.
    private enum Ready {
        case sent(IOToken, Int)
        case receiveEnded(IOToken, Int32)
        case acceptEnded(IOToken, Int32)
    }

    private let epollFD: Int32
    private let wakeEvent: EventFD
    private var wakeFD: Int32 { wakeEvent.fd }
    private var interests: [Interest?] = []
    private var ready: [Ready] = []
    /// Invariant: allocated in `init`, deallocated once in `shutdown`; used only on the loop
    /// thread, by one `recv` at a time, and the view handed to the sink is valid only during
    /// that `receiveCompleted` call (documented by `CompletionSink`).
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private var events: UnsafeMutablePointer<epoll_event>
    private static let maxEvents = 256
    private static let wakeMarker = UInt64.max
    private static let receiveBufferSize = 64 * 1024

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
        receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 16)
        events = .allocate(capacity: Self.maxEvents)
    }

    private func withInterest(_ fd: Int32, _ body: (inout Interest) -> Void) {
        let index = Int(fd)
        if index >= interests.count { interests.append(contentsOf: repeatElement(nil, count: index - interests.count + 64)) }
        var interest = interests[index] ?? Interest()
        body(&interest)
        let wanted = (interest.acceptToken != nil || interest.receiveToken != nil ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0)
            | (interest.wantsOut ? EPOLLOUT.rawValue : 0)
        if wanted != interest.registeredEvents {
            var event = epoll_event(events: wanted, data: epoll_data_t(u64: UInt64(UInt32(bitPattern: fd))))
            if wanted == 0 {
                // DEL rather than MOD(0): EPOLLHUP/EPOLLERR are reported even with no interest.
                _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            } else {
                _ = epoll_ctl(epollFD, interest.registeredEvents == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
            }
            interest.registeredEvents = wanted
        }
        interests[index] = interest.isEmpty && interest.registeredEvents == 0 ? nil : interest
    }

    func startAccepting(fd: Int32, token: IOToken) {
        withInterest(fd) { $0.acceptToken = token }
    }

    func stopAccepting(fd: Int32, token: IOToken) {
        withInterest(fd) { $0.acceptToken = nil }
        ready.append(.acceptEnded(token, ECANCELED))
    }

    func startReceiving(fd: Int32, token: IOToken) {
        withInterest(fd) { $0.receiveToken = token }
    }

    func stopReceiving(fd: Int32, token: IOToken) {
        guard Int(fd) < interests.count, interests[Int(fd)]?.receiveToken == token else { return }  // already ended
        withInterest(fd) { $0.receiveToken = nil }
        ready.append(.receiveEnded(token, ECANCELED))
    }

    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken) {
        let result = sendmsg(fd, message, Int32(MSG_NOSIGNAL))
        if result >= 0 {
            ready.append(.sent(token, result))
        } else if errno == EAGAIN || errno == EWOULDBLOCK {
            withInterest(fd) {
                $0.sendToken = token
                $0.sendMessage = message
            }
        } else {
            ready.append(.sent(token, -Int(errno)))
        }
    }

    func cancelSend(fd: Int32, token: IOToken) {
        var wasPending = false
        withInterest(fd) {
            if $0.sendToken == token {
                wasPending = true
                $0.sendToken = nil
                $0.sendMessage = nil
                $0.sendFile = nil
            }
        }
        if wasPending { ready.append(.sent(token, -Int(ECANCELED))) }
    }

    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken) {
        let result = FileTransfer.send(socket: fd, file: file, offset: offset, count: count)
        if result == -Int(EAGAIN) {
            withInterest(fd) {
                $0.sendToken = token
                $0.sendFile = (file, offset, count)
            }
        } else {
            ready.append(.sent(token, result))
        }
    }

    func shutdownWrite(fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    func close(fd: Int32) {
        if Int(fd) < interests.count, interests[Int(fd)] != nil {
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            interests[Int(fd)] = nil
        }
        _ = Glibc.close(fd)
    }

    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError) {
        var timeoutMilliseconds: Int32 = -1
        if !ready.isEmpty {
            timeoutMilliseconds = 0
        } else if let timeoutNanoseconds {
            timeoutMilliseconds = Int32(clamping: (timeoutNanoseconds + 999_999) / 1_000_000)
        }
        deliverReady(sink)
        let count = epoll_wait(epollFD, events, Int32(Self.maxEvents), timeoutMilliseconds)
        if count < 0 {
            if errno == EINTR { return }
            throw BackendError(backend: .epoll, operation: "epoll_wait", errno: errno)
        }
        for index in 0..<Int(count) {
            let event = events[index]
            if event.data.u64 == Self.wakeMarker {
                var counter: UInt64 = 0
                _ = read(wakeFD, &counter, 8)
                continue
            }
            handle(fd: Int32(truncatingIfNeeded: event.data.u64), events: event.events, sink: sink)
        }
        deliverReady(sink)
    }

    private func deliverReady(_ sink: any CompletionSink) {
        while !ready.isEmpty {
            let batch = ready
            ready.removeAll(keepingCapacity: true)
            for completion in batch {
                switch completion {
                case .sent(let token, let result): sink.sendCompleted(token: token, result: result)
                case .receiveEnded(let token, let error): sink.receiveEnded(token: token, error: error)
                case .acceptEnded(let token, let error): sink.acceptEnded(token: token, error: error)
                }
            }
        }
    }

    private func handle(fd: Int32, events: UInt32, sink: any CompletionSink) {
        guard Int(fd) < interests.count, let interest = interests[Int(fd)] else { return }
        if let token = interest.acceptToken, events & EPOLLIN.rawValue != 0 {
            // Bounded batch: other sockets get their turn before the backlog is emptied.
            for _ in 0..<64 {
                let accepted = ringway_accept4(fd, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                if accepted >= 0 {
                    sink.acceptCompleted(token: token, result: accepted)
                } else {
                    let code = errno
                    switch code {
                    case EAGAIN, EWOULDBLOCK, ECONNABORTED, EINTR:
                        break
                    case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                        // Resource exhaustion: readiness persists, so stop here (the listener
                        // retries after a pause) instead of spinning level-triggered.
                        withInterest(fd) { $0.acceptToken = nil }
                        sink.acceptEnded(token: token, error: code)
                    default:
                        sink.acceptCompleted(token: token, result: -code)
                    }
                    break
                }
                guard interests[Int(fd)]?.acceptToken == token else { break }
            }
            return
        }
        if let token = interest.sendToken, events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            var outcome: Int
            if let message = interest.sendMessage {
                let result = sendmsg(fd, message, Int32(MSG_NOSIGNAL))
                outcome = result >= 0 ? result : -Int(errno)
                if outcome == -Int(EINTR) { outcome = -Int(EAGAIN) }
            } else if let region = interest.sendFile {
                outcome = FileTransfer.send(socket: fd, file: region.file, offset: region.offset, count: region.count)
            } else {
                outcome = -Int(EAGAIN)
            }
            if outcome != -Int(EAGAIN) {
                withInterest(fd) {
                    $0.sendToken = nil
                    $0.sendMessage = nil
                    $0.sendFile = nil
                }
                sink.sendCompleted(token: token, result: outcome)
            }
        }
        guard let current = interests[Int(fd)], let token = current.receiveToken,
              events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
        let received = recv(fd, receiveBuffer.baseAddress, receiveBuffer.count, 0)
        if received > 0 {
            sink.receiveCompleted(token: token, bytes: UnsafeRawBufferPointer(rebasing: receiveBuffer[..<received]))
        } else if received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            let error = received == 0 ? 0 : errno
            withInterest(fd) { $0.receiveToken = nil }
            sink.receiveEnded(token: token, error: error)
        }
    }

    func makeWaker() -> any LoopWaker { wakeEvent }

    func shutdown() {
        receiveBuffer.deallocate()
        events.deallocate()
        _ = Glibc.close(epollFD)
    }
}
#endif
