/// Writes `text/event-stream` bytes, sans-I/O: events (`event`, `id`, `retry`, `data`) and
/// comments. Data and comments may hold any text — every line break (CRLF, CR, LF) starts a
/// new `data:` (or `:`) line — but an `id` or `event` with CR, LF or NUL could not be read
/// back as written and is refused with `SSEEncodingError`, leaving the buffer unchanged.
public enum SSEEncoder {
    /// Appends `event`, ending with the blank line that dispatches it.
    public static func append(_ event: ServerSentEvent, into buffer: inout [UInt8]) throws(SSEEncodingError) {
        if let type = event.event, let bad = forbiddenByte(in: type) { throw SSEEncodingError(.invalidEvent(type, byte: bad)) }
        if let id = event.id, let bad = forbiddenByte(in: id) { throw SSEEncodingError(.invalidID(id, byte: bad)) }
        if let retry = event.retry, retry < 0 { throw SSEEncodingError(.negativeRetry(retry)) }
        buffer.reserveCapacity(buffer.count + event.data.utf8.count + 16 + (event.event?.utf8.count ?? 0) + (event.id?.utf8.count ?? 0))
        if let type = event.event { appendField("event: ", type.utf8, into: &buffer) }
        if let id = event.id { appendField("id: ", id.utf8, into: &buffer) }
        if let retry = event.retry { appendField("retry: ", String(retry).utf8, into: &buffer) }
        appendLines(prefix: "data: ", event.data, into: &buffer)
        buffer.append(10)
    }

    /// Appends a comment (`: text`), e.g. a heartbeat; clients ignore it.
    public static func appendComment(_ text: String, into buffer: inout [UInt8]) {
        appendLines(prefix: text.isEmpty ? ":" : ": ", text, into: &buffer)
    }

    /// A `retry:` field on its own (a reconnection hint without an event).
    public static func appendRetry(milliseconds: Int, into buffer: inout [UInt8]) throws(SSEEncodingError) {
        guard milliseconds >= 0 else { throw SSEEncodingError(.negativeRetry(milliseconds)) }
        appendField("retry: ", String(milliseconds).utf8, into: &buffer)
        buffer.append(10)
    }

    /// The bytes of `event`.
    public static func encode(_ event: ServerSentEvent) throws(SSEEncodingError) -> [UInt8] {
        var buffer: [UInt8] = []
        try append(event, into: &buffer)
        return buffer
    }

    private static func appendField(_ name: StaticString, _ value: some Collection<UInt8>, into buffer: inout [UInt8]) {
        name.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: value)
        buffer.append(10)
    }

    /// One `prefix` line per line of `text`, split at CRLF, CR and LF.
    private static func appendLines(prefix: StaticString, _ text: String, into buffer: inout [UInt8]) {
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == 10 || byte == 13 {
                appendField(prefix, bytes[start..<index], into: &buffer)
                var next = bytes.index(after: index)
                if byte == 13, next != bytes.endIndex, bytes[next] == 10 { next = bytes.index(after: next) }
                index = next
                start = next
            } else {
                index = bytes.index(after: index)
            }
        }
        appendField(prefix, bytes[start..<bytes.endIndex], into: &buffer)
    }

    /// The first CR, LF or NUL in `text`.
    private static func forbiddenByte(in text: String) -> UInt8? {
        text.utf8.first { $0 == 10 || $0 == 13 || $0 == 0 }
    }
}

/// An event field that cannot be written without corrupting the stream.
public struct SSEEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The `id` holds CR, LF or NUL (`byte`): it would end the field early or be ignored by clients.
        case invalidID(String, byte: UInt8)
        /// The `event` type holds CR, LF or NUL (`byte`).
        case invalidEvent(String, byte: UInt8)
        /// `retry` must be zero or more milliseconds.
        case negativeRetry(Int)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .invalidID(let id, let byte): "SSE id \(id.debugDescription) contains \(Self.name(byte)); nothing was written"
        case .invalidEvent(let type, let byte): "SSE event type \(type.debugDescription) contains \(Self.name(byte)); nothing was written"
        case .negativeRetry(let value): "SSE retry must be zero or more milliseconds, not \(value)"
        }
    }

    private static func name(_ byte: UInt8) -> String {
        switch byte {
        case 10: "LF"
        case 13: "CR"
        default: "NUL"
        }
    }
}
