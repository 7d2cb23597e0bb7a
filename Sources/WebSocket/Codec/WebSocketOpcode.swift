/// The frame opcodes of RFC 6455 §5.2. The other values (3–7, 11–15) are reserved, and a frame
/// carrying one is a protocol error.
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0
    case text = 1
    case binary = 2
    case close = 8
    case ping = 9
    case pong = 10

    /// Close, ping and pong: at most 125 bytes, never fragmented, allowed between fragments.
    @inline(__always) var isControl: Bool { rawValue & 0x8 != 0 }
}
