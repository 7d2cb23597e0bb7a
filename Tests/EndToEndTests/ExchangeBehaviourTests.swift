import Ringway
import RingwayTestSupport
import Testing

/// Where a shared behaviour test runs: the in-memory `TestClient` or a live server on a backend.
enum ClientTransport: Sendable, CustomStringConvertible {
    case memory
    case live(BackendKind)

    /// In memory, then live on every backend.
    static let all: [ClientTransport] = [.memory] + Backends.all.map { .live($0) }

    var description: String {
        switch self {
        case .memory: "in-memory"
        case .live(let backend): "live \(backend)"
        }
    }
}

/// Runs `body` with a session against `app` served over `transport`, with the same server
/// configuration either way. Application errors are not rethrown in memory, so both see the
/// wire only.
func withSession<T: Sendable>(
    _ app: some Application, on transport: ClientTransport,
    http: HTTPServerConfiguration = HTTPServerConfiguration(),
    _ body: (TestSession) async throws -> T
) async throws -> T {
    switch transport {
    case .memory:
        return try await TestClient(app: app, http: http, raiseServerErrors: false).withSession { try await body($0) }
    case .live(let backend):
        return try await withServer(app, backend: backend, loops: 1, http: http) { _, port in
            try await body(TestSession.live(port: port))
        }
    }
}

/// One suite of HTTP exchange behaviours, run against the in-memory client and a live server
/// on every backend: the two must not differ.
@Suite("HTTP exchange behaviour, in memory and live")
struct ExchangeBehaviourTests {
    static let echo = App { scope, receive, send in
        guard case .http(let http) = scope else { return }
        var body: [UInt8] = []
        while case .httpRequest(let chunk, let more) = try await receive() {
            body += chunk
            if !more { break }
        }
        try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain"), ("x-path", http.path)]))
        try await send(.httpResponseBody(body: Array("\(http.method) \(http.path)?\(http.query) ".utf8) + body))
    }

    @Test("keep-alive: several requests on one connection", arguments: ClientTransport.all)
    func keepAlive(transport: ClientTransport) async throws {
        try await withSession(Self.echo, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            for index in 0..<3 {
                let response = try await connection.request(.post("/n", text: "\(index)"))
                #expect(response.status == 200)
                #expect(response.text == "POST /n? \(index)")
                #expect(response.header("connection") == nil)
            }
            // HTTP/1.0 without keep-alive: answered, then closed.
            try await connection.send(raw: "GET /old HTTP/1.0\r\n\r\n")
            let old = try await connection.readResponse()
            #expect(old.header("connection") == "close")
            #expect(old.text == "GET /old? ")
            #expect(await connection.isClosedByServer())
        }
    }

    @Test("pipelining: responses in request order", arguments: ClientTransport.all)
    func pipelining(transport: ClientTransport) async throws {
        try await withSession(Self.echo, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            let requests = (0..<5).map { "GET /p\($0)?i=\($0) HTTP/1.1\r\nhost: x\r\n\r\n" }.joined()
            try await connection.send(raw: requests)
            for index in 0..<5 {
                let response = try await connection.readResponse(method: "GET")
                #expect(response.text == "GET /p\(index)?i=\(index) ")
            }
        }
    }

    @Test("100-continue is sent only when the app reads the body", arguments: ClientTransport.all)
    func expectContinue(transport: ClientTransport) async throws {
        try await withSession(Self.echo, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            try await connection.send(raw: "POST /c HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n")
            let interim = try await connection.readRaw()
            #expect(interim.map { $0.text } == "HTTP/1.1 100 Continue\r\n\r\n")
            try await connection.send(raw: "hello")
            let response = try await connection.readResponse(method: "POST")
            #expect(response.text == "POST /c? hello")
            // An expectation the server cannot meet: 417, closed.
            let other = try await session.connect()
            try await other.send(raw: "POST /c HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: teapot\r\n\r\n")
            #expect(try await other.readResponse(method: "POST").status == 417)
        }
    }

