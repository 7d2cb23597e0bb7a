public import Ringway
public import RingwayToolkit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The demo application `ringway serve` runs: the routes of the benchmark suite and a
/// small index page.
///
/// - `GET /plaintext` → `Hello, World!` (`text/plain`)
/// - `GET /json` → `{"message":"Hello, World!"}` (`application/json`)
/// - `POST /echo` → the request body back, with its content-type
/// - `GET /` → an HTML index
/// - `ws://…/ws/echo` → a WebSocket echoing text and binary messages (what Autobahn drives)
/// - `GET /chat` → the chat page; `ws://…/chat/{room}` → the chat (see `ChatApp`)
/// - `GET /static/{name}` → the regular file `name` of `staticDirectory`, when one is set,
///   sent with `http.response.pathsend` (`application/octet-stream`)
/// - `GET /sse`, `GET /sse/page`, `GET`/`POST /sse/topics/{topic}` → Server-Sent Events (see `SSEDemo`)
///
/// In front of every route: the client address from trusted proxies' `x-forwarded-*`, a
/// request id (`x-request-id`), the access log when one is configured, and CORS for any
/// origin on `/api` and below.
public struct DemoApp: Application {
    private let chat = ChatApp()
    private let events: SSEDemo
    /// The directory `/static/{name}` serves files from; nil: no such route.
    public let staticDirectory: String?
    /// The hub behind the SSE routes.
    public var sse: ServerSentEvents { events.sse }

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
        self.events = SSEDemo(sse: ServerSentEvents(configuration: sse, clock: clock))
        self.proxyHeaders = ProxyHeadersMiddleware(trustedProxies: forwardedAllowIPs)
        // On stderr the line alone: a console handler would print the metadata beside it.
        self.accessLog = accessLog.map { LoggingMiddleware(format: $0, includeMetadata: false) }
    }

    private let proxyHeaders: ProxyHeadersMiddleware
    private let requestID = RequestIDMiddleware()
    private let accessLog: LoggingMiddleware?
    private static let cors = try! CORSMiddleware(allowedOrigins: .any, allowedMethods: .any, allowedHeaders: .any).on(pathPrefix: "/api")

    /// The routes below, as the application the middleware wraps.
    private struct Routes: Application {
        let demo: DemoApp
        func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
            try await demo.route(scope, receive, send)
        }
    }

    static let plaintext = Array("Hello, World!".utf8)
    static let json = Array(#"{"message":"Hello, World!"}"#.utf8)
    static let plaintextHeaders: Headers = [("content-type", "text/plain")]
    static let jsonHeaders: Headers = [("content-type", "application/json")]
    static let htmlHeaders: Headers = [("content-type", "text/html; charset=utf-8")]
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
        </body>
        </html>

        """.utf8)

    public func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        // The stack is nested structs of the values made in `init`: nothing is allocated for it here.
        try await Routes(demo: self).with(proxyHeaders, requestID, accessLog, Self.cors)(scope, receive, send)
    }

    private func route(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        if case .websocket(let socket) = scope {
            try await serveWebSocket(socket, receive, send)
            return
        }
        guard case .http(let request) = scope else { return }  // no lifespan needs
        switch (request.method, request.path) {
        case ("GET", "/plaintext"), ("HEAD", "/plaintext"):
            try await Self.respond(send, 200, Self.plaintextHeaders, Self.plaintext)
        case ("GET", "/json"), ("HEAD", "/json"):
            try await Self.respond(send, 200, Self.jsonHeaders, Self.json)
        case ("GET", "/"), ("HEAD", "/"):
            try await Self.respond(send, 200, Self.htmlHeaders, Self.index)
        case ("GET", "/chat"), ("HEAD", "/chat"):
            try await Self.respond(send, 200, Self.htmlHeaders, ChatPage.html)
        case ("POST", "/echo"):
            guard let body = try await DemoRequest.body(receive) else { return }  // client left
            var headers = Headers()
            headers.append(name: "content-type".utf8, value: request.headers.first("content-type") ?? ArraySlice("application/octet-stream".utf8))
            try await Self.respond(send, 200, headers, body)
        case (_, "/sse"), (_, "/sse/page"):
            try await events.serve(request, scope, receive, send)
        case (_, let path) where path.hasPrefix(SSEDemo.topicsPrefix):
            try await events.serve(request, scope, receive, send)
        case ("GET", let path) where path.hasPrefix(Self.staticPrefix), ("HEAD", let path) where path.hasPrefix(Self.staticPrefix):
            try await serveStatic(String(path.dropFirst(Self.staticPrefix.count)), send)
        case (_, "/plaintext"), (_, "/json"), (_, "/"), (_, "/echo"):
            let allowed = request.path == "/echo" ? "POST" : "GET, HEAD"
            try await Self.respond(send, 405, [("content-type", "text/plain"), ("allow", allowed)], Array("Method Not Allowed\n".utf8))
        default:
            try await Self.respond(send, 404, Self.plaintextHeaders, Array("Not Found\n".utf8))
        }
    }

    private func serveWebSocket(_ socket: WebSocketScope, _ receive: Receive, _ send: Send) async throws {
        guard case .websocketConnect = try await receive() else { return }
        if socket.path.hasPrefix("/chat/"), let room = ChatApp.room(rawPath: socket.rawPath) {
            try await chat.serve(room: room, receive, send)
            return
        }
        guard let echo = WebSocket(.websocket(socket), receive, send) else { return }
        guard socket.path == "/ws/echo" else {
            try await send(.websocketClose())  // → 403
            return
        }
        try await send(.websocketAccept())
        for try await message in echo.messages {
            try await send(.websocketSend(message))
        }
    }

    static let staticPrefix = "/static/"

    /// One file of `staticDirectory`: a single path segment naming a regular file (no
    /// dot files, so neither `..` nor hidden files), else 404.
    private func serveStatic(_ name: String, _ send: Send) async throws {
        guard let staticDirectory, !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else {
            try await Self.respond(send, 404, Self.plaintextHeaders, Array("Not Found\n".utf8))
            return
        }
        let path = staticDirectory + "/" + name
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            try await Self.respond(send, 404, Self.plaintextHeaders, Array("Not Found\n".utf8))
            return
        }
        try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/octet-stream")]))
        try await send(.httpResponsePathsend(path: path))
    }

    static func respond(_ send: Send, _ status: Int, _ headers: Headers, _ body: [UInt8]) async throws {
        try await send(.httpResponseStart(status: status, headers: headers))
        try await send(.httpResponseBody(body: body, moreBody: false))
    }
}
