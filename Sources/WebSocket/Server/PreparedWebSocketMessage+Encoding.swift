public import RingwayRuntime
import RingwayWebSocketCodec

extension PreparedWebSocketMessage {
    /// Frames `message` once (uncompressed, FIN set, unmasked) for sending to many sockets.
    public init(_ message: WebSocketMessage) {
        var frame: [UInt8] = []
        switch message {
        case .text(let text): WebSocketEncoder.appendMessage(text.utf8, opcode: .text, into: &frame)
        case .binary(let bytes): WebSocketEncoder.appendMessage(bytes, opcode: .binary, into: &frame)
        }
        self.init(message: message, frame: frame)
    }
}
