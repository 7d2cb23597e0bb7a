public import RingwayCore

/// Writes HTTP/1.1 response heads and chunked-body framing into a byte buffer.
///
/// Every name must be a token and every value free of control characters (HTAB aside), so an
/// application cannot inject a header or split a response; on a throw the buffer is left as
/// it was. Nothing here decides framing: the caller adds Content-Length, Transfer-Encoding,
/// Connection, Date… through `extraHeaders`, or, on the response path, as `ServerFields`.
public enum HTTPResponseSerializer {
    /// Appends the status line, `head.headers`, `extraHeaders` and the empty line.
    public static func writeHead(_ head: HTTPResponseHead, extraHeaders: Headers, into buffer: inout [UInt8]) throws(HTTPSerializerError) {
        let start = buffer.count
        try writeStatusAndFields(head, extraByteCount: extraHeaders.byteCount + 4 * extraHeaders.count, into: &buffer)
        do throws(HTTPSerializerError) {
            try appendFields(extraHeaders, firstIndex: head.headers.count, inTrailers: false, to: &buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
        append("\r\n", to: &buffer)
    }

    /// Appends the status line, `head.headers`, the server's own fields and the empty line: the
    /// response path's form of `writeHead(_:extraHeaders:into:)`, with no `Headers` to build.
    public static func writeHead(_ head: HTTPResponseHead, fields: ServerFields, into buffer: inout [UInt8]) throws(HTTPSerializerError) {
        let start = buffer.count
        try writeStatusAndFields(head, extraByteCount: 96 + fields.date.count + (fields.server?.utf8.count ?? 0), into: &buffer)
        if !fields.date.isEmpty {
            append("date: ", to: &buffer)
            buffer.append(contentsOf: fields.date)
            append("\r\n", to: &buffer)
        }
        if let server = fields.server {
            guard server.utf8.allSatisfy({ ASCII.isFieldVisible($0) || ASCII.isWhitespace($0) }) else {
                buffer.removeSubrange(start...)
                throw HTTPSerializerError(.invalidFieldValue(name: "server"), inTrailers: false)
            }
            append("server: ", to: &buffer)
            buffer.append(contentsOf: server.utf8)
            append("\r\n", to: &buffer)
        }
        if let length = fields.contentLength {
            append("content-length: ", to: &buffer)
            appendDecimal(length, to: &buffer)
            append("\r\n", to: &buffer)
        }
        if fields.chunked { append("transfer-encoding: chunked\r\n", to: &buffer) }
        switch fields.connection {
        case .close: append("connection: close\r\n", to: &buffer)
        case .keepAlive: append("connection: keep-alive\r\n", to: &buffer)
        case nil: break
        }
        append("\r\n", to: &buffer)
    }

    /// Status line and validated `head.headers`; on a throw the buffer is as it was.
    private static func writeStatusAndFields(_ head: HTTPResponseHead, extraByteCount: Int, into buffer: inout [UInt8]) throws(HTTPSerializerError) {
        guard (100...999).contains(head.status) else { throw HTTPSerializerError(.invalidStatus(head.status)) }
        if let reason = head.reason {
            for byte in reason.utf8 where !(ASCII.isFieldVisible(byte) || ASCII.isWhitespace(byte)) {
                throw HTTPSerializerError(.invalidReasonPhrase)
            }
        }
        let reason = head.reason ?? reasonPhrase(for: head.status)
        let start = buffer.count
        buffer.reserveCapacity(start + 15 + reason.utf8.count + head.headers.byteCount + 4 * head.headers.count + extraByteCount)
        append("HTTP/1.1 ", to: &buffer)
        buffer.append(0x30 + UInt8(head.status / 100))
        buffer.append(0x30 + UInt8(head.status / 10 % 10))
        buffer.append(0x30 + UInt8(head.status % 10))
        buffer.append(ASCII.space)
        buffer.append(contentsOf: reason.utf8)
        append("\r\n", to: &buffer)
        do throws(HTTPSerializerError) {
            try appendFields(head.headers, firstIndex: 0, inTrailers: false, to: &buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    /// `value` in decimal, most significant digit first, without a String.
    private static func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            buffer.append(0x30 + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// Appends one chunk: `<hex size>\r\n<data>\r\n`. An empty `body` writes nothing, since a
    /// zero-size chunk would end the body.
    public static func writeChunk(_ body: some Collection<UInt8>, into buffer: inout [UInt8]) {
        let count = body.count
        guard count > 0 else { return }
        buffer.reserveCapacity(buffer.count + hexDigits(count) + 4 + count)
        writeChunkHeader(size: count, into: &buffer)
        buffer.append(contentsOf: body)
        append("\r\n", to: &buffer)
    }

    /// Appends the size line of a chunk of `size` (> 0) bytes: the chunk data and its CRLF
    /// follow from elsewhere (a file sent by the kernel).
    public static func writeChunkHeader(size: Int, into buffer: inout [UInt8]) {
        assert(size > 0, "a zero-size chunk ends the body")
        let digits = hexDigits(size)
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: size >> shift) & 0xF
            buffer.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)  // 0x57 + 10 == "a"
        }
        append("\r\n", to: &buffer)
    }

    private static func hexDigits(_ value: Int) -> Int {
        (Int.bitWidth - value.leadingZeroBitCount + 3) / 4
    }

    /// Appends the last chunk, the trailers if any, and the empty line that ends the body.
    public static func writeLastChunk(trailers: Headers?, into buffer: inout [UInt8]) throws(HTTPSerializerError) {
        let start = buffer.count
        append("0\r\n", to: &buffer)
        if let trailers {
            do throws(HTTPSerializerError) {
                try appendFields(trailers, firstIndex: 0, inTrailers: true, to: &buffer)
            } catch {
                buffer.removeSubrange(start...)
                throw error
            }
        }
        append("\r\n", to: &buffer)
    }

    /// Whether `name` is a valid field name: a non-empty token (RFC 9110 §5.1, §5.6.2). Also the
    /// shape of other token-valued fields, e.g. a WebSocket subprotocol.
    public static func isValidFieldName(_ name: some Collection<UInt8>) -> Bool {
        !name.isEmpty && name.allSatisfy(ASCII.isToken)
    }

    /// The standard reason phrase of `status` (RFC 9110 §15 and common extensions), or
    /// `Unknown`.
    public static func reasonPhrase(for status: Int) -> String { HTTPReasonPhrase.standard(status) ?? "Unknown" }

    /// Validates and appends `name: value\r\n` for each field.
    private static func appendFields(_ fields: Headers, firstIndex: Int, inTrailers: Bool, to buffer: inout [UInt8]) throws(HTTPSerializerError) {
        for index in fields.indices {
            let name = fields.name(at: index)
            let value = fields.value(at: index)
            guard !name.isEmpty, name.allSatisfy(ASCII.isToken) else {
                throw HTTPSerializerError(.invalidFieldName(index: firstIndex + index), inTrailers: inTrailers)
            }
            guard value.allSatisfy({ ASCII.isFieldVisible($0) || ASCII.isWhitespace($0) }) else {
                throw HTTPSerializerError(.invalidFieldValue(name: String(decoding: name, as: UTF8.self)), inTrailers: inTrailers)
            }
            buffer.append(contentsOf: name)
            append(": ", to: &buffer)
            buffer.append(contentsOf: value)
            append("\r\n", to: &buffer)
        }
    }

    @inline(__always)
    private static func append(_ literal: StaticString, to buffer: inout [UInt8]) {
        // An ASCII StaticString's utf8Start points at `utf8CodeUnitCount` valid bytes.
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
