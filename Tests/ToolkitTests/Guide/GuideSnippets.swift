import Logging
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Testing

// The README's "From the ASGI guide to Ringway" snippets, compiled and run here. The regions
// between `// guide-snippet: NAME` and `// end guide-snippet` are copied into the README
// verbatim; GuideSnippetSyncTests fails when the two differ.

enum GuideSnippets {
    static func hello() -> some Application {
        // guide-snippet: hello
        let app = App { scope, receive, send in
            guard case .http = scope else { return }   // lifespan: nothing to do
            try await send.text("Hello World", contentType: "text/plain")
        }
        // end guide-snippet
        return app
    }

    static func debugScope() -> some Application {
        // guide-snippet: debug-scope
        let debugScope = App { scope, receive, send in
            guard case .http(let request) = scope else { return }
            var headers = JSONObject()
            for (name, value) in request.headers {
                headers[String(decoding: name, as: UTF8.self)] = .string(String(decoding: value, as: UTF8.self))
            }
            let info: JSONValue = ["type": "http", "method": .string(request.method), "path": .string(request.path),
                                   "query_string": .string(request.query), "headers": .object(headers)]
            try await send.json(info, style: .pythonIndented(2))   // json.dumps(scope_info, indent=2)
        }
        // end guide-snippet
        return debugScope
    }

    static func classBased(echo: some Application) throws -> RouterApplication {
        // guide-snippet: class-based
        let router = Router()
        router.get("/") { _, _, send in try await send.html("<h1>Home Page</h1>", contentType: "text/html") }
        router.get("/api") { _, _, send in
            try await send.json(["message": "API Response"] as JSONValue, style: .python)
        }
        router.get("/users/{id:int}") { scope, _, send in   // /users/abc is a 404
            try await send.json(["id": .number(JSONNumber(scope.pathParameters.int("id")!))] as JSONValue)
        }
        router.websocket("/ws", echo)
        let app = try router.build()   // unknown paths 404, other methods 405 + allow, unknown WebSocket paths refused
        // end guide-snippet
        return app
    }

    static func bodies() throws -> RouterApplication {
        let router = Router()
        // guide-snippet: bodies
        router.post("/api/echo") { scope, receive, send in
            let request = Request(scope, receive)
            let data = try await request.json(ifEmpty: [:])   // {} for no body; 400 "Invalid JSON"
            let reply: JSONValue = ["received": data, "method": .string(request.method), "path": .string(request.path)]
            try await send.json(reply, style: .python)
        }
        router.post("/form") { scope, receive, send in
            let form = try await Request(scope, receive).form()   // parse_qs: ["key": ["v1", "v2"]]
            try await send.json(["form_data": .object(JSONObject(form.map { ($0.name, .array($0.values.map { .string($0) })) }))] as JSONValue,
                                style: .python)
        }
        struct Signup: Decodable { let email: String }
        router.post("/signup", bodyLimit: 16 * 1024) { scope, receive, send in   // 413 past 16 KiB
            let signup = try await Request(scope, receive).json(Signup.self)
            try await send.text("welcome, \(signup.email)", status: 201)
        }
        // end guide-snippet
        return try router.build()
    }

