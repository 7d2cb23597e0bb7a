/// The fields a server adds to every response head itself — date, server, framing and
/// connection — written straight into the head by `HTTPResponseSerializer.writeHead(_:fields:into:)`
/// with no intermediate `Headers` and no number-to-string allocation.
public struct ServerFields: Sendable {
    /// `connection:` as the server decided it, or nil to leave it out (HTTP/1.1 keep-alive).
    public enum ConnectionField: Sendable { case close, keepAlive }

    /// The `date` value (IMF-fixdate bytes), or empty to omit it.
    public var date: [UInt8]
    /// The `server` value, or nil to omit it. Must be visible ASCII (checked when written).
    public var server: String?
    /// `content-length`, or nil for none.
    public var contentLength: UInt64?
    /// `transfer-encoding: chunked`.
    public var chunked: Bool
    /// `connection: close` or `connection: keep-alive` (HTTP/1.0), or nil for none.
    public var connection: ConnectionField?

    public init(date: [UInt8] = [], server: String? = nil, contentLength: UInt64? = nil, chunked: Bool = false, connection: ConnectionField? = nil) {
        self.date = date
        self.server = server
        self.contentLength = contentLength
        self.chunked = chunked
        self.connection = connection
    }
}
