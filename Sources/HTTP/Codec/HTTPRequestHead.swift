public import RingwayCore

/// How the body of a request is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Equatable {
    /// No body: neither Content-Length nor Transfer-Encoding was sent.
    case none
    /// Exactly this many bytes follow the head.
    case contentLength(UInt64)
    /// `Transfer-Encoding: chunked`: chunks follow, then optional trailers.
    case chunked
}

/// A parsed request head: the request line, the header fields and what the parser derived from
/// them. It is the only part of a request copied out of the receive buffer, once.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method, a case-sensitive token such as `GET`.
    public var method: String
    /// The request-target bytes as sent; see `RequestTarget` to split and decode them.
    public var target: [UInt8]
    public var version: HTTPVersion
    /// Header fields in order, names lowercased, values with surrounding whitespace trimmed.
    public var headers: Headers
    /// Whether the connection stays open after this exchange: HTTP/1.1 unless `Connection:
    /// close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// Whether `Expect: 100-continue` was sent.
    public var expectsContinue: Bool
    /// Whether this is an HTTP/1.1 upgrade request: a `Connection: upgrade` token and an
    /// `Upgrade` field.
    public var isUpgrade: Bool
    public var bodyFraming: HTTPBodyFraming

    public init(
        method: String,
        target: [UInt8],
        version: HTTPVersion,
        headers: Headers,
        keepAlive: Bool,
        expectsContinue: Bool = false,
        isUpgrade: Bool = false,
        bodyFraming: HTTPBodyFraming = .none
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.isUpgrade = isUpgrade
        self.bodyFraming = bodyFraming
    }
}
