/// One Server-Sent Event: what an encoder writes and what a parser dispatches.
///
/// On the wire (WHATWG HTML §9.2): `event: <type>`, `id: <id>`, `retry: <ms>`, one
/// `data: <line>` per line of `data`, then a blank line.
public struct ServerSentEvent: Sendable, Hashable {
    /// The event's data; lines are separated by LF (CR and CRLF are written as line breaks too).
    public var data: String
    /// The event type (`event:`); nil is the default type, `message`.
    public var event: String?
    /// The event id (`id:`): the client sends the last one back as `Last-Event-ID` when it reconnects.
    public var id: String?
    /// The reconnection delay the client should use, in milliseconds (`retry:`).
    public var retry: Int?

    public init(data: String, event: String? = nil, id: String? = nil, retry: Int? = nil) {
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
    }
}
