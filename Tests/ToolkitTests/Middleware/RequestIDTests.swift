import RingwayTestSupport
import RingwayToolkit
import Testing

@Suite("RequestIDMiddleware")
struct RequestIDTests {
    /// Answers with the request id it sees.
    static let echoID = App { scope, _, send in
        try await send(.httpResponseStart(status: 200))
        try await send(.httpResponseBody(scope.requestID ?? "none"))
    }

    @Test("a sane incoming x-request-id is kept, reaches the handler and comes back")
    func incomingKept() async throws {
        let response = try await TestClient(app: Self.echoID.with(RequestIDMiddleware())).get("/", headers: [("x-request-id", "abc-123_XYZ")])
        #expect(response.text == "abc-123_XYZ")
        #expect(response.header("x-request-id") == "abc-123_XYZ")
    }

    @Test("an insane incoming id is replaced by a generated one", arguments: [
        "", "has space", String(repeating: "a", count: RequestIDMiddleware.maximumLength + 1), "tab\there", "ünïcode",
    ])
    func insaneReplaced(incoming: String) async throws {
        let response = try await TestClient(app: Self.echoID.with(RequestIDMiddleware())).get("/", headers: [("x-request-id", incoming)])
        #expect(response.text != incoming)
        #expect(response.text.utf8.count == 15)
        #expect(response.header("x-request-id") == response.text)
    }

    @Test("the longest sane id is kept")
    func longestKept() async throws {
        let longest = String(repeating: "z", count: RequestIDMiddleware.maximumLength)
        #expect(try await TestClient(app: Self.echoID.with(RequestIDMiddleware())).get("/", headers: [("x-request-id", longest)]).text == longest)
    }

    @Test("generated ids are distinct, share a prefix per middleware, and are visible ASCII")
    func generated() async throws {
        let middleware = RequestIDMiddleware()
        let ids = (0..<100).map { _ in middleware.makeID() }
        #expect(Set(ids).count == 100)
        #expect(Set(ids.map { $0.prefix(5) }).count == 1)
        #expect(ids.allSatisfy { RequestIDMiddleware.isAcceptable($0.utf8) && $0.utf8.count == 15 })
        let response = try await TestClient(app: Self.echoID.with(middleware)).get("/")
        #expect(response.text.hasPrefix(String(ids[0].prefix(5))))
        #expect(response.header("x-request-id") == response.text)
    }

    @Test("trustIncoming: false always generates")
    func untrusted() async throws {
        let response = try await TestClient(app: Self.echoID.with(RequestIDMiddleware(trustIncoming: false))).get("/", headers: [("x-request-id", "mine")])
        #expect(response.text != "mine")
        #expect(response.header("x-request-id") == response.text)
    }

    @Test("an id the application already set on the response is left alone")
    func applicationHeaderKept() async throws {
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200, headers: [("x-request-id", "from-app")]))
            try await send(.httpResponseBody())
        }.with(RequestIDMiddleware())
        let response = try await TestClient(app: app).get("/", headers: [("x-request-id", "from-client")])
        #expect(response.headers.values("x-request-id").map { String(decoding: $0, as: UTF8.self) } == ["from-app"])
    }

    @Test("a WebSocket gets the id in its scope and on the accept response")
    func websocket() async throws {
        let app = App { scope, receive, send in
            guard case .websocketConnect = try await receive() else { return }
            try await send(.websocketAccept())
            try await send(.websocketSend(.text(scope.requestID ?? "none")))
            try await send(.websocketClose())
        }.with(RequestIDMiddleware())
        try await TestClient(app: app).withSession(lifespan: false) { session in
            let socket = try await session.websocket("/ws", headers: [("x-request-id", "ws-id-1")])
            #expect(socket.response.header("x-request-id") == "ws-id-1")
            #expect(try await socket.receiveText() == "ws-id-1")
        }
    }

    @Test("the typed accessors on Scope, HTTPScope and WebSocketScope share one value")
    func accessors() {
        var scope = Fixture.http()
        #expect(scope.requestID == nil)
        scope.requestID = "r1"
        guard case .http(var request) = scope else { Issue.record("not http"); return }
        #expect(request.requestID == "r1")
        request.requestID = nil
        #expect(request.values.isEmpty)
        var socket = WebSocketScope(path: "/")
        socket.requestID = "w1"
        #expect(Scope.websocket(socket).requestID == "w1")
    }
}
