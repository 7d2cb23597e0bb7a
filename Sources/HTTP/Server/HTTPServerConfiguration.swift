public import RingwayHTTPCodec

/// HTTP/1.1 settings of a server: parser limits and response headers.
public struct HTTPServerConfiguration: Sendable {
    /// Request size limits (target 8 KiB → 414, head 16 KiB / 100 fields → 431, body 1 MiB → 413).
    public var limits: HTTPParserLimits
    /// The `server` response header; nil to omit it. Default `"Ringway"`.
    public var serverHeader: String?
    /// Parsed request-body bytes a connection buffers ahead of the application before it
    /// stops reading the socket. Default 256 KiB.
    public var maxBufferedBodyBytes: Int
    /// Unread request-body bytes the server reads and discards after a response so the
    /// connection can be reused; beyond it the connection is closed instead. Default 64 KiB.
    public var maxDiscardedBodyBytes: Int
    /// The ASGI `root_path`. Default `""`.
    public var rootPath: String

    public init(
        limits: HTTPParserLimits = HTTPParserLimits(),
        serverHeader: String? = "Ringway",
        maxBufferedBodyBytes: Int = 256 * 1024,
        maxDiscardedBodyBytes: Int = 64 * 1024,
        rootPath: String = ""
    ) {
        self.limits = limits
        self.serverHeader = serverHeader
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
        self.maxDiscardedBodyBytes = maxDiscardedBodyBytes
        self.rootPath = rootPath
    }
}