    static func websocketEcho() -> some Application {
        // guide-snippet: websocket
        let echo = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            for try await message in socket.messages {
                switch message {
                case .text(let text): try await socket.send(text: "Echo: \(text)")
                case .binary(let bytes): try await socket.send(bytes: bytes)
                }
            }
        }
        // end guide-snippet
        return echo
    }

    // guide-snippet: chat
    /// One room's sockets: each broadcast is framed once and sent to every member.
    actor ChatRoom {
        private var members: [Int: WebSocket] = [:]
        private var nextID = 0

        func join(_ socket: WebSocket) -> Int {
            nextID += 1
            members[nextID] = socket
            return nextID
        }
        func leave(_ id: Int) { members[id] = nil }

        func broadcast(_ event: JSONValue, excluding: Int? = nil) async {
            let message = PreparedWebSocketMessage(.text(event.serializedString(.python)))
            for (id, socket) in members where id != excluding { try? await socket.send(message) }
        }
    }

    static func chat(_ room: ChatRoom) -> some Application {
        App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            let id = await room.join(socket)
            await room.broadcast(["type": "user_joined", "message": .string("User \(id) joined the room")])
            defer { Task { await room.leave(id) } }
            for try await case .text(let text) in socket.messages {
                guard let data = try? JSONValue(parsing: text) else {
                    try await socket.send(text: #"{"error": "Invalid JSON"}"#)
                    continue
                }
                if data["type"] == "chat" {
                    await room.broadcast(["type": "chat", "message": data["message"] ?? "", "user": .number(JSONNumber(id))])
                }
            }
        }
    }
    // end guide-snippet

    // guide-snippet: middleware
    /// The guide's `ASGIMiddleware`: an application around an application.
    struct Wrapper<Next: Application>: Application {
        let next: Next
        func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
            // pre-processing: modify the scope or perform checks
            try await next(scope, receive, send)
        }
    }

    /// The same as a typed middleware, stacked once at startup with `app.with(...)`.
    enum CurrentUser: ScopeValueKey { typealias Value = String }
    struct Authenticate: Middleware {
        func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
            guard let user = scope.headers["x-user"] else { throw HTTPError(401, "who are you?") }
            var scope = scope
            scope.values[CurrentUser.self] = user   // typed: a handler reads scope.values[CurrentUser.self]
            try await next(scope, receive, send)
        }
    }
    // end guide-snippet

    static func logged(_ app: RouterApplication, logger: Logger) -> some Application {
        // guide-snippet: logging
        // One line per request: `HTTP GET /api 200 0.000s bytes=27 id=… client=…`, and WebSocket
        // connect/close lines; the request id comes from x-request-id or is made, and is sent back.
        let served = app.with(RequestIDMiddleware(), LoggingMiddleware(logger: logger))
        // end guide-snippet
        return served
    }
}

@Suite("The README's guide snippets run")
struct GuideSnippetTests {
    @Test("hello and debug_scope")
    func helloAndDebugScope() async throws {
        let hello = try await TestClient(app: GuideSnippets.hello()).get("/")
        #expect(hello.status == 200 && hello.text == "Hello World" && hello.header("content-type") == "text/plain")
        let scope = try await TestClient(app: GuideSnippets.debugScope()).get("/debug", query: [("a", "1")], headers: [("x-demo", "yes")])
        #expect(scope.status == 200 && scope.header("content-type") == "application/json")
        #expect(scope.text.hasPrefix("{\n  \"type\": \"http\",\n  \"method\": \"GET\",\n  \"path\": \"/debug\",\n  \"query_string\": \"a=1\",\n  \"headers\": {\n"))
        #expect(scope.text.contains("\n    \"x-demo\": \"yes\""))
    }

    @Test("the class-based app: routes, 404, 405, parameters, WebSocket echo")
    func classBased() async throws {
        let client = TestClient(app: try GuideSnippets.classBased(echo: GuideSnippets.websocketEcho()))
        let home = try await client.get("/")
        #expect(home.text == "<h1>Home Page</h1>" && home.header("content-type") == "text/html")
        #expect(try await client.get("/api").text == #"{"message": "API Response"}"#)
        #expect(try await client.get("/users/7").text == #"{"id":7}"#)
        #expect(try await client.get("/users/abc").status == 404)
        #expect(try await client.get("/nope").text == "Not Found")
        let wrong = try await client.request("DELETE", "/api")
        #expect(wrong.status == 405 && wrong.header("allow") == "GET, HEAD")
        try await client.withSession { session in
            let socket = try await session.websocket("/ws")
            try await socket.send(text: "hi")
            #expect(try await socket.receiveText() == "Echo: hi")
            try await socket.send(bytes: [1, 2, 3])
            #expect(try await socket.receiveBytes() == [1, 2, 3])
            _ = try await socket.close()
        }
    }

