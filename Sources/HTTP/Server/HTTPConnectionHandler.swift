import DequeModule
import Logging
import RingwayCore
import RingwayHTTPCodec
public import RingwayRuntime

/// Serves HTTP/1.1 on one connection: parses requests as bytes arrive (on the loop, from the
/// borrowed receive buffer), runs the application once per request in the connection's
/// task, and frames its messages onto the wire.
///
/// One task per connection (not per request) runs with the loop as its executor
/// preference, so `receive` returns without suspending when the body is already parsed and
/// `send` only queues bytes unless the connection is above its high-water mark.
///
/// Loop-confined: all state is touched on the connection's loop thread only (the
/// `@unchecked Sendable` invariant). `receive`/`send` called from elsewhere hop to the loop.
public final class HTTPConnectionHandler: ConnectionDelegate, MessageChannel, @unchecked Sendable {
    private let connection: Connection
    private let application: any Application
    private let configuration: HTTPServerConfiguration
    private let logger: Logger
    private let stateProvider: @Sendable () -> ScopeState

    private var parser: HTTPRequestParser
    private var events = Deque<HTTPRequestEvent>()
    private var bufferedBodyBytes = 0
    private var parseError: HTTPParserError?
    private var readEnded = false
    private var closed = false
    private var shuttingDown = false
    private var eventWaiter: UnsafeContinuation<Void, Never>?
    private var disconnectWaiters: [UnsafeContinuation<Void, Never>] = []
    private var date = HTTPDate()

    // The exchange (request/response) in progress.
    private var exchange: UInt64 = 0
    private var inExchange = false
    private var requestHead: HTTPRequestHead?
    private var requestBodyDone = true
    private var continueSent = false
    private var order = ResponseOrder()
    private var pendingStart: (status: Int, headers: Headers)?
    private var framing = ResponseFraming.none
    private var keepAlive = true
    private var declaredLength: UInt64?
    private var sentBodyBytes: UInt64 = 0

    private enum ResponseFraming { case none, contentLength, chunked, closeDelimited, bodiless }

    init(connection: Connection, application: any Application, configuration: HTTPServerConfiguration,
         logger: Logger, stateProvider: @escaping @Sendable () -> ScopeState) {
        self.connection = connection
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.stateProvider = stateProvider
        // Upgrades (WebSocket) are not served yet: such requests are answered as plain HTTP.
        self.parser = HTTPRequestParser(limits: configuration.limits, stopAtUpgrade: false)
    }

    /// Starts the connection's task on its loop.
    func start() {
        let loop = connection.loop
        Task(executorPreference: loop) { [self] in await run() }
    }

    // MARK: ConnectionDelegate (loop thread)

    public func connectionReceived(_ bytes: UnsafeRawBufferPointer) {
        guard parseError == nil else { return }
        do {
            try parser.parse(bytes) { event in
                if case .body(let chunk) = event { bufferedBodyBytes += chunk.count }
                events.append(event)
            }
        } catch {
            parseError = error
            connection.pauseReceiving()  // nothing after a framing error is ever read or run
        }
        if bufferedBodyBytes > configuration.maxBufferedBodyBytes { connection.pauseReceiving() }
        wakeEventWaiter()
    }

    public func connectionReadEnded(error: Int32) {
        readEnded = true
        if error == 0, parseError == nil {
            do { try parser.finish() } catch { parseError = error }
        }
        wakeEventWaiter()
        resumeDisconnectWaiters()
    }

    public func connectionShutdownRequested() {
        shuttingDown = true
        wakeEventWaiter()
    }

    public func connectionClosed() {
        closed = true
        wakeEventWaiter()
        resumeDisconnectWaiters()
    }

    private func wakeEventWaiter() {
        if let waiter = eventWaiter {
            eventWaiter = nil
            waiter.resume()
        }
    }

