public import RingwayCore

/// The rules of HTTP/1.1 exchanges on one server connection, without I/O: h11's `Connection`
/// for the server side. The I/O handler feeds it the parser's events (one request at a time,
/// in wire order), the application's response messages, timeouts and shutdown; each call
/// returns the `HTTPServerAction` to carry out, with any bytes to write in `output`.
///
/// It decides, once each: whether the connection stays open (request version and
/// `connection` fields from either side, draining, errors), `Expect: 100-continue` (only when
/// the body is asked for) or 417, the response framing (content-length, chunked,
/// close-delimited, bodiless for HEAD/1xx/204/304), trailers (chunked HTTP/1.1 only),
/// content-length mismatches, the body limit (413), and what a parse error, a timeout or an
/// application failure answers — a status while the response has not started, an abortive
/// close after. Every byte it produces goes through `HTTPResponseSerializer`.
///
/// Per-request state is one value (`Exchange`): a new exchange is one assignment.
public struct HTTPServerExchange: Sendable {
    /// How a connection ends.
    public enum Close: Sendable, Equatable {
        /// Flush what is queued, then close (lingering to read what the peer still sends).
        case graceful
        /// Flush and close without lingering: nothing is left unanswered (idle between requests).
        case quiet
        /// Reset at once: the response on the wire cannot be completed.
        case abortive
    }

    /// How the response body is delimited on the wire.
    public enum Framing: Sendable, Equatable {
        case contentLength
        case chunked
        /// HTTP/1.0 without a length: the body ends when the connection closes.
        case closeDelimited
        /// HEAD, 1xx, 204 and 304: the head only.
        case bodiless
    }

    /// Where the response of the current exchange is.
    public enum ResponseState: Sendable, Equatable {
        /// No exchange in progress.
        case idle
        /// The application runs; nothing sent.
        case awaitingStart
        /// The application sent the start; it is not on the wire yet (it goes with the first body).
        case headPending
        /// The head is on the wire, framed so.
        case sendingBody(Framing)
        /// The body ended; announced trailers are awaited.
        case awaitingTrailers
        /// The response is complete.
        case complete
        /// The server answered or closed in the application's place (a timeout, a body limit,
        /// a parse error, a handed-over connection): the application's messages are refused.
        case abandoned
    }

    /// A timeout, with how long it was (for the answer's text).
    public enum Timeout: Sendable, Equatable {
        /// Idle between requests.
        case idle
        /// The request head did not arrive in time.
        case head(Duration)
        /// The request body stalled.
        case body(Duration)
        /// The client read nothing of the response.
        case send
    }

    /// The state of one exchange: everything reset when the next request begins.
    @usableFromInline
    struct Exchange: Sendable {
        var isHead = false
        var version = HTTPVersion.http1_1
        var expectsContinue = false
        var continueSent = false
        var bodyLimit: UInt64 = 0
        var bodyBytes: UInt64 = 0
        @usableFromInline var bodyDone = true
        var discardedBytes = 0
        @usableFromInline var response = ResponseState.idle
        var status = 0
        var headers = Headers()
        /// What the app's fields say about framing, found in one pass when the framing is chosen.
        var appFields = AppFields()
        var trailersAnnounced = false
        var framing: Framing?
        var declaredLength: UInt64?
        var sentBodyBytes: UInt64 = 0
        /// nil until trailers come (an empty `Headers` costs reference counting per exchange).
        var pendingTrailers: Headers?

        @usableFromInline init() {}

        init(isHead: Bool, version: HTTPVersion, expectsContinue: Bool, bodyLimit: UInt64, bodyDone: Bool, response: ResponseState) {
            self.isHead = isHead
            self.version = version
            self.expectsContinue = expectsContinue
            self.bodyLimit = bodyLimit
            self.bodyDone = bodyDone
            self.response = response
        }
    }

