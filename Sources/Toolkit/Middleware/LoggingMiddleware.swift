public import Logging
import Synchronization

/// Logs one line per HTTP request and a line when a WebSocket connects and when it closes,
/// as the seed guide's `LoggingMiddleware` does (`HTTP GET /path 200 0.003s`), through
/// swift-log.
///
/// The HTTP line follows `format` (see `AccessLogFormat` for its tokens) and carries the same
/// values as structured metadata (`method`, `path`, `status`, `duration_ms`, `bytes`,
/// `request_id`, `client`). The status is the one the application sent; when it threw before
/// a response, an `HTTPResponseError`'s status (what the server answers), else 500. WebSocket
/// lines: `WebSocket connection to /ws …` on arrival and `WebSocket closed /ws 1000 2.501s`
/// when the application returns (the close code it sent or received; 1011 if it threw after
/// accepting; a refused handshake's status: 403 for a close before accepting, 500 or the
/// `HTTPResponseError`'s status for a throw before it).
///
/// Stack it after `RequestIDMiddleware` so `{request_id}` is known. When the logger's level
/// hides `level`, every scope passes straight through; to turn access logging off, leave the
/// middleware out (an optional `LoggingMiddleware?` stacks as nothing when nil).
public struct LoggingMiddleware: Middleware {
    /// Where lines go.
    public let logger: Logger
    /// The HTTP line's shape.
    public let format: AccessLogFormat
    /// The level lines are logged at.
    public let level: Logger.Level
    /// Whether lines carry their values as metadata too (a console handler prints them twice).
    public let includesMetadata: Bool

    /// - Parameters:
    ///   - includeMetadata: attach the values as structured metadata, for handlers that index it.
    public init(logger: Logger = Logger(label: "ringway.access"), format: AccessLogFormat = .default, level: Logger.Level = .info,
                includeMetadata: Bool = true) {
        self.logger = logger
        self.format = format
        self.level = level
        self.includesMetadata = includeMetadata
    }

