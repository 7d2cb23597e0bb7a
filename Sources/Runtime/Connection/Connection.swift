import DequeModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected socket owned by one event loop.
///
/// Inbound bytes go to the `delegate` as borrowed views. Outbound bytes are queued as
/// owned arrays and leave in gathered `sendmsg` calls, at most one in flight (more could
/// reorder), flushed once per loop turn. The fd is closed only after every operation that
/// refers to it has completed.
///
/// Loop-confined: every member is used on `loop`'s thread only (the `@unchecked Sendable`
/// invariant; `send`/`receive` of the app interface hop to the loop when called elsewhere).
public final class Connection: IOTarget, @unchecked Sendable {
    /// The loop that owns this connection.
    public let loop: EventLoop
    /// The peer's address.
    public let remoteAddress: PeerAddress?
    /// The local address the connection arrived on.
    public let localAddress: PeerAddress?
    /// The protocol handler; released when the connection closes.
    public var delegate: (any ConnectionDelegate)?
    /// Queued outbound bytes above which `isWritable` is false and senders wait.
    public var highWaterMark: Int
    /// Queued outbound bytes at or below which waiting senders resume.
    public var lowWaterMark: Int

    let fd: Int32
    private(set) var token: IOToken = 0
    private let onClose: (Connection) -> Void

    private enum ReceiveState { case idle, active, stopping(restart: Bool) }
    private enum Lifecycle { case open, draining, closing, closed }

    private var receiveState = ReceiveState.idle
    private var lifecycle = Lifecycle.open
    private var wantsReceive = true

    private var outbound = Deque<[UInt8]>()
    private var outboundHeadOffset = 0
    /// Bytes queued and not yet confirmed sent.
    public private(set) var outboundBytes = 0
    private var sendInFlight = false
    private var flushScheduled = false
    private var writableWaiters: [UnsafeContinuation<Void, any Error>] = []
    private var gather: UnsafeMutablePointer<msghdr>?
    private var lingerTimer: TimerID?

    private static let maxGather = 32
    /// How long a closing connection keeps reading (and discarding) after its FIN, so that
    /// unread request bytes do not turn the close into an RST that destroys the response.
    private static let lingerNanoseconds: UInt64 = 2_000_000_000

    init(fd: Int32, loop: EventLoop, highWaterMark: Int, lowWaterMark: Int, onClose: @escaping (Connection) -> Void) {
        self.fd = fd
        self.loop = loop
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
        self.onClose = onClose
        remoteAddress = SocketAddress.remote(of: fd)?.peerAddress
        localAddress = SocketAddress.local(of: fd)?.peerAddress
    }

    /// Registers with the loop and starts receiving. Loop thread only.
    func activate() {
        token = loop.register(self)
        startReceive()
    }

    // MARK: Reading

    /// Whether the connection is open and not shutting down.
    public var isOpen: Bool { lifecycle == .open }

    /// Stops reading from the socket (inbound backpressure) until `resumeReceiving`.
    public func pauseReceiving() {
        wantsReceive = false
        switch receiveState {
        case .active:
            receiveState = .stopping(restart: false)
            loop.io.stopReceiving(fd: fd, token: token)
        case .stopping:
            receiveState = .stopping(restart: false)
        case .idle:
            break
        }
    }

    /// Resumes reading after `pauseReceiving`.
    public func resumeReceiving() {
        wantsReceive = true
        switch receiveState {
        case .idle: if lifecycle == .open || lifecycle == .draining { startReceive() }
        case .stopping: receiveState = .stopping(restart: true)
        case .active: break
        }
    }

    private func startReceive() {
        receiveState = .active
        loop.io.startReceiving(fd: fd, token: token)
    }

    func receiveCompleted(_ bytes: UnsafeRawBufferPointer) {
        // Bytes that raced a pause are still valid input; bytes after our FIN are discarded.
        guard !lingering, lifecycle == .open || lifecycle == .draining else { return }
        delegate?.connectionReceived(bytes)
    }