    /// The framing-relevant fields among the app's response headers.
    struct AppFields: Sendable {
        var contentLength: ArraySlice<UInt8>?
        var transferEncoding = false
        var connection = false
        var connectionClose = false

        init() {}

        /// One pass over `headers` (most responses carry one or two fields).
        init(_ headers: Headers) {
            for (name, value) in headers {
                switch name.count {
                case 14 where Headers.asciiCaseInsensitiveEqual(name, "content-length".utf8):
                    if contentLength == nil { contentLength = value }
                case 17 where Headers.asciiCaseInsensitiveEqual(name, "transfer-encoding".utf8):
                    transferEncoding = true
                case 10 where Headers.asciiCaseInsensitiveEqual(name, "connection".utf8):
                    if !connection { connectionClose = Headers.asciiCaseInsensitiveEqual(value, "close".utf8) }
                    connection = true
                default:
                    break
                }
            }
        }
    }

    @usableFromInline var exchange = Exchange()
    /// Whether the connection stays open after the current exchange.
    public private(set) var keepAlive = true
    /// Whether the server drains: the current response is the connection's last.
    public private(set) var shuttingDown = false
    /// Requests begun on this connection.
    public private(set) var requestsServed = 0
    /// The `date` value for the next head the machine writes (the handler refreshes it; time is an input).
    public var date: [UInt8] = []
    /// The `server` value, or nil for none.
    public let serverHeader: String?
    /// How much unread request body is read and dropped to reach the next request.
    public let maxDiscardedBodyBytes: Int

    /// - Parameters:
    ///   - serverHeader: the `server` value for the heads it writes, or nil for none.
    ///   - maxDiscardedBodyBytes: how much unread request body is dropped to keep the connection.
    public init(serverHeader: String?, maxDiscardedBodyBytes: Int) {
        self.serverHeader = serverHeader
        self.maxDiscardedBodyBytes = maxDiscardedBodyBytes
    }

    /// The current exchange's response state.
    @inlinable public var response: ResponseState { exchange.response }
    /// Whether an exchange is in progress (begun and not ended).
    @inlinable public var inExchange: Bool {
        if case .idle = exchange.response { return false }
        return true
    }
    /// Whether the server gave up on the exchange (answered or closed in the app's place).
    @inlinable public var abandoned: Bool {
        if case .abandoned = exchange.response { return true }
        return false
    }
    /// Whether nothing of the response is on the wire or pending: the server may still answer a status.
    @inlinable public var responseNotStarted: Bool {
        if case .awaitingStart = exchange.response { return true }
        return false
    }
    /// Whether the current request's body was read to its end.
    @inlinable public var requestBodyDone: Bool { exchange.bodyDone }
    /// Whether the response is complete (the app's `http.disconnect` wait ends).
    @inlinable public var responseComplete: Bool {
        if case .complete = exchange.response { return true }
        return false
    }
    /// The current request's body limit.
    public var bodyLimit: UInt64 { exchange.bodyLimit }

    // MARK: Requests

    /// A request head, popped in wire order once the previous exchange ended: `.runApplication`,
    /// or `.writeAndClose(.graceful)` with a 417 (an expectation other than 100-continue) or a
    /// 413 (a declared length over `bodyLimit`) in `output`.
    public mutating func beginRequest(_ head: HTTPRequestHead, bodyLimit: UInt64, into output: inout [UInt8]) -> HTTPServerAction {
        precondition(exchange.response == .idle, "a request began before the previous exchange ended")
        requestsServed += 1
        keepAlive = head.keepAlive && !shuttingDown
        exchange = Exchange(
            isHead: head.method == "HEAD", version: head.version, expectsContinue: head.expectsContinue,
            bodyLimit: bodyLimit, bodyDone: false, response: .awaitingStart)
        if let expectation = head.headers.first("expect"), !Headers.asciiCaseInsensitiveEqual(expectation, "100-continue".utf8) {
            // RFC 9110 §10.1.1: an expectation we cannot meet.
            return answer(417, "Expectation Failed: only 100-continue is supported", into: &output)
        }
        if case .contentLength(let length) = head.bodyFraming, length > bodyLimit {
            return answer(413, "Content Too Large: the body is \(length) bytes, the limit is \(bodyLimit)", into: &output)
        }
        return .runApplication
    }

