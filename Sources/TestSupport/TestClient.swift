public import Logging
public import Ringway
import Synchronization

/// Runs an application in memory — no socket, but the real server: the same lifespan,
/// event loop, HTTP/1.1 and WebSocket machinery as `Server`, on a backend whose sockets are
/// in-memory pipes. So what passes here passes live, message-order misuse included, and a
/// virtual clock drives every server deadline without sleeping.
///
/// ```swift
/// let response = try await TestClient(app: hello).get("/")
/// #expect(response.status == 200 && response.text == "Hello World")
///
/// try await TestClient(app: app).withSession { session in   // lifespan startup … shutdown
///     let socket = try await session.websocket("/ws")
///     try await socket.send(text: "hi")
///     #expect(try await socket.receiveText() == "hi")
/// }
/// ```
///
/// One-off calls (`get`, `request`, …) run without lifespan, like Starlette's test client
/// outside `with`; `withSession` runs lifespan startup before and shutdown after.
public struct TestClient: Sendable {
    private let app: any Application
    private let http: HTTPServerConfiguration
    private let websocket: WebSocketConfiguration?
    private let server: ServerConfiguration
    private let state: ScopeState
    private let raiseServerErrors: Bool
    private let logger: Logger

    /// - Parameters:
    ///   - http, websocket, server: the server's configuration (limits, timeouts, upgrades).
    ///   - state: values copied into every request scope's `state`, beside what lifespan startup stored.
    ///   - raiseServerErrors: rethrow an error the application threw (after the server answered
    ///     it, e.g. with a 500) from the request that caused it, as Starlette's client does;
    ///     an `HTTPResponseError` thrown before the response started is an answer, not rethrown.
    ///   - logger: the server's logger (errors only, by default).
    public init(app: some Application, http: HTTPServerConfiguration = HTTPServerConfiguration(),
                websocket: WebSocketConfiguration? = WebSocketConfiguration(), server: ServerConfiguration = ServerConfiguration(),
                state: ScopeState = [:], raiseServerErrors: Bool = true, logger: Logger? = nil) {
        self.app = app
        self.http = http
        self.websocket = websocket
        self.server = server
        self.state = state
        self.raiseServerErrors = raiseServerErrors
        self.logger = logger ?? {
            var logger = Logger(label: "ringway.test-client")
            logger.logLevel = .critical
            return logger
        }()
    }

    /// Serves the application in memory for the duration of `body`: lifespan startup first
    /// (a failure throws `LifespanError`), then `body`, then a graceful shutdown and lifespan shutdown.
    public func withSession<Result: Sendable>(lifespan: Bool = true, _ body: (TestSession) async throws -> Result) async throws -> Result {
        let network = InMemoryNetwork()
        let clock = VirtualClock()
        let recorder = ServerErrorRecorder()
        let wrapped = TestApplication(app: app, state: state, recorder: raiseServerErrors ? recorder : nil)
        var configuration = server
        configuration.loops = 1
        let server = Server(app: wrapped, configuration: configuration, http: http, websocket: websocket, logger: logger,
                            inMemory: network, clock: clock, lifespan: lifespan)
        let running = Task { try await server.run() }
        do {
            _ = try await server.waitUntilListening()
        } catch {
            _ = await running.result
            throw error
        }
        let session = TestSession(memory: network, clock: clock, loops: server.loops, recorder: raiseServerErrors ? recorder : nil)
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(session))
        } catch {
            result = .failure(error)
        }
        // The client side ends first: a server connection lingering after its own close
        // (waiting for the client's end of stream on the virtual clock) then finishes at once.
        network.closeAllClients()
        server.shutdown()
        _ = await running.result
        return try result.get()
    }

    /// Sends `request` on a new connection and reads its response.
    public func request(_ request: TestRequest) async throws -> TestResponse {
        try await withSession(lifespan: false) { try await $0.request(request) }
    }

    /// `GET path`.
    public func get(_ path: String, query: [(String, String)] = [], headers: Headers = Headers()) async throws -> TestResponse {
        try await request(.get(path, query: query, headers: headers))
    }

    /// `POST path` with a body.
    public func post(_ path: String, body: [UInt8], headers: Headers = Headers()) async throws -> TestResponse {
        try await request(.post(path, body: body, headers: headers))
    }

    /// `POST path` with a UTF-8 body.
    public func post(_ path: String, text: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request(.post(path, text: text, headers: headers))
    }

    /// Any request; the body goes out in `bodyChunks` writes. `path` may carry a query string.
    public func request(_ method: String, _ path: String, headers: Headers = Headers(), bodyChunks: [[UInt8]] = []) async throws -> TestResponse {
        var request = TestRequest(method, path, headers: headers)
        request.chunks = bodyChunks.filter { !$0.isEmpty }
        return try await self.request(request)
    }
}