    func receiveEnded(error: Int32) {
        let restart: Bool
        if case .stopping(let wanted) = receiveState { restart = wanted } else { restart = false }
        receiveState = .idle
        switch lifecycle {
        case .closing:
            finishClose()
        case .closed:
            break
        case .open, .draining:
            if error == ECANCELED {
                if restart && (wantsReceive || lingering) { startReceive() }
            } else {
                readEnded = true
                if lingering {
                    close(graceful: false)
                } else {
                    delegate?.connectionReadEnded(error: error)
                }
            }
        }
    }

    // MARK: Writing

    /// Whether queued outbound bytes are below the high-water mark.
    public var isWritable: Bool { outboundBytes < highWaterMark }

    /// Queues `bytes` for sending; they leave at the end of the current loop turn.
    public func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, lifecycle == .open || lifecycle == .draining else { return }
        outbound.append(bytes)
        outboundBytes += bytes.count
        if !flushScheduled && !sendInFlight {
            flushScheduled = true
            loop.scheduleFlush(self)
        }
    }

    /// Suspends until queued bytes fall to the low-water mark; throws `ClientDisconnected`
    /// if the connection closes first.
    public func waitUntilWritable() async throws {
        guard lifecycle != .closed && lifecycle != .closing else { throw ClientDisconnected() }
        if outboundBytes <= lowWaterMark { return }
        try await withUnsafeThrowingContinuation { continuation in
            writableWaiters.append(continuation)
        }
    }

    /// Sends what is queued if no send is in flight. Called by the loop once per turn.
    func flushNow() {
        flushScheduled = false
        guard !sendInFlight, outboundBytes > 0, lifecycle != .closed else { return }
        let message = gather ?? makeGather()
        let iovecs = message.pointee.msg_iov!
        var count = 0
        for (position, chunk) in outbound.enumerated() {
            guard count < Self.maxGather else { break }
            let offset = position == 0 ? outboundHeadOffset : 0
            // Invariant: `chunk` stays in `outbound`, unmutated, until sendCompleted consumed
            // it, so its heap storage (native, contiguous) outlives the kernel's use of it.
            chunk.withUnsafeBytes { bytes in
                iovecs[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), iov_len: bytes.count - offset)
            }
            count += 1
        }
        message.pointee.msg_iovlen = numericCast(count)
        sendInFlight = true
        loop.io.send(fd: fd, message: message, token: token)
    }

    /// Gives back the memory a busy connection keeps for its next send (the gather list,
    /// the queue's capacity) when nothing is queued or in flight. For connections that went
    /// idle: a busy one keeps both, so its sends allocate nothing.
    public func releaseIdleMemory() {
        guard !sendInFlight, outbound.isEmpty else { return }
        outbound = Deque()
        outboundHeadOffset = 0
        releaseGather()
    }

    private func releaseGather() {
        guard let gather else { return }
        // Invariant: no send is in flight (callers check), so the kernel holds no pointer into it.
        gather.pointee.msg_iov.deallocate()
        gather.deallocate()
        self.gather = nil
    }

    private func makeGather() -> UnsafeMutablePointer<msghdr> {
        let message = UnsafeMutablePointer<msghdr>.allocate(capacity: 1)
        message.initialize(to: msghdr())
        message.pointee.msg_iov = UnsafeMutablePointer<iovec>.allocate(capacity: Self.maxGather)
        gather = message
        return message
    }

    func sendCompleted(result: Int) {
        sendInFlight = false
        if lifecycle == .closed { return }
        if lifecycle == .closing {
            // An abortive close: the queue is dropped, nothing more is sent.
            finishClose()
            return
        }
        if result < 0 {
            if result == -Int(EAGAIN) || result == -Int(EINTR) {
                flushNow()
            } else {
                close(graceful: false)
            }
            return
        }
        consumeOutbound(result)
        if outboundBytes > 0 {
            flushNow()
        }
        if outboundBytes <= lowWaterMark && !writableWaiters.isEmpty {
            let waiters = writableWaiters
            writableWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
        if outboundBytes == 0, closeWhenFlushed { beginLinger() }
    }

    private func consumeOutbound(_ sent: Int) {
        var remaining = sent
        outboundBytes -= sent
        while remaining > 0, let first = outbound.first {
            let available = first.count - outboundHeadOffset
            if remaining >= available {
                remaining -= available
                outbound.removeFirst()
                outboundHeadOffset = 0
            } else {
                outboundHeadOffset += remaining
                remaining = 0
            }
        }
    }

    // MARK: Closing

    /// A graceful close waits for the queue to drain.
    private var closeWhenFlushed = false
    /// Whether that close reads (and discards) input after its FIN, see `beginLinger`.
    private var lingerAfterFlush = true
    /// After our FIN: input is discarded until the peer's EOF or the linger timer.
    private var lingering = false
    /// The peer finished sending (EOF or an error on the read side).
    private var readEnded = false

    /// The server is draining: the delegate finishes its current exchange, then closes.
    func requestShutdown() {
        guard lifecycle == .open else { return }
        lifecycle = .draining
        delegate?.connectionShutdownRequested()
    }

    /// Closes the connection. Graceful: send what is queued, then FIN, then (with `linger`)
    /// read until the peer closes, bounded, so unread request bytes cannot turn the close
    /// into an RST that destroys the response. Not graceful: cancel everything in flight
    /// and close as soon as the kernel has let go.
    public func close(graceful: Bool = true, linger: Bool = true) {
        switch lifecycle {
        case .closed, .closing: return
        case .open, .draining: break
        }
        if graceful {
            lingerAfterFlush = linger
            closeWhenFlushed = true
            if outboundBytes == 0 { beginLinger() }
            return
        }
        lifecycle = .closing
        if let lingerTimer { loop.cancelTimer(lingerTimer) }
        failWaiters()
        if case .active = receiveState {
            receiveState = .stopping(restart: false)
            loop.io.stopReceiving(fd: fd, token: token)
        }
        if sendInFlight { loop.io.cancelSend(fd: fd, token: token) }
        finishClose()
    }

    /// All data is out: half-close, keep draining input until EOF or the linger timeout.
    private func beginLinger() {
        closeWhenFlushed = false
        guard lifecycle == .open || lifecycle == .draining else { return }
        if readEnded || !lingerAfterFlush {
            close(graceful: false)  // nothing unread to protect: close right after the flush
            return
        }
        #if canImport(Glibc)
        _ = shutdown(fd, Int32(SHUT_WR))
        #else
        _ = shutdown(fd, SHUT_WR)
        #endif
        // Input is discarded from now on; the peer's EOF (or an error, or the timer) ends it.
        lingering = true
        lingerTimer = loop.scheduleTimer(afterNanoseconds: Self.lingerNanoseconds) { [weak self] in
            self?.lingerTimer = nil
            self?.close(graceful: false)
        }
        switch receiveState {
        case .idle: startReceive()
        case .stopping: receiveState = .stopping(restart: true)
        case .active: break
        }
    }


    /// Releases the fd and the slot once no receive and no send refer to them.
    private func finishClose() {
        guard lifecycle == .closing else { return }
        if case .idle = receiveState {} else { return }
        if sendInFlight { return }
        lifecycle = .closed
        loop.io.close(fd: fd)
        loop.unregister(token)
        outbound.removeAll()
        outboundBytes = 0
        releaseGather()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.connectionClosed()
        onClose(self)
    }

    private func failWaiters() {
        let waiters = writableWaiters
        writableWaiters.removeAll()
        for waiter in waiters { waiter.resume(throwing: ClientDisconnected()) }
    }

    func loopStopped() {
        if lifecycle != .closed {
            lifecycle = .closing
            failWaiters()
            receiveState = .idle
            sendInFlight = false
            finishClose()
        }
    }
}