    @Test("a streamed response arrives piece by piece", arguments: ClientTransport.all)
    func streamedResponse(transport: ClientTransport) async throws {
        let gate = Signal()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/event-stream")]))
            try await send(.httpResponseBody(body: Array("data: one\n\n".utf8), moreBody: true))
            _ = await gate.wait()
            try await send(.httpResponseBody(body: Array("data: two\n\n".utf8), moreBody: true))
            try await send(.httpResponseBody())
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            try await connection.send(.get("/events"))
            let head = try await connection.readResponseHead()
            #expect(head.status == 200)
            #expect(head.header("transfer-encoding") == "chunked")
            // The first event arrives while the app still waits: nothing is buffered to the end.
            #expect(try await connection.readBodyChunk()?.text == "data: one\n\n")
            gate.fire()
            var rest: [UInt8] = []
            while let chunk = try await connection.readBodyChunk() { rest += chunk }
            #expect(rest.text == "data: two\n\n")
        }
    }

    @Test("a streamed request body reaches the app in pieces, with trailers", arguments: ClientTransport.all)
    func streamedRequest(transport: ClientTransport) async throws {
        let seen = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .http = scope else { return }
            var total = 0
            while true {
                switch try await receive() {
                case .httpRequest(let body, let more):
                    seen.append("\(body.count)\(more ? "+" : ".")")
                    total += body.count
                    if !more {
                        if case .httpRequestTrailers(let trailers) = try await receive() { seen.append("trailer \(trailers["checksum"] ?? "?")") }
                        try await send(.httpResponseStart(status: 200, trailers: true))
                        try await send(.httpResponseBody(body: Array("\(total)".utf8)))
                        try await send(.httpResponseTrailers(headers: [("x-total", "\(total)")]))
                        return
                    }
                default:
                    return
                }
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            var request = TestRequest("POST", "/upload", framing: .chunked(trailers: [("checksum", "abc")]))
            request.chunks = [Array(repeating: 1, count: 3), Array(repeating: 2, count: 4)]
            let response = try await session.request(request)
            #expect(response.text == "7")
            #expect(response.trailers["x-total"] == "7")
            let pieces = seen.all
            #expect(pieces.last == "trailer abc")
            #expect(pieces.first == "3+")  // the first chunk is delivered before the rest arrives
            #expect(pieces.dropLast().last?.hasSuffix(".") == true)
        }
    }

    @Test("HEAD gets the GET headers and no body", arguments: ClientTransport.all)
    func head(transport: ClientTransport) async throws {
        try await withSession(Self.echo, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            let head = try await connection.request(TestRequest("HEAD", "/h"))
            #expect(head.status == 200)
            #expect(head.header("content-length") == "9")  // "HEAD /h? "
            #expect(head.body.isEmpty)
            // The connection is still in sync for the next request.
            #expect(try await connection.request(.get("/g")).text == "GET /g? ")
        }
    }

    @Test("limits: a body over the limit is 413, an oversized head is 431", arguments: ClientTransport.all)
    func limits(transport: ClientTransport) async throws {
        var http = HTTPServerConfiguration()
        http.limits.maxBodyBytes = 10
        try await withSession(Self.echo, on: transport, http: http) { (session: TestSession) async throws in
            #expect(try await session.request(.post("/big", body: Array(repeating: 0, count: 11))).status == 413)
            var chunked = TestRequest("POST", "/big", framing: .chunked())
            chunked.chunks = [Array(repeating: 0, count: 6), Array(repeating: 0, count: 6)]
            #expect(try await session.request(chunked).status == 413)
            let huge = TestRequest.get("/", headers: [("x-long", String(repeating: "a", count: 70_000))])
            #expect(try await session.request(huge).status == 431)
        }
    }

    @Test("a malformed request is answered 400 and the connection closed", arguments: ClientTransport.all)
    func malformed(transport: ClientTransport) async throws {
        try await withSession(Self.echo, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            try await connection.send(raw: "GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n")
            #expect(try await connection.readResponse().status == 400)
            #expect(await connection.isClosedByServer())
        }
    }

    @Test("message-order misuse: the app gets the typed error, the client a 500", arguments: ClientTransport.all)
    func misuse(transport: ClientTransport) async throws {
        let errors = Recorder<MessageOrderError>()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            do {
                try await send(.httpResponseBody(body: Array("early".utf8)))
            } catch let error as MessageOrderError {
                errors.append(error)
                throw error
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let response = try await session.get("/")
            #expect(response.status == 500)
            #expect(errors.all == [MessageOrderError(.bodyBeforeStart)])
        }
    }

    @Test("an app that returns without answering gets a 500", arguments: ClientTransport.all)
    func noResponse(transport: ClientTransport) async throws {
        try await withSession(App { _, _, _ in }, on: transport) { (session: TestSession) async throws in
            #expect(try await session.get("/").status == 500)
        }
    }

    @Test("after the body, receive() waits for the response to complete, then reports http.disconnect", arguments: ClientTransport.all)
    func disconnectAfterResponse(transport: ClientTransport) async throws {
        let events = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .http = scope else { return }
            _ = try await receive()  // the (empty) body
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let message = try await receive()
                    events.append("watcher: \(message.type)")
                }
                try await Task.sleep(for: .milliseconds(20))
                events.append("sending")
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody(body: Array("done".utf8)))
                try await group.waitForAll()
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            #expect(try await session.get("/").text == "done")
            #expect(await events.waitForCount(2) == ["sending", "watcher: http.disconnect"])
        }
    }

    @Test("a cancelled receive() returns at once, also while it waits for http.disconnect", arguments: ClientTransport.all)
    func cancelledReceive(transport: ClientTransport) async throws {
        let app = App { scope, receive, send in
            guard case .http = scope else { return }
            _ = try await receive()  // the (empty) body: the next receive waits for the disconnect
            let watcher = Task {
                do {
                    _ = try await receive()
                    return "returned"
                } catch is CancellationError {
                    return "cancelled"
                }
            }
            try await Task.sleep(for: .milliseconds(20))  // let it wait (it passes either way)
            watcher.cancel()
            let outcome = (try? await watcher.value) ?? "failed"
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: Array(outcome.utf8)))
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            #expect(try await session.get("/").text == "cancelled")
        }
    }

    @Test("a client that leaves mid-body: the app's receive reports http.disconnect", arguments: ClientTransport.all)
    func clientLeavesMidBody(transport: ClientTransport) async throws {
        let events = Recorder<String>()
        let firstPart = Signal()
        let app = App { scope, receive, _ in
            guard case .http = scope else { return }
            while true {
                let message = try await receive()
                events.append(message.type)
                if case .httpRequest = message { firstPart.fire() } else { return }
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            try await connection.send(raw: "POST /u HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nhalf")
            #expect(await firstPart.wait())
            await connection.reset()
            let seen = await events.waitForCount(2)
            #expect(seen.last == "http.disconnect", "\(seen)")
        }
    }

    @Test("a client that stops reading: the app's sends suspend, and the server survives", arguments: ClientTransport.all)
    func slowReader(transport: ClientTransport) async throws {
        let sent = Recorder<Int>()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200))
            for index in 0..<256 {
                try await send(.httpResponseBody(body: Array(repeating: UInt8(index), count: 64 * 1024), moreBody: true))
                sent.append(index)
            }
            try await send(.httpResponseBody())
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect(receiveWindow: 16 * 1024)
            try await connection.send(.get("/big"))
            let head = try await connection.readResponseHead()
            #expect(head.status == 200)
            // Backpressure: with the client not reading, the app cannot have sent everything.
            #expect(sent.all.count < 256)
            await connection.setReceiveWindow(4 << 20)
            var total = 0
            while let chunk = try await connection.readBodyChunk() { total += chunk.count }
            #expect(total == 256 * 64 * 1024)
        }
    }
}

