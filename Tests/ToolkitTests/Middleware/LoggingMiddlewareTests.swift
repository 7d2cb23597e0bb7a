import Logging
import RingwayTestSupport
@testable import RingwayToolkit
import Testing

/// A refusal carrying its own status, as the toolkit's `HTTPError` does.
struct Refusal: HTTPResponseError {
    var status: Int
    var headers: Headers = [("content-type", "text/plain")]
    var body: [UInt8] = Array("refused".utf8)
}

struct Breakage: Error {}

@Suite("LoggingMiddleware")
struct LoggingMiddlewareTests {
    /// Matches the seed's `HTTP GET /path 200 0.003s` and what the default adds.
    static func parse(_ line: String) -> [Substring] { line.split(separator: " ") }

    @Test("one line per request in the seed's shape, then bytes, request id and client")
    func defaultLine() async throws {
        let logs = LogCapture()
        let app = Fixture.text("Hello, World!").with(RequestIDMiddleware(), LoggingMiddleware(logger: logs.logger()))
        let response = try await TestClient(app: app).get("/hello", query: [("a", "1")], headers: [("x-request-id", "req-7")])
        #expect(response.status == 200)
        let lines = logs.lines
        try #require(lines.count == 1)
        let words = Self.parse(lines[0].message)
        #expect(words.count == 8)
        #expect(Array(words.prefix(4)) == ["HTTP", "GET", "/hello", "200"])
        #expect(words[4].hasSuffix("s") && Double(words[4].dropLast()) != nil && words[4].split(separator: ".").last?.count == 4)
        #expect(words[5] == "bytes=13")
        #expect(words[6] == "id=req-7")
        #expect(words[7].hasPrefix("client=127.0.0.1:"))
        #expect(lines[0].level == .info)
        #expect(lines[0].metadata["status"] == "200")
        #expect(lines[0].metadata["method"] == "GET")
        #expect(lines[0].metadata["path"] == "/hello")
        #expect(lines[0].metadata["bytes"] == "13")
        #expect(lines[0].metadata["request_id"] == "req-7")
    }

    @Test("includeMetadata: false logs the line alone")
    func withoutMetadata() async throws {
        let logs = LogCapture()
        let app = Fixture.text("ok").with(LoggingMiddleware(logger: logs.logger(), format: try AccessLogFormat("{status}"), includeMetadata: false))
        _ = try await TestClient(app: app).get("/")
        #expect(logs.messages == ["200"])
        #expect(logs.lines.first?.metadata.isEmpty == true)
    }

    @Test("a custom format renders every token; missing values are '-'")
    func customFormat() async throws {
        let logs = LogCapture()
        let format = try AccessLogFormat("{method} {target} q={query} {status} {bytes} {request_id} {protocol} ua={user_agent} {{literal}}")
        let app = Fixture.text("abc", status: 201).with(LoggingMiddleware(logger: logs.logger(), format: format))
        _ = try await TestClient(app: app).get("/p", query: [("x", "y")], headers: [("user-agent", "curl/8")])
        _ = try await TestClient(app: app).get("/bare")
        #expect(logs.messages == [
            "GET /p?x=y q=x=y 201 3 - HTTP/1.1 ua=curl/8 {literal}",
            "GET /bare q=- 201 3 - HTTP/1.1 ua=- {literal}",
        ])
    }

    @Test("an HTTPResponseError thrown before the response logs its status; another error logs 500")
    func thrownStatuses() async throws {
        let logs = LogCapture()
        let format = try AccessLogFormat("{method} {path} {status} {bytes}")
        let refusing = App { _, _, _ in throw Refusal(status: 413) }.with(LoggingMiddleware(logger: logs.logger(), format: format))
        let breaking = App { _, _, _ in throw Breakage() }.with(LoggingMiddleware(logger: logs.logger(), format: format))
        let silent = App { _, _, _ in }.with(LoggingMiddleware(logger: logs.logger(), format: format))
        await #expect(throws: Refusal.self) { _ = try await Fixture.call(refusing, Fixture.http("POST", "/upload")) }
        await #expect(throws: Breakage.self) { _ = try await Fixture.call(breaking, Fixture.http("GET", "/boom")) }
        _ = try await Fixture.call(silent, Fixture.http("GET", "/silent"))
        #expect(logs.messages == ["POST /upload 413 7", "GET /boom 500 0", "GET /silent 500 0"])
    }

    @Test("through the test client, the thrown status matches what the client got")
    func thrownThroughClient() async throws {
        let logs = LogCapture()
        let format = try AccessLogFormat("{status}")
        let app = App { _, _, _ in throw Breakage() }.with(LoggingMiddleware(logger: logs.logger(), format: format))
        let response = try await TestClient(app: app, raiseServerErrors: false).get("/")
        #expect(response.status == 500)
        #expect(logs.messages == ["500"])
    }

    @Test("an error after the response started logs the status that was sent")
    func errorAfterStart() async throws {
        let logs = LogCapture()
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody("part", moreBody: true))
            throw Breakage()
        }.with(LoggingMiddleware(logger: logs.logger(), format: try AccessLogFormat("{status} {bytes}")))
        await #expect(throws: Breakage.self) { _ = try await Fixture.call(app, Fixture.http()) }
        #expect(logs.messages == ["200 4"])
    }

    @Test("bytes count every body message of a stream")
    func streamedBytes() async throws {
        let logs = LogCapture()
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200))
            for _ in 0..<3 { try await send(.httpResponseBody("12345", moreBody: true)) }
            try await send(.httpResponseBody())
        }.with(LoggingMiddleware(logger: logs.logger(), format: try AccessLogFormat("{bytes}")))
        #expect(try await TestClient(app: app).get("/").text == "123451234512345")
        #expect(logs.messages == ["15"])
    }

    @Test("a logger above the middleware's level writes nothing and passes the response through")
    func disabledByLevel() async throws {
        let logs = LogCapture()
        let app = Fixture.text("ok").with(LoggingMiddleware(logger: logs.logger(level: .warning)))
        #expect(try await TestClient(app: app).get("/").text == "ok")
        #expect(logs.lines.isEmpty)
        let noticing = Fixture.text("ok").with(LoggingMiddleware(logger: logs.logger(level: .warning), level: .error))
        _ = try await TestClient(app: noticing).get("/")
        #expect(logs.lines.map(\.level) == [.error])
    }

    @Test("WebSocket: a line on connect and one on close with the close code")
    func websocketLines() async throws {
        let logs = LogCapture()
        let app = App { _, receive, send in
            guard case .websocketConnect = try await receive() else { return }
            try await send(.websocketAccept())
            while case .websocketReceive = try await receive() {}
        }.with(RequestIDMiddleware(), LoggingMiddleware(logger: logs.logger()))
        try await TestClient(app: app).withSession(lifespan: false) { session in
            let socket = try await session.websocket("/ws/chat", headers: [("x-request-id", "sock-1")])
            try await socket.send(text: "hi")
            _ = try await socket.close(code: 4001)
        }
        let messages = logs.messages
        try #require(messages.count == 2)
        #expect(messages[0].hasPrefix("WebSocket connection to /ws/chat id=sock-1 client=127.0.0.1:"))
        let close = Self.parse(messages[1])
        #expect(Array(close.prefix(4)) == ["WebSocket", "closed", "/ws/chat", "4001"])
        #expect(close.count == 5 && close[4].hasSuffix("s"))
        #expect(logs.lines[1].metadata["close_code"] == "4001")
    }

    /// The code is what the client sees: a close before accepting and a throw before accepting
    /// are answered on the handshake (403, 500), a throw after accepting closes with 1011.
    @Test("WebSocket closed by the application, refused, or failed", arguments: [
        ("close", "1008"), ("refuse", "403"), ("closeBeforeAccept", "403"), ("throw", "500"), ("throwAfterAccept", "1011"),
    ])
    func websocketEndings(ending: String, code: String) async throws {
        let logs = LogCapture()
        let app = App { _, receive, send in
            guard case .websocketConnect = try await receive() else { return }
            switch ending {
            case "close":
                try await send(.websocketAccept())
                try await send(.websocketClose(code: 1008))
            case "refuse":
                try await send(.websocketHTTPResponseStart(status: 403))
                try await send(.websocketHTTPResponseBody())
            case "closeBeforeAccept":
                try await send(.websocketClose())
            case "throwAfterAccept":
                try await send(.websocketAccept())
                throw Breakage()
            default:
                throw Breakage()
            }
        }.with(LoggingMiddleware(logger: logs.logger()))
        let scope = Scope.websocket(WebSocketScope(path: "/ws"))
        do {
            _ = try await Fixture.call(app, scope, receive: [.websocketConnect])
        } catch is Breakage {
            #expect(ending.hasPrefix("throw"))
        }
        #expect(logs.messages.last.map { Self.parse($0)[3] } == Substring(code))
    }
}

