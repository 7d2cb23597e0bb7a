import Logging
import RingwayToolkit
import Synchronization

/// A logger whose lines (message and metadata) tests read back.
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let storage = Mutex<[Line]>([])
    var lines: [Line] { storage.withLock { $0 } }
    var messages: [String] { lines.map(\.message) }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "ringway.tests.access") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func add(_ line: Line) { storage.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.add(Line(level: event.level, message: event.message.description, metadata: event.metadata ?? [:]))
        }
    }
}

/// Values an application under test records.
final class MiddlewareSeen<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    func popFirst() -> Value? { values.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
}

/// A one-shot signal between a test and an application task.
final class TestGate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream<Void>.makeStream()
    }

    func fire() { continuation.finish() }

    func wait() async {
        for await _ in stream {}
    }
}

/// Apps, scopes and direct calls for the middleware tests.
enum Fixture {
    /// Answers `200 text/plain` with `text`.
    static func text(_ text: String, status: Int = 200) -> App {
        App { _, _, send in
            try await send(.httpResponseStart(status: status, headers: [("content-type", "text/plain")]))
            try await send(.httpResponseBody(text))
        }
    }

    /// An HTTP scope for calling a middleware directly.
    static func http(_ method: String = "GET", _ path: String = "/", headers: Headers = Headers(),
                   client: PeerAddress? = PeerAddress(host: "127.0.0.1", port: 50_000)) -> Scope {
        .http(HTTPScope(method: method, path: path, headers: headers, client: client))
    }

    /// Runs `app` on `scope` directly (no server), collecting what it sends.
    static func call(_ app: some Application, _ scope: Scope, receive messages: [ReceiveMessage] = [.httpRequest(body: [], moreBody: false)]) async throws -> [SendMessage] {
        let sent = MiddlewareSeen<SendMessage>()
        let inbox = MiddlewareSeen<ReceiveMessage>()
        for message in messages { inbox.append(message) }
        let receive = Receive { inbox.popFirst() ?? .httpDisconnect }
        try await app(scope, receive, Send { sent.append($0) })
        return sent.all
    }

    /// The headers of the first `http.response.start` in `messages`.
    static func startHeaders(_ messages: [SendMessage]) -> Headers? {
        for case .httpResponseStart(_, let headers, _) in messages { return headers }
        return nil
    }
}