/// Behaviours only the in-memory client can show without waiting: the virtual clock.
@Suite("TestClient: virtual clock and session")
struct TestClientClockTests {
    @Test("the header timeout fires on the virtual clock: 408 with no real waiting")
    func headerTimeout() async throws {
        try await TestClient(app: ExchangeBehaviourTests.echo).withSession { session in
            let connection = try await session.connect()
            try await connection.send(raw: "GET / HTTP/1.1\r\nhost: x\r\n")  // never finished
            try await session.advanceClock(by: .seconds(9))
            // Not yet: the default header timeout is 10 s.
            try await connection.send(raw: "x-slow: 1\r\n")
            try await session.advanceClock(by: .seconds(2))
            let response = try await connection.readResponse()
            #expect(response.status == 408)
            #expect(await connection.isClosedByServer())
        }
    }

    @Test("an idle keep-alive connection is closed after the keep-alive timeout, on the virtual clock")
    func idleTimeout() async throws {
        try await TestClient(app: ExchangeBehaviourTests.echo).withSession { session in
            let connection = try await session.connect()
            #expect(try await connection.request(.get("/")).status == 200)
            try await session.advanceClock(by: .seconds(16))
            #expect(await connection.isClosedByServer())
        }
    }

    @Test("a stalled request body times out with 408 on the virtual clock")
    func bodyTimeout() async throws {
        try await TestClient(app: ExchangeBehaviourTests.echo).withSession { session in
            let connection = try await session.connect()
            try await connection.send(raw: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nabc")
            try await session.advanceClock(by: .seconds(31))
            #expect(try await connection.readResponse(method: "POST").status == 408)
        }
    }

    @Test("lifespan runs around a session; its state reaches every request")
    func lifespan() async throws {
        let events = Recorder<String>()
        let app = App { scope, receive, send in
            switch scope {
            case .lifespan(let lifespan):
                while true {
                    switch try await receive() {
                    case .lifespanStartup:
                        lifespan.state["pool"] = "ready"
                        events.append("startup")
                        try await send(.lifespanStartupComplete)
                    case .lifespanShutdown:
                        events.append("shutdown")
                        try await send(.lifespanShutdownComplete)
                        return
                    default: return
                    }
                }
            case .http(let http):
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody(body: Array(((http.state["pool"] as? String) ?? "none").utf8)))
            case .websocket:
                return
            }
        }
        let text = try await TestClient(app: app).withSession { session in
            events.append("request")
            return try await session.get("/").text
        }
        #expect(text == "ready")
        #expect(events.all == ["startup", "request", "shutdown"])
        // One-off calls run without lifespan.
        #expect(try await TestClient(app: app).get("/").text == "none")
    }

