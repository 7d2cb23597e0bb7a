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
package final class Connection: IOTarget, @unchecked Sendable {
    /// The loop that owns this connection.
    package let loop: EventLoop
    /// The peer's address.
    package let remoteAddress: PeerAddress?
    /// The local address the connection arrived on.
    package let localAddress: PeerAddress?
    /// The protocol handler; released when the connection closes.
    package var delegate: (any ConnectionDelegate)?
    /// Queued outbound bytes above which `isWritable` is false and senders wait.
    package var highWaterMark: Int
    /// Queued outbound bytes at or below which waiting senders resume.
    package var lowWaterMark: Int

    let fd: Int32
    private(set) var token: IOToken = 0
    private let onClose: (Connection) -> Void

    /// Where the connection is in its life; every transition is in the Closing section:
    /// `open` → `draining` (requestShutdown); `open`/`draining` → `flushingThenClose`
    /// (graceful close) → `lingering` (queue empty: FIN) → `closing` (peer's EOF or the timer;
    /// straight from `flushingThenClose` when the peer is done or there is no linger);
    /// any state before `closing` → `closing` (abortive close) → `closed` (nothing in flight).
    private enum Lifecycle {
        /// Reading and writing.
        case open
        /// The server is draining: the delegate finishes its current exchange, then closes.
        case draining
        /// A graceful close: the queue drains, then FIN (and, with `linger`, `lingering`).
        case flushingThenClose(linger: Bool)
        /// After our FIN: input is read and discarded until the peer's EOF or the timer, so
        /// unread request bytes cannot turn the close into an RST that destroys the response.
        case lingering(timer: TimerID?)
        /// An abortive close: in-flight operations are cancelled; the fd closes when the
        /// kernel has let go of them all.
        case closing
        /// The fd and the slot are released.
        case closed

        /// Whether received bytes go to the delegate (and the app may pause reading).
        var acceptsInput: Bool {
            switch self {
            case .open, .draining, .flushingThenClose: true
            case .lingering, .closing, .closed: false
            }
        }
        /// Whether writes are queued and sent.
        var acceptsOutput: Bool { acceptsInput }
        /// Whether the connection is shutting down for good (waiters are failed).
        var isEnding: Bool {
            switch self {
            case .closing, .closed: true
            case .open, .draining, .flushingThenClose, .lingering: false
            }
        }
    }

    /// The receive operation: at most one in flight.
    private enum ReceiveState: Equatable {
        /// None in flight: not started yet, or paused (`pauseReceiving`).
        case paused
        case active
        /// Stopped, its `receiveEnded(ECANCELED)` still to come; `restart` starts it again then.
        case stopping(restart: Bool)
        /// The peer finished sending (EOF or an error on the read side); never restarted.
        case ended

        var inFlight: Bool {
            switch self {
            case .active, .stopping: true
            case .paused, .ended: false
            }
        }
    }

    /// The write operation: at most one per socket in flight (more could reorder).
    private enum WriteState {
        case idle
        /// Idle, and `flushNow` is queued on the loop for the end of this turn.
        case flushScheduled
        /// A gathered `send` of queued bytes.
        case sendingBytes
        /// A `sendFile` of the file region at the head of the queue.
        case sendingFile

        var inFlight: Bool {
            switch self {
            case .sendingBytes, .sendingFile: true
            case .idle, .flushScheduled: false
            }
        }
    }

    private var lifecycle = Lifecycle.open
    private var receiveState = ReceiveState.paused
    private var writeState = WriteState.idle

    private var outbound = OutboundQueue()
    /// Bytes queued and not yet confirmed sent, file bytes included.
    package var outboundBytes: Int { outbound.byteCount }
    /// Bytes sent since the connection opened: progress a send timeout can tell apart
    /// from a stalled reader while a large queue (a file) drains.
    package private(set) var sentBytes: UInt64 = 0
    private var writableWaiters: [UnsafeContinuation<Void, any Error>] = []
    /// Called once when the queue is down to the low-water mark (a detached body's writer).
    private var writableCallback: (() -> Void)?
    private var gather: UnsafeMutablePointer<msghdr>?

    private static let maxGather = 32
    /// How long a closing connection keeps reading (and discarding) after its FIN, so that
    /// unread request bytes do not turn the close into an RST that destroys the response.
    private static let lingerNanoseconds: UInt64 = 2_000_000_000

    /// - Parameter addresses: the peer's and the local address when the backend knows them
    ///   (the in-memory one); nil asks the socket.
    init(fd: Int32, loop: EventLoop, highWaterMark: Int, lowWaterMark: Int,
         addresses: (remote: PeerAddress?, local: PeerAddress?)? = nil, onClose: @escaping (Connection) -> Void) {
        self.fd = fd
        self.loop = loop
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
        self.onClose = onClose
        remoteAddress = addresses.map { $0.remote } ?? SocketAddress.remote(of: fd)?.peerAddress
        localAddress = addresses.map { $0.local } ?? SocketAddress.local(of: fd)?.peerAddress
    }

    /// Registers with the loop and starts receiving. Loop thread only.
    func activate() {
        token = loop.register(self)
        startReceive()
    }

    // MARK: Reading

    /// Whether the connection is open and not shutting down.
    package var isOpen: Bool {
        if case .open = lifecycle { true } else { false }
    }

    /// Stops reading from the socket (inbound backpressure) until `resumeReceiving`.
    package func pauseReceiving() {
        guard lifecycle.acceptsInput else { return }  // a lingering close reads on
        switch receiveState {
        case .active:
            receiveState = .stopping(restart: false)
            loop.io.stopReceiving(fd: fd, token: token)
        case .stopping:
            receiveState = .stopping(restart: false)
        case .paused, .ended:
            break
        }
    }

    /// Resumes reading after `pauseReceiving`.
    package func resumeReceiving() {
        guard lifecycle.acceptsInput else { return }
        switch receiveState {
        case .paused: startReceive()
        case .stopping: receiveState = .stopping(restart: true)
        case .active, .ended: break
        }
    }

    private func startReceive() {
        receiveState = .active
        loop.io.startReceiving(fd: fd, token: token)
    }

    func receiveCompleted(_ bytes: UnsafeRawBufferPointer) {
        // Bytes that raced a pause are still valid input; bytes after our FIN are discarded.
        guard lifecycle.acceptsInput else { return }
        delegate?.connectionReceived(bytes)
    }

    // MARK: Writing

    /// Whether queued outbound bytes are below the high-water mark.
    package var isWritable: Bool { outboundBytes < highWaterMark }

    /// Queues `bytes` for sending; they leave at the end of the current loop turn.
    package func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, lifecycle.acceptsOutput else { return }
        outbound.append(bytes)
        scheduleFlush()
    }

    /// Queues `region` for sending after everything queued before it, and before anything
    /// queued after it. A region the connection owns (`closesDescriptor`) is closed once it
    /// is sent, or now when the connection no longer sends.
    package func write(_ region: FileRegion) {
        guard region.count > 0, lifecycle.acceptsOutput else {
            region.discard()
            return
        }
        outbound.append(region)
        scheduleFlush()
    }

    private func scheduleFlush() {
        if case .idle = writeState {
            writeState = .flushScheduled
            loop.scheduleFlush(self)
        }
    }

    /// Calls `callback` once, on the loop, when queued bytes fall to the low-water mark (at
    /// once if they are there); dropped if the connection closes first. One at a time.
    package func whenWritable(_ callback: @escaping () -> Void) {
        guard !lifecycle.isEnding else { return }
        if outboundBytes <= lowWaterMark {
            callback()
            return
        }
        writableCallback = callback
    }

    /// Suspends until queued bytes fall to the low-water mark; throws `ClientDisconnected`
    /// if the connection closes first.
    package func waitUntilWritable() async throws {
        guard !lifecycle.isEnding else { throw ClientDisconnected() }
        if outboundBytes <= lowWaterMark { return }
        try await withUnsafeThrowingContinuation { continuation in
            writableWaiters.append(continuation)
        }
    }

    /// Sends what is queued if nothing is in flight. Called by the loop once per turn and
    /// after each completion: bytes at the head go out as one gathered send, a file region at
    /// the head as one `sendFile`; either completes later through `sendCompleted`.
    ///
    /// After an abortive close, while the kernel lets go of the socket (a receive is still
    /// being stopped), the queue still gets one more send: a gathered one as usual, a file
    /// region only what the socket takes at once (its send is cancelled as soon as it is
    /// submitted); a gathered send is cancelled after the linger time, so a stalled reader
    /// cannot hold the close.
    func flushNow() {
        if case .flushScheduled = writeState { writeState = .idle }
        guard case .idle = writeState, outbound.byteCount > 0 else {
            afterProgress()
            return
        }
        let abortive: Bool
        switch lifecycle {
        case .open, .draining, .flushingThenClose: abortive = false
        case .closing: abortive = true
        case .lingering, .closed: return
        }
        if let region = outbound.headFile {
            writeState = .sendingFile
            loop.io.sendFile(fd: fd, file: region.descriptor, offset: region.offset, count: region.count, token: token)
            if abortive { loop.io.cancelSend(fd: fd, token: token) }
        } else {
            submitGather()
            if abortive { cancelLastSendLater() }
        }
        if !abortive { afterProgress() }
    }

    /// An abortive close's last gathered send may wait for a reader that never reads: it
    /// gets the linger time, then it is cancelled, so the close always finishes.
    private func cancelLastSendLater() {
        loop.scheduleTimer(afterNanoseconds: Self.lingerNanoseconds) { [weak self] in
            guard let self, case .closing = self.lifecycle, self.writeState.inFlight else { return }
            self.loop.io.cancelSend(fd: self.fd, token: self.token)
        }
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
    package func releaseIdleMemory() {
        guard !writeState.inFlight, outbound.isEmpty else { return }
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
        case .open, .draining, .flushingThenClose, .lingering: return true
        }
    }

    /// A gathered send or a file send ended: bytes sent (fewer than asked: the rest goes
    /// next), 0 for a file that ended before its region did, or `-errno`.
    func sendCompleted(result: Int) {
        let file = if case .sendingFile = writeState { true } else { false }
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
        if outboundBytes <= lowWaterMark, let callback = writableCallback {
            writableCallback = nil
            callback()
        }
        if outboundBytes == 0, case .flushingThenClose = lifecycle { beginLinger() }
    }

    // MARK: Closing

    /// The server is draining: the delegate finishes its current exchange, then closes.
    func requestShutdown() {
        guard case .open = lifecycle else { return }
        lifecycle = .draining
        delegate?.connectionShutdownRequested()
    }

    /// The receive ended: `ECANCELED` after a stop, else the peer finished (0 for EOF).
    func receiveEnded(error: Int32) {
        let restart = receiveState == .stopping(restart: true)
        receiveState = .paused
        switch lifecycle {
        case .closing:
            finishClose()
        case .closed:
            break
        case .open, .draining, .flushingThenClose, .lingering:
            if error == ECANCELED {
                if restart { startReceive() }
                return
            }
            receiveState = .ended
            if case .lingering = lifecycle {
                close(graceful: false)  // the peer's EOF: nothing unread is left to protect
            } else {
                delegate?.connectionReadEnded(error: error)
            }
        }
    }

    /// Closes the connection. Graceful: send what is queued, then FIN, then (with `linger`)
    /// read until the peer closes, bounded, so unread request bytes cannot turn the close
    /// into an RST that destroys the response. Not graceful: cancel everything in flight
    /// and close as soon as the kernel has let go.
    package func close(graceful: Bool = true, linger: Bool = true) {
        switch lifecycle {
        case .closed, .closing:
            return
        case .open, .draining, .flushingThenClose:
            if graceful {
                lifecycle = .flushingThenClose(linger: linger)
                if outboundBytes == 0 { beginLinger() }
                return
            }
        case .lingering(let timer):
            guard !graceful else { return }  // the FIN is out already
            if let timer { loop.cancelTimer(timer) }
        }
        lifecycle = .closing
        failWaiters()
        switch receiveState {
        case .active:
            receiveState = .stopping(restart: false)
            loop.io.stopReceiving(fd: fd, token: token)
        case .stopping:
            receiveState = .stopping(restart: false)
        case .paused, .ended:
            break
        }
        if writeState.inFlight { loop.io.cancelSend(fd: fd, token: token) }
        finishClose()
    }

    /// All data is out: half-close, keep draining input until EOF or the linger timeout.
    private func beginLinger() {
        guard case .flushingThenClose(let linger) = lifecycle else { return }
        if receiveState == .ended || !linger {
            close(graceful: false)  // nothing unread to protect: close right after the flush
            return
        }
        loop.io.shutdownWrite(fd: fd)
        // Input is discarded from now on; the peer's EOF (or an error, or the timer) ends it.
        let timer = loop.scheduleTimer(afterNanoseconds: Self.lingerNanoseconds) { [weak self] in
            guard let self, case .lingering = self.lifecycle else { return }
            self.lifecycle = .lingering(timer: nil)  // fired: nothing left to cancel
            self.close(graceful: false)
        }
        lifecycle = .lingering(timer: timer)
        switch receiveState {
        case .paused: startReceive()
        case .stopping: receiveState = .stopping(restart: true)
        case .active, .ended: break
        }
    }

    /// Releases the fd and the slot once no receive and no write refer to them, and closes
    /// the files the queue still owns.
    private func finishClose() {
        guard case .closing = lifecycle, !receiveState.inFlight, !writeState.inFlight else { return }
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
        writableCallback = nil
        let waiters = writableWaiters
        writableWaiters.removeAll()
        for waiter in waiters { waiter.resume(throwing: ClientDisconnected()) }
    }

    func loopStopped() {
        if case .closed = lifecycle { return }
        lifecycle = .closing
        failWaiters()
        receiveState = .paused
        writeState = .idle
        finishClose()
    }
}