    @Test("bodies: JSON echo, Invalid JSON, parse_qs forms, a Decodable with a route limit")
    func bodies() async throws {
        let client = TestClient(app: try GuideSnippets.bodies())
        let echo = try await client.post("/api/echo", text: #"{"b": [1, "é"], "a": null}"#)
        #expect(echo.text == #"{"received": {"b": [1, "\u00e9"], "a": null}, "method": "POST", "path": "/api/echo"}"#)
        #expect(try await client.post("/api/echo", body: []).text == #"{"received": {}, "method": "POST", "path": "/api/echo"}"#)
        let invalid = try await client.post("/api/echo", text: "{nope")
        #expect(invalid.status == 400 && invalid.text == "Invalid JSON")
        let form = try await client.post("/form", text: "key=v1&key=v2&x=a+b", headers: [("content-type", "application/x-www-form-urlencoded")])
        #expect(form.text == #"{"form_data": {"key": ["v1", "v2"], "x": ["a b"]}}"#)
        let signup = try await client.post("/signup", text: #"{"email": "a@b.c"}"#)
        #expect(signup.status == 201 && signup.text == "welcome, a@b.c")
        let big = try await client.post("/signup", body: Array(repeating: UInt8(ascii: " "), count: 16 * 1024 + 1))
        #expect(big.status == 413)
    }

    @Test("chat: joined, chat to everyone, Invalid JSON to the sender")
    func chat() async throws {
        let client = TestClient(app: GuideSnippets.chat(GuideSnippets.ChatRoom()))
        try await client.withSession { session in
            let first = try await session.websocket("/chat/room1")
            #expect(try await first.receiveText() == #"{"type": "user_joined", "message": "User 1 joined the room"}"#)
            let second = try await session.websocket("/chat/room1")
            #expect(try await first.receiveText() == #"{"type": "user_joined", "message": "User 2 joined the room"}"#)
            #expect(try await second.receiveText() == #"{"type": "user_joined", "message": "User 2 joined the room"}"#)
            try await second.send(text: "not json")
            #expect(try await second.receiveText() == #"{"error": "Invalid JSON"}"#)
            try await first.send(text: #"{"type": "chat", "message": "hello"}"#)
            for socket in [first, second] {
                #expect(try await socket.receiveText() == #"{"type": "chat", "message": "hello", "user": 1}"#)
            }
            _ = try await first.close()
            _ = try await second.close()
        }
    }

    @Test("middleware: the ASGI wrapper and a typed middleware with a typed value")
    func middleware() async throws {
        let handler = App { scope, _, send in
            try await send.text("hello \(scope.values[GuideSnippets.CurrentUser.self] ?? "?")")
        }
        let client = TestClient(app: GuideSnippets.Wrapper(next: handler.with(GuideSnippets.Authenticate())))
        #expect(try await client.get("/", headers: [("x-user", "ada")]).text == "hello ada")
        let anonymous = try await client.get("/")
        #expect(anonymous.status == 401 && anonymous.text == "who are you?")
    }

    @Test("logging: one line per request with its request id, which is sent back")
    func logging() async throws {
        let capture = LogCapture()
        let client = TestClient(app: GuideSnippets.logged(try GuideSnippets.classBased(echo: GuideSnippets.websocketEcho()), logger: capture.logger()))
        let response = try await client.get("/api", headers: [("x-request-id", "guide-1")])
        #expect(response.header("x-request-id") == "guide-1")
        let logged = capture.messages
        #expect(logged.count == 1)
        #expect(logged.first?.hasPrefix("HTTP GET /api 200 ") == true && logged.first?.contains("id=guide-1") == true)
    }
}