    private func resumeDisconnectWaiters() {
        let waiters = disconnectWaiters
        disconnectWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    private func waitForEvent() async {
        await withUnsafeContinuation { eventWaiter = $0 }
    }

    private func popEvent() -> HTTPRequestEvent? {
        guard let event = events.popFirst() else { return nil }
        if case .body(let chunk) = event {
            bufferedBodyBytes -= chunk.count
            if bufferedBodyBytes <= configuration.maxBufferedBodyBytes / 2 && parseError == nil && !readEnded {
                connection.resumeReceiving()
            }
        }
        return event
    }

    // MARK: The connection task

    private func run() async {
        while let head = await nextHead() {
            await serve(head)
            if closed { return }
            if !keepAlive || shuttingDown {
                connection.close(graceful: true)
                return
            }
        }
    }

    /// The next request head, or nil when the connection is done (after answering a
    /// framing error with its status and closing).
    private func nextHead() async -> HTTPRequestHead? {
        while true {
            if closed { return nil }
            if let event = popEvent() {
                if case .head(let head) = event { return head }
                continue  // leftovers of a request whose body the app did not read
            }
            if let parseError {
                respondToParseError(parseError)
                return nil
            }
            if readEnded || shuttingDown {
                // Idle between requests: nothing unanswered to protect, so no lingering.
                connection.close(graceful: true, linger: false)
                return nil
            }
            await waitForEvent()
        }
    }

    private func serve(_ head: HTTPRequestHead) async {
        exchange &+= 1
        inExchange = true
        requestHead = head
        requestBodyDone = false
        continueSent = false
        order = ResponseOrder()
        pendingStart = nil
        framing = .none
        declaredLength = nil
        sentBodyBytes = 0
        keepAlive = head.keepAlive && !shuttingDown

        let target: RequestTarget
        do {
            target = try RequestTarget(parsing: head.target, method: head.method)
        } catch {
            parseError = error
            respondToParseError(error)
            inExchange = false
            return
        }
        let scope = HTTPScope(
            httpVersion: head.version == .http1_0 ? "1.0" : "1.1", method: head.method, scheme: "http",
            path: target.path, rawPath: target.rawPath, queryString: target.query, rootPath: configuration.rootPath,
            headers: head.headers, client: connection.remoteAddress, server: connection.localAddress,
            state: stateProvider())
        let id = exchange
        do {
            try await application(.http(scope), Receive(channel: self, exchange: id), Send(channel: self, exchange: id))
            if !closed {
                switch order.state {
                case .awaitingStart:
                    logger.error("application returned without sending a response", metadata: requestMetadata(scope))
                    writeErrorResponse(status: 500, message: "Internal Server Error")
                case .streamingBody:
                    logger.error("application returned before finishing its response; closing the connection", metadata: requestMetadata(scope))
                    keepAlive = false
                    connection.close(graceful: false)
                case .complete:
                    break
                }
            }
        } catch is ClientDisconnected {
            // The peer left; nothing to answer.
        } catch {
            if !closed {
                if case .awaitingStart = order.state, pendingStart == nil {
                    logger.error("application error: \(error)", metadata: requestMetadata(scope))
                    writeErrorResponse(status: 500, message: "Internal Server Error")
                } else {
                    logger.error("application error after the response started: \(error); closing the connection", metadata: requestMetadata(scope))
                    connection.close(graceful: false)
                }
            }
        }
        exchange &+= 1  // stale Receive/Send of this request now fail with scopeEnded
        inExchange = false
        resumeDisconnectWaiters()
        if !closed && keepAlive { await discardRemainingBody() }
    }

    private func requestMetadata(_ scope: HTTPScope) -> Logger.Metadata {
        ["request": "\(connection.loop.index)-\(exchange)", "method": "\(scope.method)", "path": "\(scope.path)"]
    }

    /// Reads and drops the rest of a body the application did not consume, so the next
    /// pipelined request starts at the right byte; too much of it closes the connection.
    private func discardRemainingBody() async {
        var discarded = 0
        while !requestBodyDone && !closed {
            if let event = popEvent() {
                switch event {
                case .body(let chunk):
                    discarded += chunk.count
                    if discarded > configuration.maxDiscardedBodyBytes {
                        keepAlive = false
                        return
                    }
                case .end: requestBodyDone = true
                case .head: requestBodyDone = true  // unreachable: the parser ends every body
                }
                continue
            }
            if parseError != nil || readEnded {
                keepAlive = false
                return
            }
            await waitForEvent()
        }
    }

    // MARK: Error responses

    private func respondToParseError(_ error: HTTPParserError) {
        logger.debug("bad request from \(connection.remoteAddress?.description ?? "?"): \(error)")
        keepAlive = false
        writeErrorResponse(status: error.status, message: "\(HTTPResponseSerializer.reasonPhrase(for: error.status)): \(error)")
        connection.close(graceful: true)
    }

    private func writeErrorResponse(status: Int, message: String) {
        let body = Array((message + "\n").utf8)
        var headers = Headers()
        headers.append(name: "content-type", value: "text/plain; charset=utf-8")
        pendingStart = (status, headers)
        try? writeHead(contentLength: UInt64(body.count), chunked: false, body: body)
        order = ResponseOrder()
        if !keepAlive { connection.close(graceful: true) }
    }

    // MARK: MessageChannel

    public func receive(exchange id: UInt64) async throws -> ReceiveMessage {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.receive(exchange: id) }
        }
        guard id == exchange, inExchange else { throw MessageOrderError(.scopeEnded) }
        if requestBodyDone {
            // ASGI: after the body, receive() blocks until the client disconnects or the
            // response is complete, then reports http.disconnect.
            if !closed && !readEnded && order.state != .complete {
                await withUnsafeContinuation { disconnectWaiters.append($0) }
            }
            return .httpDisconnect
        }
        if let head = requestHead, head.expectsContinue, !continueSent, order.state == .awaitingStart, pendingStart == nil {
            continueSent = true
            connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while true {
            if closed { return .httpDisconnect }
            if let event = popEvent() {
                switch event {
                case .body(let chunk):
                    if case .end = events.first {
                        _ = popEvent()
                        requestBodyDone = true
                        return .httpRequest(body: chunk, moreBody: false)
                    }
                    return .httpRequest(body: chunk, moreBody: true)
                case .end:
                    requestBodyDone = true
                    return .httpRequest(body: [], moreBody: false)
                case .head:
                    preconditionFailure("parser emitted a head before the previous request's end")
                }
            }
            if parseError != nil || readEnded { return .httpDisconnect }
            await waitForEvent()
            guard id == exchange else { throw MessageOrderError(.scopeEnded) }
        }
    }