    /// The application asks for body: `.write` with `100 Continue` when the client expects it
    /// and nothing of the response was sent (RFC 9110 §10.1.1), else `.none`.
    public mutating func bodyRequested(into output: inout [UInt8]) -> HTTPServerAction {
        // A start the app sent but that is not on the wire yet (`.headPending`) still allows the 100.
        guard exchange.expectsContinue, !exchange.continueSent, !exchange.bodyDone,
              exchange.response == .awaitingStart || exchange.response == .headPending else { return .none }
        exchange.continueSent = true
        try? HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 100), fields: ServerFields(), into: &output)
        return .write
    }

    /// A body piece for the application: `.none` to deliver it, or, past the body limit,
    /// a 413 (`.writeAndClose(.graceful)`) or an abortive close when the response started.
    public mutating func requestBody(count: Int, into output: inout [UInt8]) -> HTTPServerAction {
        exchange.bodyBytes += UInt64(count)
        guard exchange.bodyBytes > exchange.bodyLimit else { return .none }
        return abandon(413, "Content Too Large: the body exceeds \(exchange.bodyLimit) bytes", into: &output)
    }

    /// The request's body ended.
    public mutating func requestEnded() {
        exchange.bodyDone = true
    }

    /// A body piece the application did not read, dropped to reach the next request:
    /// `.none`, or `.close(.graceful)` once too much was dropped (the connection ends
    /// after this exchange).
    public mutating func discardedBody(count: Int) -> HTTPServerAction {
        exchange.discardedBytes += count
        guard exchange.discardedBytes > maxDiscardedBodyBytes else { return .none }
        keepAlive = false
        return .close(.graceful)
    }

    /// The request stream ended (or broke) before the unread body did: the connection ends
    /// after this exchange.
    public mutating func discardFailed() {
        keepAlive = false
    }

    /// The request was malformed (`error` from the parser or the target): its status
    /// (`.writeAndClose(.graceful)`) while the response has not started, else `.close(.abortive)`.
    public mutating func parseError(_ error: HTTPParserError, into output: inout [UInt8]) -> HTTPServerAction {
        abandon(error.status, "\(HTTPResponseSerializer.reasonPhrase(for: error.status)): \(error)", into: &output)
    }

    /// A deadline passed. `betweenRequests`: no request byte is pending (a head timeout then
    /// closes quietly on a connection that served before).
    public mutating func timedOut(_ timeout: Timeout, betweenRequests: Bool, into output: inout [UInt8]) -> HTTPServerAction {
        keepAlive = false
        switch timeout {
        case .idle:
            exchange.response = .abandoned
            return .close(.quiet)
        case .head(let duration):
            if betweenRequests && requestsServed > 0 {
                exchange.response = .abandoned
                return .close(.quiet)
            }
            return abandon(408, "Request Timeout: the request head took longer than \(duration)", into: &output)
        case .body(let duration):
            return abandon(408, "Request Timeout: no request body for \(duration)", into: &output)
        case .send:
            exchange.response = .abandoned
            return .close(.abortive)
        }
    }

    /// The server drains: the current response (or the next) is the connection's last.
    public mutating func shutdownRequested() {
        shuttingDown = true
    }

    /// The connection goes to another protocol: no more HTTP exchanges on it.
    public mutating func handedOver() {
        exchange.response = .abandoned
    }

    // MARK: Responses

    /// `http.response.start`: kept until the first body decides the framing.
    public mutating func responseStart(status: Int, headers: Headers, trailers: Bool) {
        guard exchange.response == .awaitingStart else { return }
        exchange.status = status
        exchange.headers = headers
        exchange.trailersAnnounced = trailers
        exchange.response = .headPending
    }

    /// A response body piece: `.write` (framing, and the head first if pending, with the
    /// bytes in `output`), `.writeBody` (write `body` as it is), `.none` (bodiless), or
    /// `.fail` (a content-length or head error).
    public mutating func responseBody(_ body: [UInt8], more: Bool, into output: inout [UInt8]) -> HTTPServerAction {
        var action = HTTPServerAction.none
        switch exchange.response {
        case .headPending:
            if case .fail(let error, let close) = chooseFraming(totalLength: more ? nil : UInt64(body.count), firstCount: body.count) {
                return .fail(error, close: close)
            }
            if case .fail(let error, let close) = writeHead(body: body, into: &output) { return .fail(error, close: close) }
            action = .write
        case .sendingBody(.contentLength):
            if case .fail(let error, let close) = countBody(body.count) { return .fail(error, close: close) }
            action = .writeBody
        case .sendingBody(.chunked):
            if !body.isEmpty {
                output.reserveCapacity(body.count + 12)
                HTTPResponseSerializer.writeChunk(body, into: &output)
                action = .write
            }
        case .sendingBody(.closeDelimited):
            action = .writeBody
        case .sendingBody(.bodiless), .idle, .awaitingStart, .awaitingTrailers, .complete, .abandoned:
            break
        }
        guard !more else { return action }
        return finishBody(action, into: &output)
    }

    /// A file region of `count` bytes as a body piece: `.sendFile(suffix:)` (write `output`
    /// if not empty, the region, then `suffix`), `.none` (nothing to send: discard the region),
    /// or `.fail`.
    public mutating func responseFile(count: Int, more: Bool, into output: inout [UInt8]) -> HTTPServerAction {
        if exchange.response == .headPending {
            // The head goes first; its length is the region's when this is the whole body.
            if case .fail(let error, let close) = chooseFraming(totalLength: more ? nil : UInt64(count), firstCount: 0) {
                return .fail(error, close: close)
            }
            if case .fail(let error, let close) = writeHead(body: [], into: &output) { return .fail(error, close: close) }
        }
        var action = HTTPServerAction.none
        switch exchange.response {
        case .sendingBody(.contentLength):
            if case .fail(let error, let close) = countBody(count) { return .fail(error, close: close) }
            action = .sendFile(suffix: [])
        case .sendingBody(.chunked):
            if count > 0 {
                HTTPResponseSerializer.writeChunkHeader(size: count, into: &output)
                action = .sendFile(suffix: more || exchange.trailersAnnounced ? Self.chunkEnd : Self.chunkEndAndLastChunk)
            }
        case .sendingBody(.closeDelimited):
            action = .sendFile(suffix: [])
        default:
            break
        }
        if action == .none && !output.isEmpty { action = .write }  // the head of a bodiless response
        guard !more else { return action }
        if case .sendFile(let suffix) = action, suffix == Self.chunkEndAndLastChunk {
            exchange.response = .complete
            return action
        }
        return finishBody(action, into: &output)
    }

    /// Response trailers: `.write` with the last chunk and the trailers once `more` is false,
    /// `.none` (collected, or dropped when the framing is not chunked), or `.fail`.
    public mutating func responseTrailers(_ trailers: Headers, more: Bool, into output: inout [UInt8]) -> HTTPServerAction {
        guard exchange.response == .awaitingTrailers else { return .none }
        guard exchange.framing == .chunked else {
            // HTTP/1.0 or bodiless: trailers are dropped.
            if !more { exchange.response = .complete }
            return .none
        }
        var pending = exchange.pendingTrailers ?? Headers()
        for field in trailers { pending.append(name: field.name, value: field.value) }
        exchange.pendingTrailers = pending
        guard !more else { return .none }
        do {
            try HTTPResponseSerializer.writeLastChunk(trailers: exchange.pendingTrailers ?? Headers(), into: &output)
        } catch {
            keepAlive = false
            exchange.response = .abandoned
            return .fail(.invalidTrailers(error), close: .abortive)
        }
        exchange.pendingTrailers = nil
        exchange.response = .complete
        return .write
    }

    /// The application returned: `.none` when its response is complete; a 500 (`.write`, or
    /// `.writeAndClose(.graceful)` when the connection ends) when it sent nothing; an
    /// abortive close when it left the response unfinished.
    public mutating func appReturned(into output: inout [UInt8]) -> HTTPServerAction {
        switch exchange.response {
        case .awaitingStart:
            return answer(500, "Internal Server Error", into: &output)
        case .headPending, .sendingBody, .awaitingTrailers:
            keepAlive = false
            exchange.response = .abandoned
            return .close(.abortive)
        case .idle, .complete, .abandoned:
            return .none
        }
    }

    /// A response the application asked for by throwing it (the contract's
    /// `HTTPResponseError`): answered in its place when nothing of its own reached the wire.
    public struct ErrorResponse: Sendable, Equatable {
        /// 400…599; any other status is answered 500.
        public var status: Int
        /// Its fields; framing fields (`content-length`, `transfer-encoding`, `connection`)
        /// are the machine's and dropped (`connection: close` still ends the connection).
        public var headers: Headers
        /// Dropped for HEAD (the `content-length` stays the body's).
        public var body: [UInt8]

        public init(status: Int, headers: Headers = Headers(), body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// The application threw: while nothing reached the wire (a pending start is dropped),
    /// `response` when the error carries one, else a 500; after that, an abortive close.
    public mutating func appFailed(answering response: ErrorResponse? = nil, into output: inout [UInt8]) -> HTTPServerAction {
        switch exchange.response {
        case .awaitingStart, .headPending:
            exchange.response = .awaitingStart
            if let response, (400...599).contains(response.status) { return answer(response, into: &output) }
            return answer(500, "Internal Server Error", into: &output)
        case .sendingBody, .awaitingTrailers, .complete:
            keepAlive = false
            exchange.response = .abandoned
            return .close(.abortive)
        case .idle, .abandoned:
            return .none
        }
    }

    /// The exchange is over (the unread body discarded): `.none` to read the next request,
    /// or `.close(.graceful)`.
    public mutating func endExchange() -> HTTPServerAction {
        exchange.headers = Headers()  // an idle connection keeps no response's fields
        // Abandoned: already answered and closed; the state stays so (no more exchanges).
        guard exchange.response != .abandoned else { return .none }
        exchange.response = .idle
        return keepAlive && !shuttingDown ? .none : .close(.graceful)
    }

    // MARK: Framing

    /// Chooses the framing from the pending start and the first body (`totalLength` is the
    /// whole body's size when known now), reading the app's `connection: close` here, once.
    private mutating func chooseFraming(totalLength: UInt64?, firstCount: Int) -> HTTPServerAction {
        let status = exchange.status
        let bodiless = status == 204 || status == 304 || (100..<200).contains(status)
        let fields = AppFields(exchange.headers)
        exchange.appFields = fields
        if let value = fields.contentLength {
            guard let length = Self.decimal(value) else {
                return .fail(.contentLengthNotANumber(String(decoding: value, as: UTF8.self)), close: nil)
            }
            exchange.declaredLength = length
        }
        if fields.connectionClose { keepAlive = false }
        if shuttingDown { keepAlive = false }  // draining: this is the connection's last response
        let wantsTrailers = exchange.trailersAnnounced && exchange.version == .http1_1
        let framing: Framing
        if bodiless || exchange.isHead {
            framing = .bodiless
            if exchange.isHead && !bodiless && exchange.declaredLength == nil { exchange.declaredLength = totalLength }
        } else if exchange.declaredLength != nil, !wantsTrailers {
            framing = .contentLength
            if case .fail(let error, let close) = countBody(firstCount) { return .fail(error, close: close) }
        } else if let totalLength, !wantsTrailers {
            framing = .contentLength
            exchange.declaredLength = totalLength
            exchange.sentBodyBytes = UInt64(firstCount)
        } else if exchange.version == .http1_1 {
            framing = .chunked  // streams, and any response with trailers
        } else {
            framing = .closeDelimited  // HTTP/1.0 has no chunked coding: end by closing
            keepAlive = false
        }
        exchange.framing = framing
        exchange.response = .sendingBody(framing)
        return .none
    }

    /// A `content-length` value: ASCII digits only (no sign, no spaces), or nil.
    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            value = value * 10 + UInt64(digit - 0x30)
        }
        return value
    }

    private mutating func countBody(_ count: Int) -> HTTPServerAction {
        exchange.sentBodyBytes += UInt64(count)
        if let declared = exchange.declaredLength, exchange.sentBodyBytes > declared {
            keepAlive = false
            exchange.response = .abandoned
            return .fail(.bodyExceedsContentLength(declared), close: .graceful)
        }
        return .none
    }

    /// The last body piece went (`action` carries it out): ends the framing.
    private mutating func finishBody(_ action: HTTPServerAction, into output: inout [UInt8]) -> HTTPServerAction {
        guard case .sendingBody(let framing) = exchange.response else { return action }
        exchange.response = exchange.trailersAnnounced ? .awaitingTrailers : .complete
        switch framing {
        case .chunked:
            // With trailers announced, the last chunk goes out with them. `action` is
            // `.write` (the chunk in `output`) or `.none` (an empty last piece).
            guard !exchange.trailersAnnounced else { return action }
            output.append(contentsOf: Self.lastChunk)
            return .write
        case .contentLength:
            if let declared = exchange.declaredLength, exchange.sentBodyBytes != declared {
                keepAlive = false
                exchange.response = .abandoned
                let error = HTTPExchangeError.bodyLengthMismatch(sent: exchange.sentBodyBytes, declared: declared)
                // The head and the short body still go out; then the connection is reset.
                return .fail(error, close: .abortive)
            }
        case .closeDelimited:
            keepAlive = false
        case .bodiless:
            break
        }
        return action
    }

    /// Serializes the pending start (plus date, server, framing and connection fields) and
    /// the first body piece into `output`. An invalid head answers 500 in its place.
    private mutating func writeHead(body: [UInt8], into output: inout [UInt8]) -> HTTPServerAction {
        guard case .sendingBody(let framing) = exchange.response else { return .none }
        let status = exchange.status
        var headers = exchange.headers
        exchange.headers = Headers()
        let app = exchange.appFields
        let appDeclaredLength = framing == .contentLength && app.contentLength != nil
        if app.transferEncoding { headers.removeAll("transfer-encoding") }
        if !appDeclaredLength && app.contentLength != nil { headers.removeAll("content-length") }
        if app.connection { headers.removeAll("connection") }
        let chunked = framing == .chunked
        var fields = ServerFields(date: date, server: serverHeader, chunked: chunked, connection: connectionField)
        let bodilessStatus = status == 204 || status == 304 || (100..<200).contains(status)
        if !appDeclaredLength {
            switch framing {
            case .contentLength: fields.contentLength = exchange.declaredLength
            case .bodiless where exchange.isHead && !bodilessStatus: fields.contentLength = exchange.declaredLength  // HEAD: the GET's length
            default: break
            }
        }
        output.reserveCapacity(output.count + 160 + headers.byteCount + headers.count * 4 + body.count + (chunked ? 12 : 0))
        do {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: status, headers: headers), fields: fields, into: &output)
        } catch {
            try? HTTPResponseSerializer.writeHead(
                HTTPResponseHead(status: 500), fields: ServerFields(contentLength: 0, connection: .close), into: &output)
            keepAlive = false
            exchange.response = .abandoned
            return .fail(.invalidHead(error), close: .graceful)
        }
        if chunked {
            HTTPResponseSerializer.writeChunk(body, into: &output)
        } else if framing != .bodiless {
            output.append(contentsOf: body)
        }
        return .write
    }

    private var connectionField: ServerFields.ConnectionField? {
        if !keepAlive { return .close }
        return exchange.version == .http1_0 ? .keepAlive : nil
    }

    /// A small plain-text response in the app's place; `.writeAndClose(.graceful)` unless the connection stays open.
    private mutating func answer(_ status: Int, _ message: String, into output: inout [UInt8]) -> HTTPServerAction {
        if shuttingDown || status != 500 { keepAlive = false }
        let body = Array((message + "\n").utf8)
        let fields = ServerFields(date: date, server: serverHeader, contentLength: UInt64(body.count), connection: connectionField)
        output.reserveCapacity(output.count + 200 + body.count)
        try? HTTPResponseSerializer.writeHead(HTTPResponseHead(status: status, headers: Self.plainText), fields: fields, into: &output)
        output.append(contentsOf: body)
        return answered()
    }

    /// The application's error response. The connection stays when the request can be
    /// read to its end: not after a 413 (the body was refused), nor when the client waits
    /// for a `100 Continue` that will not come (it may never send the body), nor when the
    /// response asks for `connection: close`. An invalid field answers a plain 500 instead.
    private mutating func answer(_ response: ErrorResponse, into output: inout [UInt8]) -> HTTPServerAction {
        var headers = response.headers
        let app = AppFields(headers)
        if app.contentLength != nil { headers.removeAll("content-length") }
        if app.transferEncoding { headers.removeAll("transfer-encoding") }
        if app.connection { headers.removeAll("connection") }
        let awaitingContinue = exchange.expectsContinue && !exchange.continueSent && !exchange.bodyDone
        if shuttingDown || response.status == 413 || awaitingContinue || app.connectionClose { keepAlive = false }
        let fields = ServerFields(date: date, server: serverHeader, contentLength: UInt64(response.body.count), connection: connectionField)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(200 + headers.byteCount + headers.count * 4 + response.body.count)
        do {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: response.status, headers: headers), fields: fields, into: &bytes)
        } catch {
            return answer(500, "Internal Server Error", into: &output)
        }
        if !exchange.isHead { bytes.append(contentsOf: response.body) }
        output.append(contentsOf: bytes)
        return answered()
    }

    /// An answer in the app's place is in `output`: `.write` on a connection that stays
    /// (the exchange complete, so a later timeout does not answer again), else
    /// `.writeAndClose(.graceful)`.
    private mutating func answered() -> HTTPServerAction {
        if keepAlive {
            exchange.response = .complete
            return .write
        }
        exchange.response = .abandoned
        return .writeAndClose(.graceful)
    }

    /// The server ends the exchange in the app's place: `status` while nothing was sent, else an abortive close.
    private mutating func abandon(_ status: Int, _ message: String, into output: inout [UInt8]) -> HTTPServerAction {
        keepAlive = false
        if exchange.response == .awaitingStart || exchange.response == .idle {
            let action = answer(status, message, into: &output)
            exchange.response = .abandoned
            return action
        }
        // A complete response is only closed after (nothing of it may be cut by a reset);
        // one in progress cannot be finished, so the client must see the connection reset.
        let complete = exchange.response == .complete
        exchange.response = .abandoned
        return .close(complete ? .graceful : .abortive)
    }

    private static let plainText: Headers = [("content-type", "text/plain; charset=utf-8")]
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    static let chunkEnd: [UInt8] = Array("\r\n".utf8)
    static let chunkEndAndLastChunk: [UInt8] = Array("\r\n0\r\n\r\n".utf8)
}
