public import Ringway
public import RingwayToolkit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The demo application `ringway serve` runs: the benchmark routes, the ASGI guide's
/// examples (`GuideExamples`), the chat and the Server-Sent Events, on the toolkit's `Router`.
///
/// - `GET /plaintext` → `Hello, World!` (`text/plain`); `GET /json` → `{"message":"Hello, World!"}`;
///   `POST /echo` → the request body back, with its content-type
/// - `GET /` → an HTML index
/// - `GET /debug/scope`, `GET /home`, `GET /api`, `POST /api/echo`, `POST /form`, `GET /users/{id}`,
///   `ws://…/ws` → the guide's examples (see `GuideExamples`)
/// - `ws://…/ws/echo` → a WebSocket echoing text and binary messages (what Autobahn drives)
/// - `GET /chat` → the chat page; `ws://…/chat/{room}` → the chat (see `ChatApp`)
/// - `GET /static/{name}` → the regular file `name` of `staticDirectory`, when one is set,
///   sent with `http.response.pathsend` (`application/octet-stream`)
/// - `GET /sse`, `GET /sse/page`, `GET`/`POST /sse/topics/{topic}` → Server-Sent Events (see `SSEDemo`)
///
/// Unknown paths are `404 Not Found`, a known path with another method `405` with `allow`,
/// an unknown WebSocket path is refused (403). In front of every route: the client address
/// from trusted proxies' `x-forwarded-*`, a request id (`x-request-id`), the access log when
/// one is configured, and CORS for any origin on `/api` and below; the `HTTPError`s a route
/// throws are answered inside that stack (`ErrorAnswerMiddleware`), so they get all of it.
public struct DemoApp: Application {
    private let events: SSEDemo
    /// The directory `/static/{name}` serves files from; nil: no such route.
    public let staticDirectory: String?
    /// The hub behind the SSE routes.
    public var sse: ServerSentEvents { events.sse }
    /// The routes, without the middleware (for their body limits).
    private let router: RouterApplication
    /// The routes under the middleware, built once.
    private let stack: any Application

    /// The demo's SSE settings: heartbeats every `heartbeat` (nil: none), and on shutdown a
    /// `retry: 500` hint so pages come back quickly to a restarted server.
    public static func sseConfiguration(heartbeat: Duration? = .seconds(15)) -> SSEConfiguration {
        SSEConfiguration(heartbeat: heartbeat, shutdownRetry: .milliseconds(500), historyCount: 1_000)
    }

    /// - Parameters:
    ///   - staticDirectory: the directory `/static/{name}` serves files from.
    ///   - sse: the SSE routes' settings.
    ///   - clock: the SSE routes' clock (heartbeats, update intervals); a test passes a manual one.
    ///   - accessLog: the access log's line format (`ringway serve --access-log-format`); nil: no access log.
    ///   - forwardedAllowIPs: the proxies whose `x-forwarded-for`/`-proto` are believed.
    public init(staticDirectory: String? = nil, sse: SSEConfiguration = DemoApp.sseConfiguration(),
                clock: some Clock<Duration> = ContinuousClock(), accessLog: AccessLogFormat? = nil,
                forwardedAllowIPs: TrustedProxies = .loopback) {
        self.staticDirectory = staticDirectory
        let events = SSEDemo(sse: ServerSentEvents(configuration: sse, clock: clock))
        self.events = events
        let router = Self.routes(staticDirectory: staticDirectory, events: events)
        self.router = router
        // On stderr the line alone: a console handler would print the metadata beside it.
        let log = accessLog.map { LoggingMiddleware(format: $0, includeMetadata: false) }
        self.stack = router.with(ProxyHeadersMiddleware(trustedProxies: forwardedAllowIPs), RequestIDMiddleware(), log, Self.cors,
                                 ErrorAnswerMiddleware())
    }

    /// Any origin, named in the answer with `vary: Origin` (rather than `*`): a shared cache then
    /// keeps one answer per origin.
    private static let cors = try! CORSMiddleware(allowedOrigins: .matching { _ in true }, allowedMethods: .any, allowedHeaders: .any)
        .on(pathPrefix: "/api")

    /// The demo's routes.
    private static func routes(staticDirectory: String?, events: SSEDemo) -> RouterApplication {
        let router = Router()
        let chat = ChatApp()
        router.get("/") { _, _, send in try await send.bytes(index, contentType: htmlType) }
        router.get("/plaintext") { _, _, send in try await respond(send, 200, plaintextHeaders, plaintext) }
        router.get("/json") { _, _, send in try await respond(send, 200, jsonHeaders, json) }
        router.post("/echo") { scope, receive, send in
            let body = try await Request(scope, receive).body()
            try await send.bytes(body, contentType: scope.headers["content-type"] ?? "application/octet-stream")
        }
        router.get("/debug/scope", GuideExamples.debugScope)
        router.get("/home", GuideExamples.home)
        router.get("/api", GuideExamples.api)
        router.post("/api/echo", GuideExamples.echoJSON)
        router.post("/form", bodyLimit: GuideExamples.formBodyLimit, GuideExamples.form)
        router.get("/users/{id:int}", GuideExamples.user)
        router.websocket("/ws", GuideExamples.websocketEcho)
        router.websocket("/ws/echo") { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            for try await message in socket.messages { try await send(.websocketSend(message)) }
        }
        router.get("/chat") { _, _, send in try await send.bytes(ChatPage.html, contentType: htmlType) }
        // The room is the path's last segment, as the guide's `path.split('/')[-1]`.
        router.websocket("/chat/{path...}") { scope, receive, send in
            guard case .websocket(let socket) = scope, let room = ChatApp.room(rawPath: socket.rawPath) else {
                return try await send(.websocketClose())  // → 403
            }
            guard case .websocketConnect = try await receive() else { return }
            try await chat.serve(room: room, receive, send)
        }
        if let staticDirectory {
            router.get("/static/{name}") { scope, _, send in
                try await serveStatic(staticDirectory, scope.pathParameters["name"] ?? "", send)
            }
        }
        events.register(on: router)
        do {
            return try router.build()
        } catch {
            preconditionFailure("the demo's routes are fixed and valid: \(error)")
        }
    }

