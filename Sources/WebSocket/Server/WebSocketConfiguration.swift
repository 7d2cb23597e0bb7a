public import RingwayWebSocketCodec

/// WebSocket settings of a server. Defaults follow uvicorn/websockets where they differ
/// from the RFC's silence: 16 MiB messages, ping every 20 s, 20 s to answer it.
public struct WebSocketConfiguration: Sendable {
    /// Frame and message size limits (→ close 1009). Default 16 MiB each.
    public var limits: WebSocketLimits
    /// permessage-deflate (RFC 7692): on by default; once negotiated every message is
    /// compressed (threshold 0), as browsers and Python `websockets` do. Raise `threshold`
    /// to leave small messages uncompressed.
    public var deflate: PerMessageDeflate.Configuration
    /// How often the server pings an idle client; nil turns keepalive off. Default 20 s.
    public var pingInterval: Duration?
    /// How long a ping may go unanswered before the connection is closed (1011). Default 20 s.
    public var pingTimeout: Duration
    /// How long the server waits for the client's close frame after sending its own. Default 10 s.
    public var closeTimeout: Duration
    /// Received messages buffered ahead of the application before the server stops
    /// reading the socket, in bytes. Default 1 MiB.
    public var maxBufferedBytes: Int

    public init(
        limits: WebSocketLimits = WebSocketLimits(),
        deflate: PerMessageDeflate.Configuration = PerMessageDeflate.Configuration(threshold: 0),
        pingInterval: Duration? = .seconds(20),
        pingTimeout: Duration = .seconds(20),
        closeTimeout: Duration = .seconds(10),
        maxBufferedBytes: Int = 1 << 20
    ) {
        self.limits = limits
        self.deflate = deflate
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.closeTimeout = closeTimeout
        self.maxBufferedBytes = maxBufferedBytes
    }
}