/// Where the test clients report a problem of the exchange itself.
public enum TestClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server closed the connection before the response (or message) was complete.
    case connectionClosed
    /// The connection was reset.
    case connectionReset
    /// Nothing arrived from the server within the read timeout.
    case timedOut(Duration)
    /// The WebSocket handshake was refused with this response status.
    case websocketRefused(status: Int)
    /// A WebSocket message of the other kind arrived (e.g. binary where text was expected).
    case unexpectedWebSocketMessage(String)
    /// The WebSocket closed (code, reason) while a message was expected.
    case websocketClosed(code: Int, reason: String)
    /// The virtual clock exists only for in-memory sessions.
    case noVirtualClock

    public var description: String {
        switch self {
        case .connectionClosed: "the server closed the connection before the response was complete"
        case .connectionReset: "the connection was reset"
        case .timedOut(let timeout): "nothing arrived from the server within \(timeout)"
        case .websocketRefused(let status): "the WebSocket handshake was refused with \(status)"
        case .unexpectedWebSocketMessage(let detail): "unexpected WebSocket message: \(detail)"
        case .websocketClosed(let code, let reason): "the WebSocket closed with \(code)\(reason.isEmpty ? "" : " (\(reason))")"
        case .noVirtualClock: "only an in-memory TestClient session has a virtual clock"
        }
    }
}

/// Errors the application threw, kept so the test client can rethrow them.
final class ServerErrorRecorder: Sendable {
    private let errors = Mutex<[any Error]>([])

    func record(_ error: any Error) { errors.withLock { $0.append(error) } }

    func takeFirst() -> (any Error)? {
        errors.withLock { errors in errors.isEmpty ? nil : errors.removeFirst() }
    }
}

/// The application as the test server runs it: the client's extra scope state added, and
/// what it throws recorded (then rethrown to the server, which answers as it would live).
private struct TestApplication: Application {
    let app: any Application
    let state: ScopeState
    let recorder: ServerErrorRecorder?

    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        var scope = scope
        if !state.isEmpty {
            switch scope {
            case .http(var http):
                http.state.merge(state) { current, _ in current }
                scope = .http(http)
            case .websocket(var socket):
                socket.state.merge(state) { current, _ in current }
                scope = .websocket(socket)
            case .lifespan:
                break
            }
        }
        guard let recorder else { return try await app(scope, receive, send) }
        // Whether the application answered anything itself: an `HTTPResponseError` thrown
        // before that is an answer (the server sends it, as live), not an error to rethrow.
        let answered = Atomic(false)
        let watched = Send { message in
            try await send(message)
            switch message {
            // Once sent: a start alone is held by the server until the first body (dropped when the
            // app throws), and a refused message (a missing file for pathsend) sent nothing.
            case .httpResponseBody, .httpResponsePathsend, .httpResponseZerocopysend, .httpResponseDetach,
                 .websocketAccept, .websocketClose:
                answered.store(true, ordering: .relaxed)
            default:
                break
            }
        }
        do {
            try await app(scope, receive, watched)
        } catch is ClientDisconnected {
            throw ClientDisconnected()
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as any HTTPResponseError where !answered.load(ordering: .relaxed) && (400...599).contains(error.status) {
            throw error
        } catch {
            recorder.record(error)
            throw error
        }
    }
}
