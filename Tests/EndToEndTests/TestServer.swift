import Logging
import Ringway
import RingwayTestSupport
import Synchronization
import Testing

/// The backends every end-to-end test runs on.
enum Backends {
    static let all: [BackendKind] = [.ioUring, .epoll, .dispatch]
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
    http: HTTPServerConfiguration = HTTPServerConfiguration(),
    websocket: WebSocketConfiguration = WebSocketConfiguration(),
    shutdownTimeout: Duration = .seconds(10),
    _ body: (Server, Int) async throws -> T
) async throws -> T {
    if let reason = BackendSelection.probe(backend, environment: [:]) {
        try Test.cancel("\(backend) cannot run here: \(reason)")
    }
    let server = Server(
        app: app,
        configuration: ServerConfiguration(host: "127.0.0.1", port: 0, backend: backend, loops: loops, shutdownTimeout: shutdownTimeout),
        http: http, websocket: websocket, logger: testLogger, environment: [:])
    let running = Task { try await server.run() }
    let address: PeerAddress
    do {
        address = try await server.waitUntilListening()
    } catch {
        running.cancel()
        throw error
    }
    #expect(server.backend == backend)
    do {
        let result = try await body(server, address.port)
        server.shutdown()
        try await running.value
        return result
    } catch {
        server.shutdown()
        _ = try? await running.value
        throw error
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