    // Inlinable so that with lines hidden by the level the check specialises into the caller's
    // stack and costs what a pass-through middleware costs.
    @inlinable
    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        guard logger.logLevel <= level else { return try await next(scope, receive, send) }
        try await log(scope, receive, send, next: next)
    }

    @usableFromInline
    func log(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        switch scope {
        case .http(let request): try await logHTTP(request, scope, receive, send, next: next)
        case .websocket(let socket): try await logWebSocket(socket, scope, receive, send, next: next)
        case .lifespan: try await next(scope, receive, send)
        }
    }

    private func logHTTP(_ request: HTTPScope, _ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        let start = ContinuousClock.now
        let tally = ResponseTally()
        let counting = Send { message in
            tally.record(message)
            try await send(message)
        }
        do {
            try await next(scope, receive, counting)
        } catch {
            var status = tally.status
            var bytes = tally.bytes
            if status == nil {
                // Not started: the server answers the error's own response, or 500.
                let answer = error as? any HTTPResponseError
                status = answer?.status ?? 500
                bytes = request.method == "HEAD" ? 0 : answer?.body.count ?? 0
            }
            log(request, status: status ?? 500, bytes: bytes, since: start)
            throw error
        }
        // Returned without a response: the server answers 500.
        log(request, status: tally.status ?? 500, bytes: tally.bytes, since: start)
    }

    private func log(_ request: HTTPScope, status: Int, bytes: Int, since start: ContinuousClock.Instant) {
        let entry = AccessLogEntry(
            method: request.method, path: request.path, query: request.query, status: status,
            duration: ContinuousClock.now - start, bytes: bytes, requestID: request.requestID,
            client: request.client, httpVersion: request.httpVersion, userAgent: request.headers["user-agent"])
        guard includesMetadata else { return logger.log(level: level, "\(format.render(entry))") }
        logger.log(level: level, "\(format.render(entry))", metadata: [
            "method": "\(entry.method)",
            "path": "\(entry.path)",
            "status": "\(entry.status)",
            "duration_ms": "\(AccessLogEntry.fixedPoint(entry.duration, unitNanoseconds: 1_000_000))",
            "bytes": "\(entry.bytes)",
            "request_id": "\(entry.requestID ?? "-")",
            "client": "\(entry.client?.description ?? "-")",
        ])
    }

    private func logWebSocket(_ socket: WebSocketScope, _ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        let start = ContinuousClock.now
        let metadata: Logger.Metadata = !includesMetadata ? [:] : [
            "path": "\(socket.path)",
            "request_id": "\(socket.requestID ?? "-")",
            "client": "\(socket.client?.description ?? "-")",
        ]
        logger.log(level: level, "WebSocket connection to \(socket.path) id=\(socket.requestID ?? "-") client=\(socket.client?.description ?? "-")", metadata: metadata)
        let closing = CloseCode()
        let watchedReceive = Receive {
            let message = try await receive()
            if case .websocketDisconnect(let code, _) = message { closing.record(code) }
            return message
        }
        let watchedSend = Send { message in
            switch message {
            case .websocketAccept: closing.accepted()
            // A close before accepting is a refusal: the server answers the handshake 403.
            case .websocketClose(let code, _): closing.record(closing.isAccepted ? code : 403)
            case .websocketHTTPResponseStart(let status, _): closing.record(status)  // a denial response
            default: break
            }
            try await send(message)
        }
        do {
            try await next(scope, watchedReceive, watchedSend)
        } catch {
            // After accepting the server closes with 1011; before, it answers the handshake with
            // the error's status (an HTTPResponseError) or 500.
            closing.record(closing.isAccepted ? 1011 : (error as? any HTTPResponseError)?.status ?? 500)
            logClose(socket, closing.code, since: start, metadata: metadata)
            throw error
        }
        logClose(socket, closing.code, since: start, metadata: metadata)
    }

    private func logClose(_ socket: WebSocketScope, _ code: Int?, since start: ContinuousClock.Instant, metadata: Logger.Metadata) {
        let duration = AccessLogEntry.fixedPoint(ContinuousClock.now - start, unitNanoseconds: 1_000_000_000)
        let code = code.map(String.init) ?? "-"
        var metadata = metadata
        if includesMetadata {
            metadata["close_code"] = "\(code)"
            metadata["duration_s"] = "\(duration)"
        }
        logger.log(level: level, "WebSocket closed \(socket.path) \(code) \(duration)s", metadata: metadata)
    }
}

/// What the logging `send` saw of one HTTP response: its status and body bytes. Shared with
/// the `send` closure, which may run on another task (a streaming handler's).
final class ResponseTally: Sendable {
    private let started = Atomic<Int>(0)  // the status, 0 before http.response.start
    private let bodyBytes = Atomic<Int>(0)

    var status: Int? {
        let status = started.load(ordering: .relaxed)
        return status == 0 ? nil : status
    }

    var bytes: Int { bodyBytes.load(ordering: .relaxed) }

    func record(_ message: SendMessage) {
        switch message {
        case .httpResponseStart(let status, _, _): started.store(status, ordering: .relaxed)
        case .httpResponseBody(let body, _): bodyBytes.add(body.count, ordering: .relaxed)
        case .httpResponseZerocopysend(_, _, let count?, _): bodyBytes.add(Int(clamping: count), ordering: .relaxed)
        default: break
        }
    }
}

/// The first close code a WebSocket's messages showed (sent or received), or the handshake's
/// status when it was refused; and whether the socket was accepted.
final class CloseCode: Sendable {
    private let first = Atomic<Int>(0)
    private let wasAccepted = Atomic<Bool>(false)

    var isAccepted: Bool { wasAccepted.load(ordering: .relaxed) }

    func accepted() { wasAccepted.store(true, ordering: .relaxed) }

    var code: Int? {
        let code = first.load(ordering: .relaxed)
        return code == 0 ? nil : code
    }

    func record(_ code: Int) {
        _ = first.compareExchange(expected: 0, desired: code, ordering: .relaxed)
    }
}
