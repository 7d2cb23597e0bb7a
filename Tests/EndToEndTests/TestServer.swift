import Logging
import Ringway
import RingwayRuntime
import RingwayTestSupport
import Synchronization
import Testing

/// The backends every end-to-end test runs on.
enum Backends {
    static let all = BackendKind.concrete
}

/// Logs of the servers under test: warnings and worse only, to stderr.
let testLogger: Logger = {
    var logger = Logger(label: "ringway-test")
    logger.logLevel = .warning
    return logger
}()

/// Runs `body` against a live server on an ephemeral loopback port, then shuts the server
/// down gracefully and checks that `run()` returned. Skips (cancels) the test case with
/// the reason when `backend` cannot run on this machine.
func withServer<T: Sendable>(
    _ app: some Application,
    backend: BackendKind,
    loops: Int = 2,
    maxConnections: Int = ServerConfiguration().maxConnections,
    http: HTTPServerConfiguration = HTTPServerConfiguration(),
    websocket: WebSocketConfiguration = WebSocketConfiguration(),
    shutdownTimeout: Duration = .seconds(10),
    _ body: (Server, Int) async throws -> T
) async throws -> T {
    let configuration = ServerConfiguration(
        host: "127.0.0.1", port: 0, backend: backend, loops: loops, shutdownTimeout: shutdownTimeout,
        maxConnections: maxConnections)
    return try await serving(app, configuration: configuration, http: http, websocket: websocket) { running in
        #expect(running.server.backend == backend)
        return try await body(running.server, running.port)
    }
}

/// A server that `serving` started, for tests that drive its shutdown themselves.
struct RunningServer: Sendable {
    let server: Server
    let port: Int
    private let run: Task<Void, any Error>

    fileprivate init(server: Server, port: Int, run: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.run = run
    }

    /// Waits for `run()` to return (after `server.shutdown()`), rethrowing its error.
    func finished() async throws { try await run.value }
}

/// Starts `app` on `configuration` (its backend probed first: one this machine cannot run
/// cancels the test with the reason), runs `body`, then shuts the server down and waits for
/// `run()` to return — also when `body` throws — so no test leaves loops behind. At most
/// 8 servers run at once across the suite (`ServerSlots`).
func serving<T: Sendable>(
    _ app: some Application,
    configuration: ServerConfiguration,
    http: HTTPServerConfiguration = HTTPServerConfiguration(),
    websocket: WebSocketConfiguration = WebSocketConfiguration(),
    _ body: (RunningServer) async throws -> T
) async throws -> T {
    EventLoop.failExitIfThreadsRemain()
    if let reason = BackendSelection.probe(configuration.backend, environment: [:]) {
        try Test.cancel("\(configuration.backend) cannot run here: \(reason)")
    }
    await ServerSlots.shared.acquire()
    defer { ServerSlots.shared.release() }
    let server = Server(app: app, configuration: configuration, http: http, websocket: websocket,
                        logger: testLogger)
    let run = Task { try await server.run() }
    do {
        let port = try await server.waitUntilListening().port
        let result = try await body(RunningServer(server: server, port: port, run: run))
        server.shutdown()
        try await run.value
        return result
    } catch {
        server.shutdown()
        _ = try? await run.value
        throw error
    }
}

/// Bounds how many test servers run at once. Swift Testing starts every test case at once;
/// hundreds of live servers on two cores make every deadline in the suite a race (and the
/// blocking `LiveClient` calls a thread each), so servers wait here for a slot instead.
final class ServerSlots: Sendable {
    static let shared = ServerSlots(limit: 8)

    private let limit: Int
    private let state = Mutex<(inUse: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                guard state.inUse < limit else {
                    state.waiters.append(continuation)
                    return false
                }
                state.inUse += 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        // A waiter takes the slot over (inUse unchanged); otherwise the slot is freed.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.inUse -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// A one-shot signal between an application and a test.
final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var isFired: Bool { state.withLock { $0.fired } }

    /// Waits for `fire()`; returns false if it did not come within `timeout`.
    @discardableResult
    func wait(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isFired { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return isFired
    }
}

/// A thread-safe box for values recorded by applications under test.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    func removeAll() { values.withLock { $0.removeAll() } }

    /// Waits until at least `count` values are recorded (bounded by `timeout`).
    func waitForCount(_ count: Int, timeout: Duration = .seconds(10)) async -> [Value] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, all.count < count {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return all
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
