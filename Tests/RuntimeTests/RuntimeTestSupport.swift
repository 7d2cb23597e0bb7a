#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import RingwayRuntime
import Synchronization
import Testing

// Helpers shared by the runtime tests: loopback sockets, joinable threads, bounded waits.
// Every wait is bounded (default 5 s) and reports whether the condition became true; the
// caller asserts on that, so a broken implementation fails instead of hanging.

/// Namespace for the runtime tests' helpers (the test module is shared with other files).
enum RuntimeTestIO {
    /// The default bound for waiting on a condition.
    // A hang detector, not a timing check: generous so a loaded 2-core CI machine never trips it.
    static let waitBoundNanoseconds: UInt64 = 30_000_000_000

    /// Monotonic nanoseconds.
    static func nowNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Sleeps the calling thread (a pause between polls, never a timing assertion).
    static func sleepMilliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Polls `condition` every millisecond until it holds or `bound` passes; returns its last value.
    @discardableResult
    static func waitUntil(boundNanoseconds bound: UInt64 = waitBoundNanoseconds, _ condition: () -> Bool) -> Bool {
        let deadline = nowNanoseconds() + bound
        while true {
            if condition() { return true }
            if nowNanoseconds() >= deadline { return condition() }
            sleepMilliseconds(1)
        }
    }

