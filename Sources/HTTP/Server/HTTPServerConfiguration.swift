public import RingwayCore
public import RingwayHTTPCodec

/// HTTP/1.1 settings of a server: limits, timeouts and response headers.
///
/// Defaults, next to the peers' (see README "Limits and timeouts"):
/// target 8 KiB → 414; head 16 KiB and 100 fields → 431; body 1 MiB → 413;
/// header read 10 s → 408; body read 30 s between bytes → 408; keep-alive idle 15 s;
/// a client that reads nothing for 60 s while a response waits is disconnected.
public struct HTTPServerConfiguration: Sendable {
    /// Request size limits (target 8 KiB → 414, head 16 KiB / 100 fields → 431, body 1 MiB → 413).
    public var limits: HTTPParserLimits
    /// Per-request body limit: return a limit for a request (by method, path, headers)
    /// to override `limits.maxBodyBytes` for it, or nil to keep the default. A limit above
    /// `limits.maxBodyBytes` needs that raised too, since the parser enforces the maximum.
    public var bodyLimit: (@Sendable (_ method: String, _ path: String, _ headers: Headers) -> UInt64?)?
    /// The `server` response header; nil to omit it. Default `"Ringway"`.
    public var serverHeader: String?
    /// Time allowed to receive a whole request head, counted from the connection's accept
    /// or the head's first byte (slowloris). Expiry answers 408 and closes. Default 10 s.
    public var headerTimeout: Duration
    /// Longest wait for the next piece of a request body the app is reading. Expiry
    /// answers 408 (or closes, once the response started). Default 30 s.
    public var bodyTimeout: Duration
    /// How long an idle keep-alive connection stays open between requests. Default 15 s.
    public var keepAliveTimeout: Duration
    /// How long `send` may wait for a client that does not read before the connection is
    /// closed and `send` throws `ClientDisconnected`. Default 60 s.
    public var sendTimeout: Duration
    /// Parsed request-body bytes a connection buffers ahead of the application before it
    /// stops reading the socket. Default 256 KiB.
    public var maxBufferedBodyBytes: Int
    /// Unread request-body bytes the server reads and discards after a response so the
    /// connection can be reused; beyond it the connection is closed instead. Default 64 KiB.
    public var maxDiscardedBodyBytes: Int
    /// The ASGI `root_path`. Default `""`.
    public var rootPath: String
    /// Protocols a request may upgrade to (WebSocket). A request asking for another
    /// protocol is served as plain HTTP.
    package var upgraders: [any HTTPUpgrader] = []

    public init(
        limits: HTTPParserLimits = HTTPParserLimits(),
        bodyLimit: (@Sendable (_ method: String, _ path: String, _ headers: Headers) -> UInt64?)? = nil,
        serverHeader: String? = "Ringway",
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        keepAliveTimeout: Duration = .seconds(15),
        sendTimeout: Duration = .seconds(60),
        maxBufferedBodyBytes: Int = 256 * 1024,
        maxDiscardedBodyBytes: Int = 64 * 1024,
        rootPath: String = ""
    ) {
        self.limits = limits
        self.bodyLimit = bodyLimit
        self.serverHeader = serverHeader
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.keepAliveTimeout = keepAliveTimeout
        self.sendTimeout = sendTimeout
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
        self.maxDiscardedBodyBytes = maxDiscardedBodyBytes
        self.rootPath = rootPath
    }
}