@Suite("AccessLogFormat")
struct AccessLogFormatTests {
    static let entry = AccessLogEntry(method: "GET", path: "/a b", query: "x=1", status: 404, duration: .microseconds(3_142),
                                      bytes: 9, requestID: "r", client: PeerAddress(host: "::1", port: 8), httpVersion: "1.0", userAgent: "ua")

    @Test("every token renders", arguments: [
        ("{method}", "GET"), ("{path}", "/a b"), ("{query}", "x=1"), ("{target}", "/a b?x=1"), ("{status}", "404"),
        ("{duration_ms}", "3.142"), ("{duration_s}", "0.003"), ("{bytes}", "9"), ("{request_id}", "r"),
        ("{client}", "[::1]:8"), ("{protocol}", "HTTP/1.0"), ("{user_agent}", "ua"), ("a{{b}}c", "a{b}c"), ("x}y", "x}y"), ("", ""),
    ])
    func tokens(format: String, rendered: String) throws {
        #expect(try AccessLogFormat(format).render(Self.entry) == rendered)
    }

    @Test("the default is the seed's line plus the rest")
    func defaultFormat() {
        #expect(AccessLogFormat.default.render(Self.entry) == "HTTP GET /a b 404 0.003s bytes=9 id=r client=[::1]:8")
        #expect(AccessLogFormat.default.tokens == [.method, .path, .status, .durationSeconds, .bytes, .requestID, .client])
    }

    @Test("an unknown token is an error naming it; an unterminated one too")
    func errors() {
        #expect(throws: AccessLogFormatError.unknownToken("colour")) { try AccessLogFormat("{method} {colour}") }
        #expect(throws: AccessLogFormatError.unterminatedToken("{status")) { try AccessLogFormat("HTTP {status") }
        #expect(AccessLogFormatError.unknownToken("colour").description.contains("'{colour}'"))
    }

    @Test("durations round to three decimals", arguments: [
        (Duration.zero, "0.000", "0.000"), (.nanoseconds(499), "0.000", "0.000"), (.nanoseconds(500), "0.001", "0.000"),
        (.milliseconds(1_500), "1500.000", "1.500"), (.seconds(62) + .microseconds(999_600), "62999.600", "63.000"),
    ])
    func durations(duration: Duration, milliseconds: String, seconds: String) {
        #expect(AccessLogEntry.fixedPoint(duration, unitNanoseconds: 1_000_000) == milliseconds)
        #expect(AccessLogEntry.fixedPoint(duration, unitNanoseconds: 1_000_000_000) == seconds)
    }
}
