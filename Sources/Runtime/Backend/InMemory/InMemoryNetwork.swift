import DequeModule
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The wire between a test client and a server whose loop runs on `InMemoryBackend`: one
/// listening descriptor and byte pipes that stand in for sockets, with no kernel socket at all.
///
/// Descriptors are numbers above any real descriptor (from `fakeDescriptorBase`), so a stray
/// syscall on one fails with `EBADF` instead of touching another socket of the process.
/// Each pipe behaves like a TCP connection with a bounded receive window on the client's side:
/// the server's sends complete only as far as the client has room, so a client that does not
/// read stalls the server exactly as a slow reader does.
///
/// Thread-safe: the client side runs on any task, the backend on its loop thread; all state
/// is under one lock, and nothing calls out while holding it.
package final class InMemoryNetwork: Sendable {
    /// The first fake descriptor (far above `RLIMIT_NOFILE`'s hard limit).
    static let fakeDescriptorBase: Int32 = 1 << 30
    /// The listening descriptor the server accepts on.
    package let listenerDescriptor: Int32 = fakeDescriptorBase

    let state = Mutex<State>(State())
    /// The loop's wake-up pipe: [read end, write end].
    private let wakePipe: (Int32, Int32)

    package init() {
        var fds: [Int32] = [-1, -1]
        let made = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        precondition(made == 0, "pipe() failed: \(errno)")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        _ = close(wakePipe.0)
        _ = close(wakePipe.1)
    }

    struct State: ~Copyable {
        var pipes: [Int32: Pipe] = [:]
        var nextDescriptor = InMemoryNetwork.fakeDescriptorBase + 1
        /// Accepting: the listener's token, while the server accepts.
        var acceptToken: IOToken?
        var acceptStopRequested = false
        var pendingAccepts: Deque<Int32> = []
    }

    /// One connection's two directions and the server's operations on it.
    struct Pipe {
        // Client → server.
        var inbound = Deque<[UInt8]>()
        var inboundEnded = false
        var reset = false
        // Server → client.
        var outbound: [UInt8] = []
        var window: Int
        var outboundEnded = false
        var clientClosed = false
        var clientWaiter: (id: UInt64, continuation: UnsafeContinuation<[UInt8]?, any Error>)?
        /// A read whose time bound passed before it started waiting (it fails at once).
        var cancelledRead: (id: UInt64, error: any Error)?
        // The server's operations.
        var receiveToken: IOToken?
        var receiveStopRequested = false
        var receiveEndDelivered = false
        var pendingSend: PendingSend?
        var sendCancelRequested = false
        var serverClosed = false

        init(window: Int) { self.window = window }
    }

    /// The one send of a descriptor in flight.
    struct PendingSend {
        enum Kind {
            case gather(GatherList)
            case file(descriptor: Int32, offset: Int64, count: Int)
        }
        var token: IOToken
        var kind: Kind
    }

    // MARK: Client side

    /// Opens a connection: the server accepts it on its next loop turn. `window` is how many
    /// unread bytes the client side buffers before the server's sends stall.
    package func connect(window: Int) -> Int32 {
        let fd = state.withLock { state in
            let fd = state.nextDescriptor
            state.nextDescriptor += 1
            state.pipes[fd] = Pipe(window: window)
            state.pendingAccepts.append(fd)
            return fd
        }
        wake()
        return fd
    }

    /// Queues bytes from the client; false if the server has closed or the client reset.
    package func clientWrite(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        let written = state.withLock { state -> Bool in
            guard var pipe = state.pipes[fd], !pipe.reset, !pipe.inboundEnded, !pipe.clientClosed else { return false }
            if pipe.serverClosed { return false }
            pipe.inbound.append(bytes)
            state.pipes[fd] = pipe
            return true
        }
        if written { wake() }
        return written
    }

    /// Waits for bytes from the server: nil once the server closed (or half-closed) and
    /// every byte was read. `id` identifies the wait for `cancelRead`.
    package func clientRead(_ fd: Int32, id: UInt64) async throws -> [UInt8]? {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[UInt8]?, any Error>) in
            let ready = state.withLock { state -> Result<[UInt8]?, any Error>? in
                guard var pipe = state.pipes[fd] else { return .success(nil) }
                if pipe.reset { return .failure(InMemoryConnectionReset()) }
                if !pipe.outbound.isEmpty {
                    let bytes = pipe.outbound
                    pipe.outbound = []
                    state.pipes[fd] = pipe
                    return .success(bytes)
                }
                if pipe.outboundEnded { return .success(nil) }
                if let cancelled = pipe.cancelledRead, cancelled.id == id {
                    pipe.cancelledRead = nil
                    state.pipes[fd] = pipe
                    return .failure(cancelled.error)
                }
                pipe.clientWaiter = (id, continuation)
                state.pipes[fd] = pipe
                return nil
            }
            if let ready {
                continuation.resume(with: ready)
                wake()  // room in the window: a stalled send may go on
            }
        }
    }

    /// Ends a pending `clientRead` with `error` (a timeout); no-op if it already returned.
    package func cancelRead(_ fd: Int32, id: UInt64, error: any Error) {
        let waiter = state.withLock { state -> UnsafeContinuation<[UInt8]?, any Error>? in
            guard let waiter = state.pipes[fd]?.clientWaiter, waiter.id == id else {
                state.pipes[fd]?.cancelledRead = (id, error)  // the read has not started waiting yet
                return nil
            }
            state.pipes[fd]?.clientWaiter = nil
            return waiter.continuation
        }
        waiter?.resume(throwing: error)
    }

    /// Changes how many unread bytes the client buffers (a slow reader: small).
    package func setWindow(_ fd: Int32, _ window: Int) {
        state.withLock { $0.pipes[fd]?.window = max(1, window) }
        wake()
    }

    /// The client half-closes: the server reads an end of stream after the queued bytes.
    package func clientShutdownWrite(_ fd: Int32) {
        state.withLock { $0.pipes[fd]?.inboundEnded = true }
        wake()
    }

    /// The client resets the connection: the server's reads and writes fail, unread bytes are lost.
    package func clientReset(_ fd: Int32) {
        endClient(fd, reset: true)
    }

    /// The client closes its end after reading what it wanted (a graceful close: FIN).
    package func clientClose(_ fd: Int32) {
        endClient(fd, reset: false)
    }

    /// The client is done with `fd`: its pending read ends (nil, or a reset error), what the
    /// server sent is dropped, and with `reset` what the client sent is lost too.
    private func endClient(_ fd: Int32, reset: Bool) {
        let waiter = state.withLock { state -> UnsafeContinuation<[UInt8]?, any Error>? in
            guard var pipe = state.pipes[fd] else { return nil }
            if reset {
                pipe.reset = true
                pipe.inbound.removeAll()
            } else {
                pipe.inboundEnded = true
            }
            pipe.clientClosed = true
            pipe.outbound = []
            let waiter = pipe.clientWaiter
            pipe.clientWaiter = nil
            state.pipes[fd] = pipe
            removeIfDone(fd, &state)
            return waiter?.continuation
        }
        if reset { waiter?.resume(throwing: InMemoryConnectionReset()) } else { waiter?.resume(returning: nil) }
        wake()
    }

    /// The addresses a server sees for connection `fd`: a loopback client with its own port,
    /// and `testserver:80`.
    package func addresses(of fd: Int32) -> (remote: PeerAddress?, local: PeerAddress?) {
        (PeerAddress(host: "127.0.0.1", port: 40_000 + Int(fd - Self.fakeDescriptorBase) % 20_000),
         PeerAddress(host: "testserver", port: 80))
    }

    /// Ends every connection from the client's side (a graceful close), so a server that
    /// lingers after its close, waiting for the client's end of stream, finishes at once.
    package func closeAllClients() {
        let descriptors = state.withLock { Array($0.pipes.keys) }
        for fd in descriptors { clientClose(fd) }
    }

    /// Whether the server has closed its descriptor for `fd`.
    package func isClosedByServer(_ fd: Int32) -> Bool {
        state.withLock { $0.pipes[fd]?.serverClosed ?? true }
    }

    /// A pipe is forgotten once both sides are done with it.
    func removeIfDone(_ fd: Int32, _ state: inout State) {
        guard let pipe = state.pipes[fd], pipe.serverClosed, pipe.clientClosed else { return }
        state.pipes[fd] = nil
    }

    // MARK: Loop wake-ups

    /// Interrupts the loop's wait; thread-safe.
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakePipe.1, &byte, 1)  // EAGAIN: a wake-up is pending already
    }

    /// Waits up to `timeoutNanoseconds` (nil: forever) for a wake-up, then drains them.
    func waitForWake(timeoutNanoseconds: Int64?) {
        if timeoutNanoseconds != 0 {
            var descriptor = pollfd(fd: wakePipe.0, events: Int16(POLLIN), revents: 0)
            let milliseconds = timeoutNanoseconds.map { Int32(clamping: ($0 + 999_999) / 1_000_000) } ?? -1
            _ = Glibc_poll(&descriptor, 1, milliseconds)
        }
        var sink = [UInt8](repeating: 0, count: 64)
        while sink.withUnsafeMutableBytes({ read(wakePipe.0, $0.baseAddress, $0.count) }) > 0 {}
    }
}

/// A connection's gather list while its send is pending. Invariant behind `@unchecked
/// Sendable`: only the loop thread that submitted it dereferences it (in `poll`), and the
/// connection keeps it and the bytes it points to alive until the send's completion.
struct GatherList: @unchecked Sendable {
    let message: UnsafeMutablePointer<msghdr>
}

/// The client reset the in-memory connection (or the server did, as the client sees it).
package struct InMemoryConnectionReset: Error, Sendable, CustomStringConvertible {
    package var description: String { "the connection was reset" }
}

#if canImport(Glibc)
private func Glibc_poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: Int32) -> Int32 { poll(fds, count, timeout) }
#else
private func Glibc_poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: UInt32, _ timeout: Int32) -> Int32 { poll(fds, count, timeout) }
#endif