    /// Async variant of `waitUntil`.
    static func waitUntilAsync(
        boundNanoseconds bound: UInt64 = waitBoundNanoseconds, _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = nowNanoseconds() + bound
        while true {
            if try await condition() { return true }
            if nowNanoseconds() >= deadline { return try await condition() }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Thrown by `within` when the operation did not finish within the bound.
    struct BoundExceeded: Error, CustomStringConvertible {
        let what: String
        var description: String { "\(what) did not finish within the bound" }
    }

    /// Runs `operation` in its own task and waits, bounded, for it to finish; returns its
    /// value or rethrows its error. When it does not finish, records an issue and throws
    /// `BoundExceeded` (the task is left behind), so code under test that never resumes an
    /// await fails the test instead of hanging the run.
    static func within<Value: Sendable>(
        _ what: String, boundNanoseconds bound: UInt64 = waitBoundNanoseconds,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let outcome = Mutex<Result<Value, any Error>?>(nil)
        Task {
            do {
                let value = try await operation()
                outcome.withLock { $0 = .success(value) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        _ = await waitUntilAsync(boundNanoseconds: bound) { outcome.withLock { $0 != nil } }
        guard let result = outcome.withLock({ $0 }) else {
            let error = BoundExceeded(what: what)
            Issue.record(error, sourceLocation: sourceLocation)
            throw error
        }
        return try result.get()
    }
}

#if os(Linux)
/// The suites that poll a backend synchronously on the test's own thread (as io_uring's
/// SINGLE_ISSUER requires), which blocks a cooperative thread while they poll. Serialized,
/// so at most one such test holds a thread and async tests elsewhere never starve.
@Suite(.serialized) enum BackendDrivingTests {}

extension RuntimeTestIO {
    // MARK: Loopback sockets (127.0.0.1, ephemeral ports)

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A non-blocking listening socket on 127.0.0.1 with an ephemeral port.
    static func listenLoopback() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0, "socket: errno \(errno)")
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 { Glibc.close(fd) }
        try #require(bound == 0, "bind: errno \(errno)")
        let listening = Glibc.listen(fd, 16)
        if listening != 0 { Glibc.close(fd) }
        try #require(listening == 0, "listen: errno \(errno)")
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if named != 0 { Glibc.close(fd) }
        try #require(named == 0, "getsockname: errno \(errno)")
        return (fd, UInt16(bigEndian: local.sin_port))
    }

    /// A blocking client socket connected to 127.0.0.1:`port`, with 10 s send and receive
    /// timeouts so no blocking call of a test can hang.
    static func connectLoopback(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0, "socket: errno \(errno)")
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 { Glibc.close(fd) }
        try #require(result == 0, "connect: errno \(errno)")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Writes all of `bytes` to blocking `fd`; returns whether it succeeded.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Reads from blocking `fd` until `count` bytes arrived, EOF, an error or the receive
    /// timeout; returns what arrived.
    static func read(_ fd: Int32, count: Int) -> [UInt8] {
        var received: [UInt8] = []
        received.reserveCapacity(count)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while received.count < count {
            let wanted = min(chunk.count, count - received.count)
            let got = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, wanted, 0) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            received.append(contentsOf: chunk[0..<got])
        }
        return received
    }

    // MARK: Data

    /// A deterministic byte pattern with no short period, so reordering or loss shows.
    static func pattern(count: Int, from start: Int = 0, seed: Int = 0) -> [UInt8] {
        (start..<(start + count)).map { index in
            UInt8(truncatingIfNeeded: ((index &* 131) ^ (index >> 8) ^ (index >> 16)) &+ seed)
        }
    }
}

extension RuntimeTestIO {
    /// A `CompletionSink` that records every completion in order. Loop-thread only, like
    /// every sink: the tests call `poll` on the thread that created the backend.
    final class RecordingSink: CompletionSink {
        enum Event: Equatable, CustomStringConvertible {
            case acceptCompleted(token: IOToken, result: Int32)
            case acceptEnded(token: IOToken, error: Int32)
            case receiveCompleted(token: IOToken, count: Int)
            case receiveEnded(token: IOToken, error: Int32)
            case sendCompleted(token: IOToken, result: Int)

            var description: String {
                switch self {
                case .acceptCompleted(let token, let result): "acceptCompleted(\(token), \(result))"
                case .acceptEnded(let token, let error): "acceptEnded(\(token), \(error))"
                case .receiveCompleted(let token, let count): "receiveCompleted(\(token), \(count) bytes)"
                case .receiveEnded(let token, let error): "receiveEnded(\(token), \(error))"
                case .sendCompleted(let token, let result): "sendCompleted(\(token), \(result))"
                }
            }
        }

        private(set) var events: [Event] = []
        private var bytes: [IOToken: [UInt8]] = [:]
        /// Called at the end of `receiveCompleted`, while the bytes are valid.
        var onReceive: ((IOToken, UnsafeRawBufferPointer) -> Void)?

        func acceptCompleted(token: IOToken, result: Int32) { events.append(.acceptCompleted(token: token, result: result)) }
        func acceptEnded(token: IOToken, error: Int32) { events.append(.acceptEnded(token: token, error: error)) }
        func receiveCompleted(token: IOToken, bytes: UnsafeRawBufferPointer) {
            events.append(.receiveCompleted(token: token, count: bytes.count))
            self.bytes[token, default: []].append(contentsOf: bytes)
            onReceive?(token, bytes)
        }
        func receiveEnded(token: IOToken, error: Int32) { events.append(.receiveEnded(token: token, error: error)) }
        func sendCompleted(token: IOToken, result: Int) { events.append(.sendCompleted(token: token, result: result)) }

        /// Results of `acceptCompleted` for `token`, in order.
        func accepted(_ token: IOToken) -> [Int32] {
            events.compactMap { if case .acceptCompleted(token, let result) = $0 { result } else { nil } }
        }
        /// Errors of `acceptEnded` for `token`.
        func acceptEnds(_ token: IOToken) -> [Int32] {
            events.compactMap { if case .acceptEnded(token, let error) = $0 { error } else { nil } }
        }
        /// Sizes of the `receiveCompleted` calls for `token`.
        func receiveSizes(_ token: IOToken) -> [Int] {
            events.compactMap { if case .receiveCompleted(token, let count) = $0 { count } else { nil } }
        }
        /// Errors of `receiveEnded` for `token`.
        func receiveEnds(_ token: IOToken) -> [Int32] {
            events.compactMap { if case .receiveEnded(token, let error) = $0 { error } else { nil } }
        }
        /// Results of `sendCompleted` for `token`.
        func sends(_ token: IOToken) -> [Int] {
            events.compactMap { if case .sendCompleted(token, let result) = $0 { result } else { nil } }
        }
        /// Every byte received for `token`, concatenated across completions.
        func received(_ token: IOToken) -> [UInt8] { bytes[token] ?? [] }
    }

    /// One backend driven on the calling thread, a loopback listener and the connections the
    /// test opened. Create it, use it and `close()` it on the same thread (io_uring is
    /// SINGLE_ISSUER).
    final class BackendHarness {
        let backend: any IOBackend
        let sink = RecordingSink()
        let listenerFD: Int32
        let port: UInt16
        /// The token `openConnection` accepts with.
        let acceptToken: IOToken = 1
        private var accepting = false
        private var serverFDs: [Int32] = []
        private var clientFDs: [Int32] = []
        private var closed = false
        private let watchdog: PollWatchdog

        /// Creates `kind` (io_uring, epoll or dispatch). A backend this machine cannot run cancels
        /// the test with the reason instead of passing it.
        convenience init(_ kind: BackendKind) throws {
            try self.init(kind) { () throws(BackendError) -> any IOBackend in
                switch kind {
                case .ioUring: try IOURingBackend()
                case .epoll: try EpollBackend()
                case .dispatch: try DispatchBackend()
                case .auto:
                    throw BackendError(backend: kind, operation: "test", detail: "auto is a selection, not a backend")
                }
            }
        }

        init(_ kind: BackendKind, make: () throws(BackendError) -> any IOBackend) throws {
            let backend = try Self.makeOrCancel(kind, make)
            self.backend = backend
            do {
                (listenerFD, port) = try RuntimeTestIO.listenLoopback()
            } catch {
                backend.shutdown()
                throw error
            }
            watchdog = PollWatchdog(waker: backend.makeWaker())
        }

        /// The backend `make` returns; when it throws, cancels the test with the reason.
        private static func makeOrCancel(_ kind: BackendKind, _ make: () throws(BackendError) -> any IOBackend) throws -> any IOBackend {
            let result = Result<any IOBackend, BackendError>(catching: make)
            if case .failure(let error) = result {
                try Test.cancel("the \(kind) backend cannot run here: \(error)")
            }
            return try result.get()
        }

        /// One poll; backend errors fail the test by propagating. A poll with a timeout that
        /// overruns it by 5 s is woken by the watchdog and fails the test instead of hanging it.
        func poll(timeoutNanoseconds: Int64?) throws {
            if let timeoutNanoseconds {
                watchdog.arm(deadline: RuntimeTestIO.nowNanoseconds() + UInt64(timeoutNanoseconds) + RuntimeTestIO.waitBoundNanoseconds)
            }
            defer {
                if timeoutNanoseconds != nil {
                    #expect(!watchdog.disarm(), "poll(timeoutNanoseconds: \(timeoutNanoseconds!)) overran its timeout")
                }
            }
            try backend.poll(timeoutNanoseconds: timeoutNanoseconds, sink: sink)
        }

        /// Polls (10 ms at a time) until `condition` holds or the bound passes.
        func pollUntil(boundNanoseconds: UInt64 = RuntimeTestIO.waitBoundNanoseconds, _ condition: (RecordingSink) -> Bool) throws -> Bool {
            let deadline = RuntimeTestIO.nowNanoseconds() + boundNanoseconds
            while !condition(sink) {
                if RuntimeTestIO.nowNanoseconds() >= deadline { return false }
                try poll(timeoutNanoseconds: 10_000_000)
            }
            return true
        }

        /// Polls a few short rounds, for checks that something does *not* happen.
        func pollQuietly(rounds: Int = 5) throws {
            for _ in 0..<rounds { try poll(timeoutNanoseconds: 10_000_000) }
        }

        /// Starts accepting on the listener with `acceptToken`.
        func startAccepting() {
            guard !accepting else { return }
            accepting = true
            backend.startAccepting(fd: listenerFD, token: acceptToken)
        }

        /// A connected blocking client socket (tracked for `close()`).
        func connectClient() throws -> Int32 {
            let client = try RuntimeTestIO.connectLoopback(port: port)
            clientFDs.append(client)
            return client
        }

        /// Connects a client and waits for the backend to accept it.
        func openConnection() throws -> (server: Int32, client: Int32) {
            startAccepting()
            let before = sink.accepted(acceptToken).count
            let client = try connectClient()
            let accepted = try pollUntil { $0.accepted(acceptToken).count > before }
            try #require(accepted, "no acceptCompleted within the bound")
            let server = sink.accepted(acceptToken)[before]
            try #require(server >= 0, "accept failed: errno \(-server)")
            serverFDs.append(server)
            return (server, client)
        }

        /// Closes a client socket early (it is then not closed again).
        func closeClient(_ fd: Int32) {
            clientFDs.removeAll { $0 == fd }
            Glibc.close(fd)
        }

        /// Closes every socket and shuts the backend down.
        func close() {
            guard !closed else { return }
            closed = true
            watchdog.stop()
            sink.onReceive = nil  // breaks any cycle a test's callback made
            for fd in clientFDs { Glibc.close(fd) }
            for fd in serverFDs { backend.close(fd: fd) }
            Glibc.close(listenerFD)
            backend.shutdown()
        }
    }

    /// Wakes a backend whose poll overran its deadline (checked every millisecond).
    final class PollWatchdog: Sendable {
        private struct State {
            var deadline: UInt64?
            var overran = false
            var stopped = false
        }

        private final class Shared: Sendable {
            let state = Mutex(State())
        }

        private let shared = Shared()
        private let thread: RuntimeTestThread<Bool>

        init(waker: any LoopWaker) {
            let shared = self.shared
            thread = RuntimeTestThread { () -> Bool in
                while true {
                    let (stopped, expired) = shared.state.withLock { state -> (Bool, Bool) in
                        guard let deadline = state.deadline, RuntimeTestIO.nowNanoseconds() >= deadline else {
                            return (state.stopped, false)
                        }
                        state.deadline = nil
                        state.overran = true
                        return (state.stopped, true)
                    }
                    if stopped { return true }
                    if expired { waker.wake() }
                    RuntimeTestIO.sleepMilliseconds(1)
                }
            }
        }

        /// Watches the poll that is about to start.
        func arm(deadline: UInt64) {
            shared.state.withLock {
                $0.deadline = deadline
                $0.overran = false
            }
        }

        /// Ends the watch; returns whether the poll overran (and was woken).
        func disarm() -> Bool {
            shared.state.withLock { state in
                state.deadline = nil
                return state.overran
            }
        }

        /// Ends the watchdog thread. Call before the backend shuts down.
        func stop() {
            shared.state.withLock { $0.stopped = true }
            _ = thread.join()
        }
    }

    /// A flag shared between threads.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }
}

/// A pthread running one closure, whose result `join()` returns.
final class RuntimeTestThread<Result: Sendable>: Sendable {
    private let thread: pthread_t
    private let result: RuntimeTestThreadResult<Result>

    init(_ body: @escaping @Sendable () -> Result) {
        let result = RuntimeTestThreadResult<Result>()
        self.result = result
        thread = spawnRuntimeTestThread { result.store(body()) }
    }

    /// Whether the body has returned.
    var isFinished: Bool { result.load() != nil }

    /// Waits for the body and returns its result.
    func join() -> Result {
        pthread_join(thread, nil)
        return result.load()!
    }
}

final class RuntimeTestThreadResult<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func store(_ newValue: Value) { value.withLock { $0 = newValue } }
    func load() -> Value? { value.withLock { $0 } }
}

/// Starts a joinable pthread running `body`.
private func spawnRuntimeTestThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Start: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Start(body)).toOpaque()
    let status = pthread_create(&thread, nil, { context in
        // Balances passRetained above.
        Unmanaged<Start>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    precondition(status == 0, "pthread_create failed: \(status)")
    return thread
}
#endif
