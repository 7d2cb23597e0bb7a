/// Writes server frames (RFC 6455 §5.2): FIN set, never masked (only clients mask), with the
/// payload length in its shortest form.
///
/// Each call appends one whole frame to the caller's buffer. Misuse that no input can cause
/// (a control opcode passed as a message, a data opcode as a control frame) stops the program;
/// oversized control payloads and close reasons are cut to fit, never sent invalid.
public enum WebSocketEncoder {
    /// The longest frame header a server writes: 2 bytes and a 64-bit length, no masking key.
    public static let maxHeaderLength = 10

    /// Appends one complete message as a single frame. With `deflate` and a payload of at least
    /// `deflate.threshold` bytes, the payload is compressed and RSV1 set (RFC 7692 §6).
    public static func appendMessage(_ payload: some Collection<UInt8>, opcode: WebSocketOpcode, deflate: inout PerMessageDeflate?, into buffer: inout [UInt8]) {
        precondition(opcode == .text || opcode == .binary, "a message is text or binary")
        if let threshold = deflate?.threshold, payload.count >= threshold {
            let compressed = payload.withContiguousStorageIfAvailable { appendCompressed(UnsafeRawBufferPointer($0), opcode: opcode, deflate: &deflate, into: &buffer) }
                ?? Array(payload).withUnsafeBytes { appendCompressed($0, opcode: opcode, deflate: &deflate, into: &buffer) }
            if compressed { return }
        }
        appendMessage(payload, opcode: opcode, into: &buffer)
    }

    /// Appends one complete message as a single uncompressed frame.
    public static func appendMessage(_ payload: some Collection<UInt8>, opcode: WebSocketOpcode, into buffer: inout [UInt8]) {
        precondition(opcode == .text || opcode == .binary, "a message is text or binary")
        appendHeader(rsv1: false, opcode: opcode, length: payload.count, into: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// Appends a ping or pong (or a close with a raw payload). Payloads over 125 bytes are cut
    /// to 125, the most a control frame carries; a pong echoing a decoded ping always fits.
    public static func appendControl(_ opcode: WebSocketOpcode, payload: some Collection<UInt8>, into buffer: inout [UInt8]) {
        precondition(opcode.isControl, "ping, pong or close")
        let payload = payload.prefix(125)
        appendHeader(rsv1: false, opcode: opcode, length: payload.count, into: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// Appends a close frame with `code` and `reason`, the reason cut to 123 bytes (125 less the
    /// code) at a UTF-8 scalar boundary. Codes 1005, 1006 and 1015 are for local use and must not
    /// be sent (RFC 6455 §7.4.1); that is the caller's to respect.
    public static func appendClose(code: UInt16, reason: String, into buffer: inout [UInt8]) {
        let utf8 = reason.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: 123, limitedBy: utf8.endIndex) ?? utf8.endIndex
        // Back off over continuation bytes (10xxxxxx): the cut must fall before a scalar's first byte.
        while end != utf8.endIndex, end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { utf8.formIndex(before: &end) }
        let cut = utf8[..<end]
        appendHeader(rsv1: false, opcode: .close, length: 2 + cut.count, into: &buffer)
        buffer.append(UInt8(truncatingIfNeeded: code >> 8))
        buffer.append(UInt8(truncatingIfNeeded: code))
        buffer.append(contentsOf: cut)
    }

    /// Compresses `payload` after a placeholder of the longest header, then writes the real
    /// header and closes the gap. False, with `buffer` unchanged, if zlib was unavailable.
    private static func appendCompressed(_ payload: UnsafeRawBufferPointer, opcode: WebSocketOpcode, deflate: inout PerMessageDeflate?, into buffer: inout [UInt8]) -> Bool {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: maxHeaderLength))
        // The caller checked that `deflate` is set.
        guard deflate!.compressMessage(payload, appendingTo: &buffer) else {
            buffer.removeLast(maxHeaderLength)
            return false
        }
        let length = buffer.count - start - maxHeaderLength
        let headerLength = buffer.withUnsafeMutableBytes { bytes in
            // `bytes[start..<start + maxHeaderLength]` is the placeholder appended above.
            writeHeader(rsv1: true, opcode: opcode, length: length, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start..<start + maxHeaderLength]))
        }
        buffer.removeSubrange(start + headerLength..<start + maxHeaderLength)
        return true
    }

    private static func appendHeader(rsv1: Bool, opcode: WebSocketOpcode, length: Int, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: maxHeaderLength))
        let headerLength = buffer.withUnsafeMutableBytes { bytes in
            // `bytes[start...]` is the `maxHeaderLength` bytes just appended.
            writeHeader(rsv1: rsv1, opcode: opcode, length: length, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
        }
        buffer.removeLast(maxHeaderLength - headerLength)
    }

    /// Writes an unmasked header with FIN set into `header` (at least `maxHeaderLength` bytes);
    /// returns its length: 2, 4 or 10.
    static func writeHeader(rsv1: Bool, opcode: WebSocketOpcode, length: Int, to header: UnsafeMutableRawBufferPointer) -> Int {
        header[0] = WebSocketFrameHeader.finBit | (rsv1 ? WebSocketFrameHeader.rsv1Bit : 0) | opcode.rawValue
        switch length {
        case ..<126:
            header[1] = UInt8(length)
            return 2
        case ..<0x1_0000:
            header[1] = 126
            // `header` has at least 10 bytes.
            header.storeBytes(of: UInt16(length).bigEndian, toByteOffset: 2, as: UInt16.self)
            return 4
        default:
            header[1] = 127
            // `header` has at least 10 bytes.
            header.storeBytes(of: UInt64(length).bigEndian, toByteOffset: 2, as: UInt64.self)
            return 10
        }
    }
}
