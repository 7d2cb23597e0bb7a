/// What `WebSocketDecoder` reports, in wire order.
///
/// Data messages are reported whole, once their last fragment arrived (and was decompressed);
/// control frames as they arrive, even between the fragments of a message.
public enum WebSocketEvent: Sendable, Equatable {
    /// A complete text message, checked to be UTF-8 (incrementally, across fragments).
    case text(String)
    /// A complete binary message.
    case binary([UInt8])
    /// A ping; the application answers with a pong carrying the same payload.
    case ping([UInt8])
    /// A pong (solicited or not).
    case pong([UInt8])
    /// The peer's close frame: its status code (nil when the payload was empty) and its UTF-8
    /// reason. The decoder ignores every byte after it.
    case close(code: UInt16?, reason: String)
}
