import RingwayTestSupport
import RingwayToolkit
import Testing

@Suite("HTTPError answered by the server in the application's place")
struct HTTPErrorTests {
    @Test("the makers")
    func makers() {
        #expect(HTTPError.badRequest("Invalid JSON").body == Array("Invalid JSON".utf8))
        #expect(HTTPError.badRequest("Invalid JSON").headers["content-type"] == "text/plain; charset=utf-8")
        #expect(HTTPError.notFound.status == 404 && HTTPError.notFound.message == "Not Found")
        #expect(HTTPError.methodNotAllowed(allow: ["GET", "HEAD"]).headers["allow"] == "GET, HEAD")
        #expect(HTTPError.contentTooLarge(limit: 10).status == 413)
        let custom = HTTPError(409, "taken", headers: [("content-type", "application/json"), ("x-a", "1")])
        #expect(custom.headers.values("content-type").map { String(decoding: $0, as: UTF8.self) } == ["application/json"])
        #expect(custom.headers["x-a"] == "1")
    }

    @Test("thrown before the response: its status, fields and body, on a connection that stays open; HEAD without the body")
    func answered() async throws {
        let app = App { scope, _, send in
            switch scope.path {
            case "/gone": throw HTTPError(410, "Gone for good", headers: [("x-why", "moved"), ("content-length", "999"), ("connection", "keep-alive")])
            case "/pending":
                try await send(.httpResponseStart(status: 200, headers: [("x-start", "dropped")]))
                throw HTTPError.methodNotAllowed(allow: ["GET"])
            case "/custom": throw Custom()
            case "/bad-status": throw HTTPError(status: 200, headers: Headers(), body: [])
            case "/bad-field": throw HTTPError(400, "x", headers: [("x-bad", "a\r\nb")])
            default: throw HTTPError.notFound
            }
        }
        try await TestClient(app: app, raiseServerErrors: true).withSession(lifespan: false) { session in
            let connection = try await session.connect()
            let gone = try await connection.request(.get("/gone"))
            #expect(gone.status == 410 && gone.text == "Gone for good")
            #expect(gone.header("x-why") == "moved" && gone.header("content-length") == "13")
            #expect(gone.header("connection") == nil)
            let head = try await connection.request(TestRequest("HEAD", "/gone"))
            #expect(head.status == 410 && head.body.isEmpty && head.header("content-length") == "13")
            let pending = try await connection.request(.get("/pending"))
            #expect(pending.status == 405 && pending.header("allow") == "GET" && pending.header("x-start") == nil)
            let custom = try await connection.request(.get("/custom"))
            #expect(custom.status == 429 && custom.header("retry-after") == "3" && custom.text == "{}")
            let keptOpen = try await connection.request(.get("/nowhere"))  // the same connection throughout
            #expect(keptOpen.status == 404 && keptOpen.text == "Not Found")
            await connection.close()
        }
        // Not answerable: a 500 (and the error is the test client's to rethrow).
        let lenient = TestClient(app: app, raiseServerErrors: false)
        #expect(try await lenient.get("/bad-status").status == 500)
        #expect(try await lenient.get("/bad-field").status == 500)
        await #expect(throws: HTTPError.self) { try await TestClient(app: app).get("/bad-status") }
    }

    @Test("thrown after the body started: the connection is reset, as for any error")
    func afterStart() async throws {
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: Array("partial".utf8), moreBody: true))
            throw HTTPError.badRequest()
        }
        await #expect(throws: (any Error).self) { try await TestClient(app: app, raiseServerErrors: false).get("/") }
        await #expect(throws: HTTPError.self) { try await TestClient(app: app).get("/") }
    }

    @Test("a WebSocket handshake refused by a thrown error answers its status")
    func websocket() async throws {
        let app = App { scope, receive, send in
            guard scope.query.contains("token=ok") else { throw HTTPError(401, "Unauthorized: no token") }
            try await send(.websocketAccept())
            try await send(.websocketClose())
        }
        try await TestClient(app: app).withSession(lifespan: false) { session in
            do {
                _ = try await session.websocket("/ws")
                Issue.record("the handshake was accepted")
            } catch let refused as WebSocketRefused {
                #expect(refused.response.status == 401)
                #expect(refused.response.text == "Unauthorized: no token")
                #expect(refused.response.header("content-type") == "text/plain; charset=utf-8")
            }
            let accepted = try await session.websocket("/ws", query: [("token", "ok")])
            _ = try? await accepted.receiveText()
        }
    }
}

/// An application's own error type that says how to answer.
struct Custom: HTTPResponseError {
    var status: Int { 429 }
    var headers: Headers { [("retry-after", "3"), ("content-type", "application/json")] }
    var body: [UInt8] { Array("{}".utf8) }
}
