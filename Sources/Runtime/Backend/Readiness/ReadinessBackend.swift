#if os(Linux)
import CURing
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A completion backend emulated on readiness: the syscall is done when the descriptor is
/// ready. Shared by every readiness mechanism (`Waiter`: epoll, Dispatch); it owns the
/// interest per fd, the completions made outside a wait, the syscalls (`recv`, `sendmsg`,
/// `sendfile`, the accept batch with its one error policy) and the hang-up check.
///
/// One receive per ready socket per turn (fair to every other socket, like one multishot
/// CQE), a bounded accept batch, sends tried at once and, on `EAGAIN`, when the socket is
/// writable. Completions made outside `wait` (an immediate send, a stop) are queued and
/// delivered by the next `poll`, so a handler never re-enters itself.
///
/// Loop-confined: every method runs on the loop thread (the waker is the waiter's).
final class ReadinessBackend<Waiter: ReadinessWaiter>: IOBackend {
    var kind: BackendKind? { Waiter.kind }

    /// Who reads `fd`: a listener's accepts or a connection's receives.
    private enum Reader {
        case none
        case accept(IOToken)
        case receive(IOToken)
    }

    /// The one send of `fd` waiting for room. Invariant: the caller keeps a message (its
    /// iovecs and bytes) alive until `sendCompleted`; the reference here is dropped before
    /// that completion is delivered or queued (done, cancelled, closed).
    private enum PendingSend {
        case none
        case message(IOToken, UnsafeMutablePointer<msghdr>)
        case file(IOToken, file: Int32, offset: Int64, count: Int)

        var token: IOToken? {
            switch self {
            case .none: nil
            case .message(let token, _), .file(let token, _, _, _): token
            }
        }
    }

    /// What the loop asked for on one fd (compact: one per open descriptor).
    private struct Interest {
        var reader = Reader.none
        var send = PendingSend.none
        /// What the waiter watches now.
        var watched: ReadinessEvents = []
        /// The peer hung up (POLLHUP/POLLERR, checked when a `recv` ended): a send that finds
        /// the buffer full ends with `EPIPE` instead of waiting (see `hungUp(_:)`).
        var hungUp = false

        var wanted: ReadinessEvents {
            var events: ReadinessEvents = []
            if case .none = reader {} else { events.insert(.readable) }
            if case .none = send {} else { events.insert(.writable) }
            return events
        }
    }

    /// A completion produced outside the wait.
    private enum Queued {
        case sent(IOToken, Int)
        case receiveEnded(IOToken, Int32)
        case acceptEnded(IOToken, Int32)
    }

    private let waiter: Waiter
    private var interests: [Interest?] = []
    private var queued: [Queued] = []
    /// `queued` being delivered (swapped, so neither array reallocates per turn).
    private var delivering: [Queued] = []
    /// Invariant: allocated in `init`, deallocated once in `shutdown`; used only on the loop
    /// thread, by one `recv` at a time, and the view handed to the sink is valid only during
    /// that `receiveCompleted` call (documented by `CompletionSink`).
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private var isShutDown = false

    static var receiveBufferSize: Int { 64 * 1024 }
    static var acceptBatch: Int { 64 }
    #if canImport(Darwin)
    /// Darwin has no `MSG_NOSIGNAL`; sockets carry `SO_NOSIGPIPE` instead.
    private static var sendFlags: Int32 { 0 }
    #else
    private static var sendFlags: Int32 { Int32(MSG_NOSIGNAL) }
    #endif