    public func send(_ message: SendMessage, exchange id: UInt64) async throws {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.send(message, exchange: id) }
        }
        guard id == exchange, inExchange else { throw MessageOrderError(.scopeEnded) }
        if closed { throw ClientDisconnected() }
        try order.accept(message)
        switch message {
        case .httpResponseStart(let status, let headers, _):
            pendingStart = (status, headers)
        case .httpResponseBody(let body, let moreBody):
            try writeBody(body, moreBody: moreBody)
            if !connection.isWritable { try await connection.waitUntilWritable() }
            if !moreBody { resumeDisconnectWaiters() }
        default:
            break  // ResponseOrder rejected every other message already
        }
    }

    // MARK: Response framing

    private func writeBody(_ body: [UInt8], moreBody: Bool) throws {
        if pendingStart != nil {
            let status = pendingStart!.status
            let headers = pendingStart!.headers
            let isHead = requestHead?.method == "HEAD"
            let bodiless = status == 204 || status == 304 || (100..<200).contains(status)
            if let value = headers.first("content-length") {
                guard let length = UInt64(String(decoding: value, as: UTF8.self)) else {
                    throw MessageOrderError(.invalidHeader("content-length '\(String(decoding: value, as: UTF8.self))' is not a number"))
                }
                declaredLength = length
            }
            if bodiless || isHead {
                framing = .bodiless
                try writeHead(contentLength: isHead && !bodiless ? (declaredLength ?? (moreBody ? nil : UInt64(body.count))) : nil,
                          chunked: false, body: [])
            } else if let declaredLength {
                framing = .contentLength
                try checkLength(adding: body.count)
                try writeHead(contentLength: declaredLength, chunked: false, body: body, appDeclaredLength: true)
            } else if !moreBody {
                framing = .contentLength
                declaredLength = UInt64(body.count)
                sentBodyBytes = UInt64(body.count)
                try writeHead(contentLength: UInt64(body.count), chunked: false, body: body)
            } else if requestHead?.version == .http1_1 {
                framing = .chunked
                try writeHead(contentLength: nil, chunked: true, body: body)
            } else {
                framing = .closeDelimited  // HTTP/1.0 has no chunked coding: end by closing
                keepAlive = false
                try writeHead(contentLength: nil, chunked: false, body: body)
            }
        } else {
            switch framing {
            case .bodiless: break
            case .contentLength:
                try checkLength(adding: body.count)
                connection.write(body)
            case .chunked:
                if !body.isEmpty {
                    var buffer: [UInt8] = []
                    buffer.reserveCapacity(body.count + 12)
                    HTTPResponseSerializer.writeChunk(body, into: &buffer)
                    connection.write(buffer)
                }
            case .closeDelimited, .none:
                connection.write(body)
            }
        }
        if !moreBody { try finishBody() }
    }

    private func checkLength(adding count: Int) throws {
        sentBodyBytes += UInt64(count)
        if let declaredLength, sentBodyBytes > declaredLength {
            keepAlive = false
            connection.close(graceful: true)
            throw MessageOrderError(.invalidHeader("response body exceeds its content-length of \(declaredLength) bytes"))
        }
    }

    private func finishBody() throws {
        switch framing {
        case .chunked:
            var buffer: [UInt8] = []
            try? HTTPResponseSerializer.writeLastChunk(trailers: nil, into: &buffer)
            connection.write(buffer)
        case .contentLength:
            if let declaredLength, sentBodyBytes != declaredLength {
                keepAlive = false
                connection.close(graceful: false)
                throw MessageOrderError(.invalidHeader("response body has \(sentBodyBytes) bytes but content-length is \(declaredLength)"))
            }
        case .closeDelimited:
            keepAlive = false
        case .bodiless, .none:
            break
        }
    }

    /// Serializes the pending start (plus date, server, framing and connection headers)
    /// and the first body piece into one buffer: a small response is one write.
    private func writeHead(contentLength: UInt64?, chunked: Bool, body: [UInt8], appDeclaredLength: Bool = false) throws(MessageOrderError) {
        guard let (status, appHeaders) = pendingStart else { return }
        pendingStart = nil
        var headers = appHeaders
        if headers.contains("transfer-encoding") { headers.removeAll("transfer-encoding") }
        if !appDeclaredLength && headers.contains("content-length") { headers.removeAll("content-length") }
        if headers.contains("connection") {
            if headers.first("connection").map({ Headers.asciiCaseInsensitiveEqual($0, "close".utf8) }) == true { keepAlive = false }
            headers.removeAll("connection")
        }
        var extra = Headers()
        extra.reserveCapacity(fields: 5, bytes: 96)
        extra.append(name: "date".utf8, value: date.current())
        if let server = configuration.serverHeader { extra.append(name: "server", value: server) }
        if let contentLength, !appDeclaredLength, status != 204, !(100..<200).contains(status) {
            extra.append(name: "content-length", value: String(contentLength))
        }
        if chunked { extra.append(name: "transfer-encoding", value: "chunked") }
        if shuttingDown { keepAlive = false }  // draining: this is the connection's last response
        if !keepAlive {
            extra.append(name: "connection", value: "close")
        } else if requestHead?.version == .http1_0 {
            extra.append(name: "connection", value: "keep-alive")
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(128 + headers.byteCount + headers.count * 4 + body.count + (chunked ? 12 : 0))
        do {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: status, reason: nil, headers: headers), extraHeaders: extra, into: &buffer)
        } catch {
            logger.error("application sent an invalid response head: \(error); answering 500")
            var fallback: [UInt8] = []
            try? HTTPResponseSerializer.writeHead(
                HTTPResponseHead(status: 500, reason: nil, headers: [("content-length", "0")]), extraHeaders: [("connection", "close")], into: &fallback)
            connection.write(fallback)
            keepAlive = false
            connection.close(graceful: true)
            throw MessageOrderError(.invalidHeader("\(error)"))
        }
        if chunked {
            HTTPResponseSerializer.writeChunk(body, into: &buffer)
        } else {
            buffer.append(contentsOf: body)
        }
        connection.write(buffer)
    }
}