    /// The server settings the routes need: `POST /form`'s larger body limit (uploads),
    /// every other route keeping `http`'s limit.
    public func httpConfiguration(_ http: HTTPServerConfiguration = HTTPServerConfiguration()) -> HTTPServerConfiguration {
        var http = http
        let standard = http.limits.maxBodyBytes
        http.limits.maxBodyBytes = max(standard, UInt64(GuideExamples.formBodyLimit))
        let router = self.router
        http.bodyLimit = { method, path, headers in router.bodyLimit(method: method, path: path, headers: headers) ?? standard }
        return http
    }

    static let plaintext = Array("Hello, World!".utf8)
    static let json = Array(#"{"message":"Hello, World!"}"#.utf8)
    static let plaintextHeaders: Headers = [("content-type", "text/plain")]
    static let jsonHeaders: Headers = [("content-type", "application/json")]
    static let htmlType = "text/html; charset=utf-8"
    static let index = Array("""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Ringway</title></head>
        <body>
        <h1>Ringway</h1>
        <p>An ASGI-shaped Swift runtime on io_uring. Routes of this demo:</p>
        <ul>
        <li><a href="/plaintext">GET /plaintext</a> — <code>Hello, World!</code></li>
        <li><a href="/json">GET /json</a> — a JSON message</li>
        <li><code>POST /echo</code> — echoes the request body and its content-type</li>
        <li><code>ws://&lt;host&gt;/ws/echo</code> — a WebSocket that echoes every message</li>
        <li><a href="/chat">GET /chat</a> — a WebSocket chat with rooms</li>
        <li><a href="/sse">GET /sse</a> — Server-Sent Events: an update every second (<code>?interval_ms=N</code>), resumable with <code>Last-Event-ID</code></li>
        <li><a href="/sse/page">GET /sse/page</a> — the EventSource page showing those updates</li>
        <li><code>GET /sse/topics/{topic}</code> subscribes to a topic; <code>POST /sse/topics/{topic}[?event=NAME]</code> publishes the body to it (<code>202 {"id": n, "subscribers": k}</code>)</li>
        </ul>
        <p>The ASGI guide's examples:</p>
        <ul>
        <li><a href="/debug/scope?name=value">GET /debug/scope</a> — <code>debug_scope</code>: the request's scope as JSON</li>
        <li><a href="/home">GET /home</a> and <a href="/api">GET /api</a> — the class-based app (other methods: 405 with <code>allow</code>; unknown paths: 404)</li>
        <li><code>POST /api/echo</code> — <code>parse_json_request</code>: <code>{"received": …, "method": "POST", "path": "/api/echo"}</code>, <code>400 Invalid JSON</code></li>
        <li><code>POST /form</code> — <code>parse_form_request</code>: URL-encoded and multipart forms (files as their name, type and size)</li>
        <li><a href="/users/42">GET /users/{id}</a> — a path parameter: <code>{"id": 42}</code></li>
        <li><code>ws://&lt;host&gt;/ws</code> — <code>websocket_handler</code>: text comes back as <code>Echo: …</code>, bytes unchanged</li>
        <li><a href="/chat">GET /chat</a> — <code>WebSocketChatApp</code>: rooms at <code>ws://&lt;host&gt;/chat/{room}</code></li>
        </ul>
        <p>Every request is logged (method, path, status, duration, bytes, request id, client); <code>/api</code> and below answer CORS for any origin.</p>
        </body>
        </html>

        """.utf8)

    public func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await stack(scope, receive, send)
    }

    /// One file of `directory`: a single path segment naming a regular file (no dot files,
    /// so neither `..` nor hidden files), else 404.
    private static func serveStatic(_ directory: String, _ name: String, _ send: Send) async throws {
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else { throw HTTPError.notFound }
        let path = directory + "/" + name
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw HTTPError.notFound }
        try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/octet-stream")]))
        try await send(.httpResponsePathsend(path: path))
    }

    static func respond(_ send: Send, _ status: Int, _ headers: Headers, _ body: [UInt8]) async throws {
        try await send(.httpResponseStart(status: status, headers: headers))
        try await send(.httpResponseBody(body: body, moreBody: false))
    }
}