    @Test("an application error is rethrown from the request that caused it")
    func rethrowsAppErrors() async throws {
        struct Boom: Error, Equatable {}
        let app = App { _, _, _ in throw Boom() }
        await #expect(throws: Boom.self) { _ = try await TestClient(app: app).get("/") }
        #expect(try await TestClient(app: app, raiseServerErrors: false).get("/").status == 500)
    }

    @Test("JSON and form bodies, query parameters, JSON responses")
    func bodies() async throws {
        struct Item: Codable, Equatable { var name: String; var count: Int }
        let app = App { scope, receive, send in
            guard case .http(let http) = scope else { return }
            var body: [UInt8] = []
            while case .httpRequest(let chunk, let more) = try await receive() { body += chunk; if !more { break } }
            let json = "{\"query\":\"\(http.query)\",\"type\":\"\(http.headers["content-type"] ?? "")\",\"body\":\(body.count)}"
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/json")]))
            try await send(.httpResponseBody(body: Array(json.utf8)))
        }
        struct Echo: Decodable { var query: String; var type: String; var body: Int }
        let client = TestClient(app: app)
        let json = try await client.request(try .json("/items", Item(name: "pen", count: 2))).json(Echo.self)
        #expect(json.type == "application/json" && json.body == #"{"name":"pen","count":2}"#.utf8.count)
        let form = try await client.request(.form("/f", [("a b", "1&2")])).json(Echo.self)
        #expect(form.type == "application/x-www-form-urlencoded" && form.body == "a+b=1%262".utf8.count)
        let query = try await client.get("/q", query: [("q", "swift server"), ("page", "2")]).json(Echo.self)
        #expect(query.query == "q=swift+server&page=2")
    }
}
