/// Writes frames (RFC 6455 §5.2): FIN set, with the payload length in its shortest form. A
/// server's frames are unmasked (`mask: nil`, the default); a client passes a masking key for
/// every frame (`mask:`, e.g. `WebSocketEncoder.randomMaskKey()`), and the payload is masked
/// with it on the way into the buffer.
///
/// Each call appends one whole frame to the caller's buffer. Misuse that no input can cause
/// (a control opcode passed as a message, a data opcode as a control frame) stops the program;
/// oversized control payloads and close reasons are cut to fit, never sent invalid.
public enum WebSocketEncoder {
    /// The longest frame header a server writes: 2 bytes and a 64-bit length, no masking key.
    public static let maxHeaderLength = 10
    /// The longest frame header a client writes: `maxHeaderLength` and the 4-byte masking key.
    public static let maxMaskedHeaderLength = 14

    /// A masking key from the system's random source, as RFC 6455 §5.3 asks of a client.
    public static func randomMaskKey() -> UInt32 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }

    /// Appends one complete message as a single frame. With `deflate` and a payload of at least
    /// `deflate.threshold` bytes, the payload is compressed and RSV1 set (RFC 7692 §6).
    /// `mask` masks the frame (a client's); nil leaves it unmasked (a server's).
    public static func appendMessage(_ payload: some Collection<UInt8>, opcode: WebSocketOpcode, deflate: inout PerMessageDeflate?, mask: UInt32? = nil, into buffer: inout [UInt8]) {
        precondition(opcode == .text || opcode == .binary, "a message is text or binary")
        if let threshold = deflate?.threshold, payload.count >= threshold {
            let compressed = payload.withContiguousStorageIfAvailable { appendCompressed(UnsafeRawBufferPointer($0), opcode: opcode, deflate: &deflate, mask: mask, into: &buffer) }
                ?? Array(payload).withUnsafeBytes { appendCompressed($0, opcode: opcode, deflate: &deflate, mask: mask, into: &buffer) }
            if compressed { return }
        }
        appendMessage(payload, opcode: opcode, mask: mask, into: &buffer)
    }

    /// Appends one complete message as a single uncompressed frame, masked with `mask` if given.
    public static func appendMessage(_ payload: some Collection<UInt8>, opcode: WebSocketOpcode, mask: UInt32? = nil, into buffer: inout [UInt8]) {
        precondition(opcode == .text || opcode == .binary, "a message is text or binary")
        appendHeader(rsv1: false, opcode: opcode, length: payload.count, mask: mask, into: &buffer)
        appendPayload(payload, mask: mask, into: &buffer)
    }

    /// Appends a ping or pong (or a close with a raw payload). Payloads over 125 bytes are cut
    /// to 125, the most a control frame carries; a pong echoing a decoded ping always fits.
    public static func appendControl(_ opcode: WebSocketOpcode, payload: some Collection<UInt8>, mask: UInt32? = nil, into buffer: inout [UInt8]) {
        precondition(opcode.isControl, "ping, pong or close")
        let payload = payload.prefix(125)
        appendHeader(rsv1: false, opcode: opcode, length: payload.count, mask: mask, into: &buffer)
        appendPayload(payload, mask: mask, into: &buffer)
    }

    /// Appends a close frame with `code` and `reason`, the reason cut to 123 bytes (125 less the
    /// code) at a UTF-8 scalar boundary. Codes 1005, 1006 and 1015 are for local use and must not
    /// be sent (RFC 6455 §7.4.1); that is the caller's to respect.
    public static func appendClose(code: UInt16, reason: String, mask: UInt32? = nil, into buffer: inout [UInt8]) {
        let utf8 = reason.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: 123, limitedBy: utf8.endIndex) ?? utf8.endIndex
        // Back off over continuation bytes (10xxxxxx): the cut must fall before a scalar's first byte.
        while end != utf8.endIndex, end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { utf8.formIndex(before: &end) }
        let cut = utf8[..<end]
        appendHeader(rsv1: false, opcode: .close, length: 2 + cut.count, mask: mask, into: &buffer)
        let start = buffer.count
        buffer.append(UInt8(truncatingIfNeeded: code >> 8))
        buffer.append(UInt8(truncatingIfNeeded: code))
        buffer.append(contentsOf: cut)
        if let mask { maskTail(of: &buffer, from: start, key: mask) }
    }

    /// Compresses `payload` after a placeholder of the longest header, then writes the real
    /// header and closes the gap. False, with `buffer` unchanged, if zlib was unavailable.
    private static func appendCompressed(_ payload: UnsafeRawBufferPointer, opcode: WebSocketOpcode, deflate: inout PerMessageDeflate?, mask: UInt32?, into buffer: inout [UInt8]) -> Bool {
        let start = buffer.count
        let placeholder = mask == nil ? maxHeaderLength : maxMaskedHeaderLength
        buffer.append(contentsOf: repeatElement(0, count: placeholder))
        // The caller checked that `deflate` is set.
        guard deflate!.compressMessage(payload, appendingTo: &buffer) else {
            buffer.removeLast(placeholder)
            return false
        }
        let length = buffer.count - start - placeholder
        let headerLength = buffer.withUnsafeMutableBytes { bytes in
            // `bytes[start..<start + placeholder]` is the placeholder appended above.
            writeHeader(rsv1: true, opcode: opcode, length: length, mask: mask, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start..<start + placeholder]))
        }
        buffer.removeSubrange(start + headerLength..<start + placeholder)
        if let mask { maskTail(of: &buffer, from: start + headerLength, key: mask) }
        return true
    }

    @inline(__always)
    private static func appendHeader(rsv1: Bool, opcode: WebSocketOpcode, length: Int, mask: UInt32?, into buffer: inout [UInt8]) {
        let start = buffer.count
        // No more room than the header needs: a buffer reserved for `maxHeaderLength` plus the
        // payload must not grow on a server frame.
        let placeholder = mask == nil ? maxHeaderLength : maxMaskedHeaderLength
        buffer.append(contentsOf: repeatElement(0, count: placeholder))
        let headerLength = buffer.withUnsafeMutableBytes { bytes in
            // `bytes[start...]` is the `placeholder` bytes just appended.
            writeHeader(rsv1: rsv1, opcode: opcode, length: length, mask: mask, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
        }
        buffer.removeLast(placeholder - headerLength)
    }

    /// Appends `payload`, masked with `mask` if given.
    @inline(__always)
    private static func appendPayload(_ payload: some Collection<UInt8>, mask: UInt32?, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: payload)
        if let mask { maskTail(of: &buffer, from: start, key: mask) }
    }

    /// Masks `buffer[start...]`, a payload from its first byte, with `key`.
    private static func maskTail(of buffer: inout [UInt8], from start: Int, key: UInt32) {
        buffer.withUnsafeMutableBytes { bytes in
            _ = applyWebSocketMask(UnsafeMutableRawBufferPointer(rebasing: bytes[start...]), key: key, phase: 0)
        }
    }

    /// Writes a header with FIN set into `header` (at least `maxHeaderLength` bytes, 4 more with
    /// `mask`), the mask bit and key after the length when `mask` is given; returns its length:
    /// 2, 4 or 10 unmasked, 6, 8 or 14 masked.
    static func writeHeader(rsv1: Bool, opcode: WebSocketOpcode, length: Int, mask: UInt32? = nil, to header: UnsafeMutableRawBufferPointer) -> Int {
        header[0] = WebSocketFrameHeader.finBit | (rsv1 ? WebSocketFrameHeader.rsv1Bit : 0) | opcode.rawValue
        let maskBit = mask == nil ? 0 : WebSocketFrameHeader.maskBit
        let lengthEnd: Int
        switch length {
        case ..<126:
            header[1] = maskBit | UInt8(length)
            lengthEnd = 2
        case ..<0x1_0000:
            header[1] = maskBit | 126
            // `header` has at least 10 bytes.
            header.storeBytes(of: UInt16(length).bigEndian, toByteOffset: 2, as: UInt16.self)
            lengthEnd = 4
        default:
            header[1] = maskBit | 127
            // `header` has at least 10 bytes.
            header.storeBytes(of: UInt64(length).bigEndian, toByteOffset: 2, as: UInt64.self)
            lengthEnd = 10
        }
        guard let mask else { return lengthEnd }
        // With `mask`, `header` has at least 14 bytes: room for the key after any length form.
        header.storeBytes(of: mask.bigEndian, toByteOffset: lengthEnd, as: UInt32.self)
        return lengthEnd + 4
    }
}
