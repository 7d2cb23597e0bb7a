/// A WebSocket message framed once, to be sent to many sockets (a broadcast): each socket
/// writes the same immutable frame bytes, so fan-out to N sockets costs one encoding and no
/// copies. Build one with `PreparedWebSocketMessage(_:)` from the `Ringway` module and send
/// it with `.websocketSendPrepared` (or `WebSocket.send(_:)`).
///
/// The frame is never compressed, even to sockets that negotiated permessage-deflate:
/// a compressed frame depends on each socket's own compression context.
public struct PreparedWebSocketMessage: Sendable, Equatable {
    /// The message the frame carries.
    public let message: WebSocketMessage
    /// The complete server frame (FIN set, unmasked), shared by every socket that sends it.
    package let frame: [UInt8]

    /// Wraps an already encoded frame; the WebSocket module's initializer does the encoding.
    package init(message: WebSocketMessage, frame: [UInt8]) {
        self.message = message
        self.frame = frame
    }
}
