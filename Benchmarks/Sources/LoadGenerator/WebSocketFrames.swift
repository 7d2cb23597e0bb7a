/// The client side of RFC 6455 the generator needs: the upgrade request, a masked message
/// frame built once and sent over and over, and finding where a server frame ends.
enum WebSocketFrames {
    /// The opening handshake for `target` (fixed key: the generator never checks the accept
    /// value's freshness, only that the server answered 101). No extensions are offered.
    static func handshake(_ target: Target) -> [UInt8] {
        Array(("GET \(target.path) HTTP/1.1\r\nhost: \(target.host):\(target.port)\r\nupgrade: websocket\r\n"
            + "connection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n").utf8)
    }

    /// One binary message of `size` bytes as a masked client frame.
    static func maskedBinaryFrame(size: Int) -> [UInt8] {
        var frame: [UInt8] = [0x82]
        switch size {
        case ..<126: frame.append(0x80 | UInt8(size))
        case ..<65536: frame += [0x80 | 126, UInt8(size >> 8), UInt8(size & 0xFF)]
        default: frame += [0x80 | 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) }
        }
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame += key
        for index in 0..<size {
            let byte = UInt8(truncatingIfNeeded: index &* 7 &+ 32)
            frame.append(byte ^ key[index & 3])
        }
        return frame
    }

    enum Outcome: Equatable {
        case incomplete
        /// A whole frame: its opcode, FIN bit and total length (header and payload).
        case frame(opcode: UInt8, fin: Bool, length: Int)
        /// A masked server frame or a length that cannot be real.
        case invalid
    }

    /// Finds the frame at the start of `bytes`.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard bytes.count >= 2 else { return .incomplete }
        let opcode = bytes[0] & 0x0F
        let fin = bytes[0] & 0x80 != 0
        guard bytes[1] & 0x80 == 0 else { return .invalid }
        var header = 2
        var length = Int(bytes[1] & 0x7F)
        if length == 126 {
            guard bytes.count >= 4 else { return .incomplete }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return .incomplete }
            var value: UInt64 = 0
            for index in 2..<10 { value = value << 8 | UInt64(bytes[index]) }
            guard value < 1 << 40 else { return .invalid }
            length = Int(value)
            header = 10
        }
        return bytes.count >= header + length ? .frame(opcode: opcode, fin: fin, length: header + length) : .incomplete
    }
}
