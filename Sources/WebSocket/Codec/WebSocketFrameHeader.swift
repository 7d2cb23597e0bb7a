/// One frame header, as RFC 6455 §5.2 lays it out:
///
/// ```
///   byte 0          byte 1          bytes 2…     (0, 2 or 8)     then (0 or 4)
///  +-+-+-+-+-------+-+-------------+-----------------------------+-------------+
///  |F|R|R|R| opcode|M| payload len | extended payload length     | masking key |
///  |I|S|S|S|  (4)  |A|     (7)     | 16 bits if len7 == 126,     | if MASK set |
///  |N|V|V|V|       |S|             | 64 bits if len7 == 127      |             |
///  | |1|2|3|       |K|             | (network order, MSB 0)      |             |
///  +-+-+-+-+-------+-+-------------+-----------------------------+-------------+
/// ```
///
/// The first two bytes fix the header's length (2 to 14 bytes), so the decoder checks them as
/// soon as they arrive and knows how many more to wait for.
struct WebSocketFrameHeader: Sendable {
    var fin: Bool
    /// The permessage-deflate "compressed" bit (RFC 7692 §6).
    var rsv1: Bool
    var opcode: WebSocketOpcode
    /// The masking key in wire order (see `applyWebSocketMask`); 0 for an unmasked frame.
    var maskKey: UInt32
    var payloadLength: UInt64

    static let finBit: UInt8 = 0x80
    static let rsv1Bit: UInt8 = 0x40
    static let rsv2And3Bits: UInt8 = 0x30
    static let opcodeBits: UInt8 = 0x0F
    static let maskBit: UInt8 = 0x80
    static let lengthBits: UInt8 = 0x7F

    /// Bytes in the whole header whose second byte is `second`.
    @inline(__always)
    static func length(secondByte second: UInt8) -> Int {
        let extended = switch second & lengthBits {
        case 126: 2
        case 127: 8
        default: 0
        }
        return 2 + extended + (second & maskBit != 0 ? 4 : 0)
    }
}

extension WebSocketFrameHeader {

    /// Parses a complete header: `bytes.count == length(secondByte: bytes[1])`, and `opcode` is
    /// byte 0's opcode, already checked. Throws 1002 for a 64-bit length with its top bit set
    /// or a length not in its shortest form (RFC 6455 §5.2: "the minimal number of bytes MUST be
    /// used").
    init(parsing bytes: UnsafeRawBufferPointer, opcode: WebSocketOpcode) throws(WebSocketProtocolError) {
        let first = bytes[0]
        let second = bytes[1]
        fin = first & Self.finBit != 0
        rsv1 = first & Self.rsv1Bit != 0
        self.opcode = opcode
        var position = 2
        switch second & Self.lengthBits {
        case 126:
            // The caller passes the whole header, which has 2 length bytes after byte 1.
            payloadLength = UInt64(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
            position = 4
            guard payloadLength >= 126 else { throw .protocolError("payload length not in its shortest form") }
        case 127:
            // The caller passes the whole header, which has 8 length bytes after byte 1.
            payloadLength = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            position = 10
            guard payloadLength >> 63 == 0 else { throw .protocolError("64-bit payload length with the top bit set") }
            guard payloadLength > 0xFFFF else { throw .protocolError("payload length not in its shortest form") }
        case let short:
            payloadLength = UInt64(short)
        }
        // With MASK set the header ends with the 4 key bytes, counted in `length(secondByte:)`.
        maskKey = second & Self.maskBit != 0 ? UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)) : 0
    }
}
