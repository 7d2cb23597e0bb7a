public import Logging

/// A request's view for handlers: its fields, query, cookies and body helpers, over the
/// scope and `receive` the application was given. A cheap value: it copies nothing and
/// parses only what is asked for, when it is asked for.
///
/// ```swift
/// let request = Request(scope, receive)
/// let payload = try await request.json(Payload.self)   // 400 "Invalid JSON" when it does not decode
/// let page = request.query["page"]
/// ```
///
/// The body can be read once (it is `receive`'s stream): `body`, `json` and `form` each
/// read it to its end, so call one of them once and keep the result.
public struct Request: Sendable {
    /// The scope the application was given.
    public let scope: Scope
    /// The scope's `receive`, from which the body is read.
    public let receive: Receive
    /// Where the helpers log what they refuse (debug level), e.g. the path of a JSON
    /// decoding error, which never goes into the response.
    public var logger: Logger

    /// The view of the request `scope` (HTTP or a WebSocket handshake) reading its body from `receive`.
    public init(_ scope: Scope, _ receive: Receive, logger: Logger = Request.defaultLogger) {
        self.scope = scope
        self.receive = receive
        self.logger = logger
    }

    /// The toolkit's default logger (`ringway.toolkit`).
    public static let defaultLogger = Logger(label: "ringway.toolkit")

    /// The largest body the helpers collect when neither the call nor the route sets a limit: 1 MiB.
    public static let defaultBodyLimit = 1 << 20

    /// The request method (`"GET"`); `"GET"` for a WebSocket handshake, `""` for lifespan.
    public var method: String {
        switch scope {
        case .http(let http): http.method
        case .websocket: "GET"
        case .lifespan: ""
        }
    }

    /// The percent-decoded path.
    public var path: String { scope.path }

    /// The request headers, names lowercased.
    public var headers: Headers { scope.headers }

    /// The query parameters with `urllib.parse.parse_qs` semantics (see `FormData`), parsed
    /// on each access (keep it in a local to read several). Lenient as Python is: an
    /// invalid escape stays as written and invalid UTF-8 becomes U+FFFD.
    public var query: FormData { FormData(query: scope.queryString) }

    /// The cookies of the `cookie` field(s), parsed on each access.
    public var cookies: Cookies { Cookies(headers: scope.headers) }

    /// The media type of `content-type`, lowercased and without parameters
    /// (`"application/json"` for `Application/JSON; charset=utf-8`), or nil when absent.
    public var mediaType: String? {
        guard let value = headers.first("content-type") else { return nil }
        var type = value.prefix { $0 != UInt8(ascii: ";") }
        while let first = type.first, first == 0x20 || first == 0x09 { type = type.dropFirst() }
        while let last = type.last, last == 0x20 || last == 0x09 { type = type.dropLast() }
        return String(decoding: type, as: UTF8.self).lowercased()
    }

    /// The declared `content-length`, or nil when absent (or not a number: the server refuses those).
    public var contentLength: Int? {
        guard let value = headers.first("content-length"), !value.isEmpty, value.count <= 18 else { return nil }
        var length = 0
        for digit in value {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            length = length * 10 + Int(digit - 0x30)
        }
        return length
    }

    // MARK: Body

    /// The whole body, collected from `receive`.
    ///
    /// Past `limit` bytes it throws `HTTPError.contentTooLarge` (413): at once, before reading
    /// anything, for a declared `content-length` over it; for a chunked body as soon as the
    /// collected bytes would pass it (nothing more is buffered). The limit is `limit`, else
    /// the matched route's, else `defaultBodyLimit`. A client that leaves mid-body throws
    /// `ClientDisconnected`.
    public func body(limit: Int? = nil) async throws -> [UInt8] {
        let limit = effectiveLimit(limit)
        guard case .http = scope else {
            throw MessageOrderError(.unexpectedMessage(type: "http.request", scope: scope.type))
        }
        let declared = contentLength
        if let declared, declared > limit { throw HTTPError.contentTooLarge(limit: limit) }
        var collector = BodyCollector(limit: limit, expected: declared)
        while true {
            switch try await receive() {
            case .httpRequest(let piece, let more):
                try collector.append(piece)
                if !more { return collector.take() }
            case .httpDisconnect:
                throw ClientDisconnected()
            default:
                continue  // trailers come after the last piece only; nothing else is an HTTP receive
            }
        }
    }

    /// The body limit for a call given `limit`: the call's, else the route's, else the default.
    func effectiveLimit(_ limit: Int?) -> Int {
        limit ?? routeLimit(of: scope) ?? Self.defaultBodyLimit
    }
}

/// The body limit of the route that matched `scope`, or nil.
///
/// The router sets it (`scope.routeBodyLimit`); this is the one place that reads it.
func routeLimit(of scope: Scope) -> Int? {
    nil
}

/// Collects body pieces up to a limit, refusing the piece that would pass it before
/// copying it. The first piece is kept as it is when it turns out to be the whole body.
struct BodyCollector: Sendable {
    let limit: Int
    private var bytes: [UInt8] = []
    private let expected: Int?
    private var pieces = 0

    init(limit: Int, expected: Int?) {
        self.limit = limit
        self.expected = expected
    }

    /// Adds `piece`, or throws `HTTPError.contentTooLarge` when the body would pass the limit.
    mutating func append(_ piece: [UInt8]) throws(HTTPError) {
        guard piece.count <= limit - bytes.count else { throw HTTPError.contentTooLarge(limit: limit) }
        guard !piece.isEmpty else { return }
        pieces += 1
        if pieces == 1 {
            bytes = piece  // no copy: most bodies arrive in one piece
            return
        }
        if pieces == 2, let expected, expected > bytes.count {
            bytes.reserveCapacity(expected)  // known size: one allocation, not doublings
        }
        bytes.append(contentsOf: piece)
    }

    /// The collected body.
    mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}