    init(waiter: Waiter) {
        self.waiter = waiter
        receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 16)
    }

    deinit {
        if !isShutDown { shutdown() }
    }

    // MARK: Interest

    /// Changes the interest of `fd` and tells the waiter when what it must watch changed.
    @inline(__always)
    private func update(_ fd: Int32, _ body: (inout Interest) -> Void) {
        let index = Int(fd)
        if index >= interests.count { interests.append(contentsOf: repeatElement(nil, count: index - interests.count + 64)) }
        var interest = interests[index] ?? Interest()
        body(&interest)
        let wanted = interest.wanted
        if wanted != interest.watched {
            interest.watched = wanted
            waiter.watch(fd: fd, events: wanted)
        }
        // An fd with nothing watched keeps only its hang-up mark, which a later send needs.
        interests[index] = wanted.isEmpty && !interest.hungUp ? nil : interest
    }

    private func interest(_ fd: Int32) -> Interest? {
        fd >= 0 && Int(fd) < interests.count ? interests[Int(fd)] : nil
    }

    func startAccepting(fd: Int32, token: IOToken) {
        update(fd) { $0.reader = .accept(token) }
    }

    func stopAccepting(fd: Int32, token: IOToken) {
        if case .accept(token) = interest(fd)?.reader { update(fd) { $0.reader = .none } }
        queued.append(.acceptEnded(token, ECANCELED))
    }

    func startReceiving(fd: Int32, token: IOToken) {
        update(fd) { $0.reader = .receive(token) }
    }

    func stopReceiving(fd: Int32, token: IOToken) {
        // Nothing follows when receiving had already ended: its `receiveEnded` was delivered.
        guard case .receive(token) = interest(fd)?.reader else { return }
        update(fd) { $0.reader = .none }
        queued.append(.receiveEnded(token, ECANCELED))
    }

    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken) {
        let result = Self.sendMessage(fd, message)
        if result == -Int(EAGAIN) {
            wait(fd, .message(token, message))
        } else {
            queued.append(.sent(token, result))
        }
    }

    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken) {
        let result = FileTransfer.send(socket: fd, file: file, offset: offset, count: count)
        if result == -Int(EAGAIN) {
            wait(fd, .file(token, file: file, offset: offset, count: count))
        } else {
            queued.append(.sent(token, result))
        }
    }

    /// A send found the buffer full: it waits for room, unless the peer hung up.
    private func wait(_ fd: Int32, _ send: PendingSend) {
        if interest(fd)?.hungUp == true {
            queued.append(.sent(send.token!, -Int(EPIPE)))
            return
        }
        update(fd) { $0.send = send }
    }

    func cancelSend(fd: Int32, token: IOToken) {
        // Not pending here means its result is already queued (or delivered).
        guard interest(fd)?.send.token == token else { return }
        update(fd) { $0.send = .none }
        queued.append(.sent(token, -Int(ECANCELED)))
    }

    func shutdownWrite(fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        #else
        _ = Darwin.shutdown(fd, SHUT_WR)
        #endif
    }

    func close(fd: Int32) {
        if fd >= 0, Int(fd) < interests.count { interests[Int(fd)] = nil }
        waiter.close(fd: fd)
    }

    func makeWaker() -> any LoopWaker { waiter.makeWaker() }

    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        interests.removeAll()
        queued.removeAll()
        waiter.shutdown()
        receiveBuffer.deallocate()
    }

    // MARK: Poll

    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError) {
        // Delivered completions may have queued work for this turn: then do not sleep.
        let delivered = deliverQueued(sink)
        try waiter.wait(timeoutNanoseconds: delivered ? 0 : timeoutNanoseconds) { fd, events in
            ready(fd, events, sink: sink)
        }
        deliverQueued(sink)
    }

    /// Delivers queued completions, including those queued by the handlers it calls.
    @discardableResult
    private func deliverQueued(_ sink: any CompletionSink) -> Bool {
        var delivered = false
        while !queued.isEmpty {
            delivered = true
            swap(&queued, &delivering)
            for completion in delivering {
                switch completion {
                case .sent(let token, let result): sink.sendCompleted(token: token, result: result)
                case .receiveEnded(let token, let error): sink.receiveEnded(token: token, error: error)
                case .acceptEnded(let token, let error): sink.acceptEnded(token: token, error: error)
                }
            }
            delivering.removeAll(keepingCapacity: true)
        }
        return delivered
    }

    /// `fd` is ready: one accept batch, or the pending send and one `recv`. Returns whether
    /// more input is probably waiting.
    private func ready(_ fd: Int32, _ events: ReadinessEvents, sink: any CompletionSink) -> Bool {
        guard let interest = interest(fd) else { return false }
        if events.contains(.readable), case .accept(let token) = interest.reader {
            return acceptBatch(fd, token: token, sink: sink)
        }
        if events.contains(.writable) { performPendingSend(fd, sink: sink) }
        guard events.contains(.readable), case .receive(let token) = self.interest(fd)?.reader else { return false }
        return receive(fd, token: token, sink: sink)
    }

    /// Retries the send waiting for room; completes it unless the buffer is still full.
    private func performPendingSend(_ fd: Int32, sink: any CompletionSink) {
        guard let interest = interest(fd) else { return }
        var result: Int
        switch interest.send {
        case .none: return
        case .message(_, let message): result = Self.sendMessage(fd, message)
        case .file(_, let file, let offset, let count): result = FileTransfer.send(socket: fd, file: file, offset: offset, count: count)
        }
        // A hung-up socket may never report room again (see `hungUp(_:)`).
        if result == -Int(EAGAIN) && interest.hungUp { result = -Int(EPIPE) }
        guard result != -Int(EAGAIN), let token = interest.send.token else { return }
        // Cleared first: the sink may send again at once.
        update(fd) { $0.send = .none }
        sink.sendCompleted(token: token, result: result)
    }

    /// One `recv`; returns whether it filled the buffer (more is probably waiting).
    private func receive(_ fd: Int32, token: IOToken, sink: any CompletionSink) -> Bool {
        let received = recv(fd, receiveBuffer.baseAddress, receiveBuffer.count, 0)
        if received > 0 {
            sink.receiveCompleted(token: token, bytes: UnsafeRawBufferPointer(rebasing: receiveBuffer[..<received]))
            return received == receiveBuffer.count
        }
        let code = received == 0 ? 0 : errno
        guard code != EAGAIN && code != EWOULDBLOCK && code != EINTR else { return false }
        let hungUp = Self.hungUp(fd)
        update(fd) {
            $0.reader = .none
            $0.hungUp = hungUp
        }
        sink.receiveEnded(token: token, error: code)
        // A send waiting since before the hang-up may never be reported writable.
        if hungUp { performPendingSend(fd, sink: sink) }
        return false
    }

    /// A bounded accept batch; returns whether it was full (more is probably waiting).
    private func acceptBatch(_ fd: Int32, token: IOToken, sink: any CompletionSink) -> Bool {
        var accepted = 0
        // Bounded: other sockets get their turn before the backlog is emptied.
        while accepted < Self.acceptBatch {
            let connection = Self.accept(fd)
            if connection >= 0 {
                accepted += 1
                sink.acceptCompleted(token: token, result: connection)
                guard case .accept(token) = interest(fd)?.reader else { return false }
                continue
            }
            let code = errno
            switch AcceptErrorPolicy(errno: code) {
            case .skip:
                continue
            case .batchDone:
                return false
            case .backOff, .ended:
                update(fd) { $0.reader = .none }
                sink.acceptEnded(token: token, error: code)
                return false
            case .report:
                sink.acceptCompleted(token: token, result: -code)
                return false
            }
        }
        return true
    }

    // MARK: Syscalls

    /// `sendmsg`: bytes sent or `-errno` (`-EAGAIN` when the buffer is full).
    @inline(__always)
    private static func sendMessage(_ fd: Int32, _ message: UnsafeMutablePointer<msghdr>) -> Int {
        while true {
            let result = sendmsg(fd, message, sendFlags)
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            return code == EWOULDBLOCK ? -Int(EAGAIN) : -Int(code)
        }
    }

    /// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`, or what it does, portably.
    private static func accept(_ fd: Int32) -> Int32 {
        #if os(Linux)
        return ringway_accept4(fd, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        #else
        let accepted = Darwin.accept(fd, nil, nil)
        guard accepted >= 0 else { return accepted }
        _ = fcntl(accepted, F_SETFL, fcntl(accepted, F_GETFL) | O_NONBLOCK)
        _ = fcntl(accepted, F_SETFD, fcntl(accepted, F_GETFD) | FD_CLOEXEC)
        var on: Int32 = 1
        _ = setsockopt(accepted, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        return accepted
        #endif
    }

    /// Whether `fd` has hung up or failed (POLLHUP/POLLERR), without waiting. Checked once
    /// when a `recv` ends (never on the request path).
    ///
    /// At a descriptor's first EPOLLHUP libdispatch hands the hang-up to the sources registered
    /// then and removes the fd from its epoll set; a source that registers later never fires.
    /// Seen: a client reset during a file send, where the write source made for the wait raced
    /// the read source's EOF, and the connection waited until the drain. So a send that finds
    /// a hung-up socket's buffer full fails with `EPIPE` rather than wait. epoll would report
    /// the hang-up as writable; the rule holds for every mechanism all the same.
    private static func hungUp(_ fd: Int32) -> Bool {
        var request = pollfd(fd: fd, events: 0, revents: 0)
        #if canImport(Glibc)
        let ready = Glibc.poll(&request, 1, 0)
        #else
        let ready = Darwin.poll(&request, 1, 0)
        #endif
        return ready == 1 && request.revents & Int16(POLLHUP | POLLERR) != 0
    }
}
