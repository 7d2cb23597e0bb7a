#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected socket owned by one event loop.
///
/// Inbound bytes go to the `delegate` as borrowed views. Outbound bytes are queued as
/// owned arrays and leave in gathered `sendmsg` calls, at most one in flight (more could
/// reorder), flushed once per loop turn; file regions queued between them leave in their
/// turn as the backend's `sendFile` (which waits for room itself). The connection makes no
/// syscall on its fd: the backend does them all. The fd is closed only after every
/// operation that refers to it has completed.
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

    /// What a write has in flight: at most one operation per socket.
    private enum WriteState { case idle, sendingBytes, sendingFile }

    private var outbound = OutboundQueue()
    /// Bytes queued and not yet confirmed sent, file bytes included.
    public var outboundBytes: Int { outbound.byteCount }
    /// Bytes sent since the connection opened: progress a send timeout can tell apart
    /// from a stalled reader while a large queue (a file) drains.
    public private(set) var sentBytes: UInt64 = 0
    private var writeState = WriteState.idle
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
        scheduleFlush()
    }

    /// Queues `region` for sending after everything queued before it, and before anything
    /// queued after it. A region the connection owns (`closesDescriptor`) is closed once it
    /// is sent, or now when the connection no longer sends.
    public func write(_ region: FileRegion) {
        guard region.count > 0, lifecycle == .open || lifecycle == .draining else {
            region.discard()
            return
        }
        outbound.append(region)
        scheduleFlush()
    }

    private func scheduleFlush() {
        if !flushScheduled && writeState == .idle {
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

    /// Sends what is queued if nothing is in flight. Called by the loop once per turn and
    /// after each completion: bytes at the head go out as one gathered send, a file region at
    /// the head as one `sendFile`; either completes later through `sendCompleted`.
    func flushNow() {
        flushScheduled = false
        if writeState == .idle, outbound.byteCount > 0, lifecycle == .open || lifecycle == .draining {
            if let region = outbound.headFile {
                writeState = .sendingFile
                loop.io.sendFile(fd: fd, file: region.descriptor, offset: region.offset, count: region.count, token: token)
            } else {
                submitGather()
            }
        }
        afterProgress()
    }

    private func submitGather() {
        let message = gather ?? makeGather()
        let count = outbound.gather(into: message.pointee.msg_iov!, capacity: Self.maxGather)
        message.pointee.msg_iovlen = numericCast(count)
        writeState = .sendingBytes
        loop.io.send(fd: fd, message: message, token: token)
    }

    /// Gives back the memory a busy connection keeps for its next send (the gather list,
    /// the queue's capacity) when nothing is queued or in flight. For connections that went
    /// idle: a busy one keeps both, so its sends allocate nothing.
    public func releaseIdleMemory() {
        guard writeState == .idle, outbound.isEmpty else { return }
        outbound.releaseCapacity()
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

    /// A send ended: whether the connection goes on writing. After an
    /// abortive close it does not: the queue is dropped and the close may now finish.
    private func writeOperationEnded() -> Bool {
        writeState = .idle
        switch lifecycle {
        case .closed: return false
        case .closing:
            finishClose()
            return false
        case .open, .draining: return true
        }
    }

    /// A gathered send or a file send ended: bytes sent (fewer than asked: the rest goes
    /// next), 0 for a file that ended before its region did, or `-errno`.
    func sendCompleted(result: Int) {
        let file = writeState == .sendingFile
        guard writeOperationEnded() else { return }
        if result < 0 {
            if !file && (result == -Int(EAGAIN) || result == -Int(EINTR)) {
                flushNow()
            } else {
                close(graceful: false)
            }
            return
        }
        if result == 0 && file {
            close(graceful: false)  // the file shrank after it was queued
            return
        }
        delivered(result)
        flushNow()
    }

    /// `count` queued bytes reached the socket.
    private func delivered(_ count: Int) {
        sentBytes &+= UInt64(count)
        outbound.consume(count) { $0.discard() }
    }

    /// Resumes senders once the queue is down to the low-water mark, and finishes a
    /// graceful close once it is empty.
    private func afterProgress() {
        if outboundBytes <= lowWaterMark && !writableWaiters.isEmpty {
            let waiters = writableWaiters
            writableWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
        if outboundBytes == 0, closeWhenFlushed { beginLinger() }
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
        switch writeState {
        case .idle: break
        case .sendingBytes, .sendingFile: loop.io.cancelSend(fd: fd, token: token)
        }
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
        loop.io.shutdownWrite(fd: fd)
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


    /// Releases the fd and the slot once no receive and no write refer to them, and closes
    /// the files the queue still owns.
    private func finishClose() {
        guard lifecycle == .closing else { return }
        if case .idle = receiveState {} else { return }
        if writeState != .idle { return }
        lifecycle = .closed
        loop.io.close(fd: fd)
        loop.unregister(token)
        outbound.removeAll { $0.discard() }
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
            writeState = .idle
            finishClose()
        }
    }
}
