import Foundation
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Testing

/// Answers `text` as `text/plain`.
func respond(_ text: String, status: Int = 200, _ send: Send) async throws {
    let body = Array(text.utf8)
    try await send(.httpResponseStart(status: status, headers: [("content-type", "text/plain"), ("content-length", String(body.count))]))
    try await send(.httpResponseBody(body: body))
}

/// The seed's class-based app and a few more routes, as one router.
func dispatchRouter(configuration: RouterConfiguration = RouterConfiguration()) throws -> RouterApplication {
    let child = Router()
    child.get("/") { scope, _, send in
        guard case .http(let http) = scope else { return }
        try await respond("child / root=\(http.rootPath) path=\(http.path)", send)
    }
    child.get("/users/{id:int}") { scope, _, send in
        guard case .http(let http) = scope else { return }
        try await respond("child user \(scope.pathParameters.int("id")!) root=\(http.rootPath) path=\(http.path)", send)
    }
    let router = Router(configuration: configuration)
    router.get("/home") { _, _, send in try await respond("<h1>Home Page</h1>", send) }
    router.get("/api") { scope, _, send in
        #expect(scope.pathParameters.isEmpty)
        try await respond(#"{"message": "API Response"}"#, send)
    }
    router.get("/users/{id:int}") { scope, _, send in
        try await respond(#"{"id": \#(scope.pathParameters.int("id")!)} pattern=\#(scope.pathParameters.pattern!)"#, send)
    }
    router.get("/method") { scope, _, send in
        guard case .http(let http) = scope else { return }
        try await respond("method \(http.method)", send)
    }
    router.post("/upload", bodyLimit: 1234) { scope, _, send in
        try await respond("limit \(scope.routeBodyLimit.map(String.init) ?? "none")", send)
    }
    router.websocket("/ws") { _, receive, send in
        guard case .websocketConnect = try await receive() else { return }
        try await send(.websocketAccept())
        while case .websocketReceive(.text(let text)) = try await receive() {
            try await send(.websocketSend(.text("Echo: \(text)")))
        }
    }
    router.websocket("/chat/{room}") { scope, receive, send in
        guard case .websocketConnect = try await receive() else { return }
        try await send(.websocketAccept())
        try await send(.websocketSend(.text("room \(scope.pathParameters["room"]!)")))
        _ = try await receive()
    }
    router.mount("/legacy", try child.build())
    return try router.build()
}

@Suite("Router dispatch through TestClient")
struct RouterDispatchTests {
    @Test("the seed's class-based app: routes, 404 text, DELETE → 405 allow: GET, HEAD")
    func seedApp() async throws {
        let client = TestClient(app: try dispatchRouter())
        let home = try await client.get("/home")
        #expect(home.status == 200)
        #expect(home.text == "<h1>Home Page</h1>")
        let api = try await client.get("/api")
        #expect(api.text == #"{"message": "API Response"}"#)
        let missing = try await client.get("/nowhere")
        #expect(missing.status == 404)
        #expect(missing.text == "Not Found")
        #expect(missing.header("content-type") == "text/plain; charset=utf-8")
        let delete = try await client.request("DELETE", "/api")
        #expect(delete.status == 405)
        #expect(delete.header("allow") == "GET, HEAD")
        #expect(delete.text == "Method Not Allowed")
        let user = try await client.get("/users/42")
        #expect(user.text == #"{"id": 42} pattern=/users/{id:int}"#)
        #expect(try await client.get("/users/abc").status == 404)
    }

    @Test("HEAD reaches the GET route with method HEAD; no body, GET's content-length")
    func head() async throws {
        let client = TestClient(app: try dispatchRouter())
        let get = try await client.get("/method")
        #expect(get.text == "method GET")
        let head = try await client.request("HEAD", "/method")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("content-length") == String("method HEAD".utf8.count))
    }

    @Test("JSON error bodies and a notFound application that gets the scope")
    func errorBodies() async throws {
        let json = TestClient(app: try dispatchRouter(configuration: RouterConfiguration(errorBody: .json)))
        let missing = try await json.get("/nowhere")
        #expect(missing.status == 404)
        #expect(missing.text == #"{"detail":"Not Found"}"#)
        #expect(missing.header("content-type") == "application/json")
        let wrong = try await json.request("PUT", "/home")
        #expect(wrong.text == #"{"detail":"Method Not Allowed"}"#)
        let fallback = App { scope, _, send in try await respond("fallback \(scope.path)", status: 404, send) }
        let old = TestClient(app: try dispatchRouter(configuration: RouterConfiguration(notFound: fallback)))
        #expect(try await old.get("/old/page").text == "fallback /old/page")
        let ws = try await old.get("/ws")
        #expect(ws.status == 426)
        #expect(ws.header("upgrade") == "websocket")
    }

    @Test("trailingSlash .redirect: a 308 to the registered twin, query and root path kept; strict by default")
    func trailingSlash() async throws {
        let strict = TestClient(app: try dispatchRouter())
        #expect(try await strict.get("/home/").status == 404)
        let redirecting = TestClient(app: try dispatchRouter(configuration: RouterConfiguration(trailingSlash: .redirect)))
        let home = try await redirecting.get("/home/", query: [("a", "1")])
        #expect(home.status == 308)
        #expect(home.header("location") == "/home?a=1")
        #expect(try await redirecting.get("/nowhere/").status == 404)
        #expect(try await redirecting.request("POST", "/home/").status == 404)  // the twin must take the method
        let rooted = TestClient(app: try dispatchRouter(configuration: RouterConfiguration(trailingSlash: .redirect)),
                                http: HTTPServerConfiguration(rootPath: "/app"))
        #expect(try await rooted.get("/users/7/").header("location") == "/app/users/7")
    }

    @Test("the route's body limit reaches the handler")
    func bodyLimit() async throws {
        let client = TestClient(app: try dispatchRouter())
        #expect(try await client.post("/upload", text: "x").text == "limit 1234")
    }

    @Test("WebSocket routes with parameters; an unknown WebSocket path is refused with 403")
    func websocket() async throws {
        let client = TestClient(app: try dispatchRouter())
        try await client.withSession { session in
            let socket = try await session.websocket("/ws")
            try await socket.send(text: "hi")
            #expect(try await socket.receiveText() == "Echo: hi")
            _ = try await socket.close()
            let chat = try await session.websocket("/chat/lobby")
            #expect(try await chat.receiveText() == "room lobby")
            _ = try await chat.close()
            for path in ["/nowhere", "/home"] {
                do {
                    _ = try await session.websocket(path)
                    Issue.record("\(path) was accepted")
                } catch let refused as WebSocketRefused {
                    #expect(refused.response.status == 403)
                }
            }
        }
    }

    @Test("a mounted app sees rootPath extended by the prefix and the whole path, under a server root path too")
    func mount() async throws {
        let client = TestClient(app: try dispatchRouter())
        #expect(try await client.get("/legacy").text == "child / root=/legacy path=/legacy")
        #expect(try await client.get("/legacy/users/5").text == "child user 5 root=/legacy path=/legacy/users/5")
        #expect(try await client.get("/legacyx").status == 404)
        let rooted = TestClient(app: try dispatchRouter(), http: HTTPServerConfiguration(rootPath: "/app"))
        #expect(try await rooted.get("/legacy/users/6").text == "child user 6 root=/app/legacy path=/legacy/users/6")
    }

    @Test("lifespan is acknowledged by the router")
    func lifespan() async throws {
        let client = TestClient(app: try dispatchRouter())
        let status = try await client.withSession { session in try await session.get("/home").status }
        #expect(status == 200)
    }
}
