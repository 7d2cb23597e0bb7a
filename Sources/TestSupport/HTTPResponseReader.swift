public import RingwayCore

/// Reads HTTP/1.1 responses from bytes as they arrive, sans-I/O: the client half of the test
/// clients (in memory and live), so both read the wire the same way.
///
/// ```
/// feed(bytes) ─▶ next(method:) ─▶ .head ─▶ .body* ─▶ .end(trailers) ─▶ .head …
///                     └─ nil: needs more bytes (or `finish()` for the end of the stream)
/// ```
/// Framing follows RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304; `transfer-encoding:
/// chunked`; `content-length`; otherwise the body runs until the server closes. Interim 1xx
/// responses other than 101 come out as `.informational`.
public struct HTTPResponseReader: Sendable {
    /// What the reader found.
    public enum Event: Sendable, Equatable {
        /// A 1xx response other than 101 (e.g. `100 Continue`).
        case informational(status: Int, headers: Headers)
        /// The status line and headers of a final response (names lowercased).
        case head(status: Int, headers: Headers)
        /// Body bytes, as they arrived (one wire chunk at most).
        case body([UInt8])
        /// The end of the response, with the trailers of a chunked body.
        case end(trailers: Headers)
    }

    private enum State: Sendable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(Headers)
        case untilClose
    }

    private var buffer: [UInt8] = []
    private var start = 0
    private var state = State.head
    private var ended = false

    public init() {}

    /// Adds bytes read from the connection.
    public mutating func feed(_ bytes: [UInt8]) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The server closed the connection: a close-delimited body ends here.
    public mutating func finish() { ended = true }

    /// Bytes fed but not consumed (after a 101: the first bytes of the new protocol).
    public mutating func takeRemaining() -> [UInt8] {
        defer { buffer = []; start = 0 }
        return Array(buffer[start...])
    }

    /// Whether the reader is between responses (nothing of a next one read yet).
    public var isIdle: Bool {
        if case .head = state { return start == buffer.count }
        return false
    }

    /// The next event of the response to a `method` request, or nil when more bytes are
    /// needed. Throws `HTTPResponseReaderError` for bytes that are not a valid response.
    public mutating func next(method: String) throws(HTTPResponseReaderError) -> Event? {
        switch state {
        case .head:
            guard let end = find(crlfcrlf) else {
                if ended && start < buffer.count { throw .truncated("the connection closed inside a response head") }
                return nil
            }
            let (status, headers) = try parseHead(buffer[start..<end])
            start = end + 4
            if (100..<200).contains(status) && status != 101 { return .informational(status: status, headers: headers) }
            if method == "HEAD" || status == 204 || status == 304 || status == 101 {
                state = .fixed(remaining: 0)  // bodiless: `.end` follows at once
                return .head(status: status, headers: headers)
            }
            if let coding = headers["transfer-encoding"], coding.lowercased().contains("chunked") {
                state = .chunkSize
            } else if let value = headers["content-length"] {
                guard let length = Int(value), length >= 0 else { throw .malformed("content-length '\(value)'") }
                state = .fixed(remaining: length)
            } else {
                state = .untilClose
            }
            return .head(status: status, headers: headers)
        case .fixed(let remaining):
            if remaining == 0 {
                state = .head
                return .end(trailers: Headers())
            }
            guard start < buffer.count else {
                if ended { throw .truncated("the connection closed with \(remaining) body bytes unread") }
                return nil
            }
            let take = min(remaining, buffer.count - start)
            defer { start += take }
            state = .fixed(remaining: remaining - take)
            return .body(Array(buffer[start..<start + take]))
        case .chunkSize:
            guard let end = find(crlf) else { return try needMore("a chunk size line") }
            let line = String(decoding: buffer[start..<end], as: UTF8.self)
            guard let size = Int(line.split(separator: ";").first.map(String.init)?.trimmingSpaces ?? "", radix: 16), size >= 0 else {
                throw .malformed("chunk size '\(line)'")
            }
            start = end + 2
            state = size == 0 ? .trailers(Headers()) : .chunkData(remaining: size)
            return try next(method: method)
        case .chunkData(let remaining):
            guard start < buffer.count else { return try needMore("a chunk") }
            let take = min(remaining, buffer.count - start)
            defer { start += take }
            state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            return .body(Array(buffer[start..<start + take]))
        case .chunkDataEnd:
            guard buffer.count - start >= 2 else { return try needMore("a chunk's CRLF") }
            guard buffer[start] == 13 && buffer[start + 1] == 10 else { throw .malformed("chunk data not followed by CRLF") }
            start += 2
            state = .chunkSize
            return try next(method: method)
        case .trailers(var trailers):
            while true {
                guard let end = find(crlf) else { return try needMore("the trailer section") }
                let line = buffer[start..<end]
                start = end + 2
                if line.isEmpty {
                    state = .head
                    return .end(trailers: trailers)
                }
                let (name, value) = try Self.field(line)
                trailers.append(name: name, value: value)
                state = .trailers(trailers)
            }
        case .untilClose:
            if start < buffer.count {
                defer { start = buffer.count }
                return .body(Array(buffer[start...]))
            }
            guard ended else { return nil }
            state = .head
            return .end(trailers: Headers())
        }
    }

    private func needMore(_ what: String) throws(HTTPResponseReaderError) -> Event? {
        if ended { throw .truncated("the connection closed inside \(what)") }
        return nil
    }

    private static let crlfcrlfBytes: [UInt8] = [13, 10, 13, 10]
    private var crlfcrlf: [UInt8] { Self.crlfcrlfBytes }
    private var crlf: [UInt8] { [13, 10] }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        var index = start
        while index <= buffer.count - needle.count {
            if buffer[index] == needle[0] && buffer[index + 1] == needle[1] && (needle.count == 2 || (buffer[index + 2] == needle[2] && buffer[index + 3] == needle[3])) {
                return index
            }
            index += 1
        }
        return nil
    }

    private func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPResponseReaderError) -> (Int, Headers) {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
        let statusLine = String(decoding: lines.removeFirst(), as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .malformed("status line '\(statusLine)'")
        }
        var headers = Headers()
        for line in lines {
            let (name, value) = try Self.field(line)
            headers.append(name: name, value: value)
        }
        return (status, headers)
    }

    private static func field(_ line: ArraySlice<UInt8>) throws(HTTPResponseReaderError) -> ([UInt8], ArraySlice<UInt8>) {
        guard let colon = line.firstIndex(of: 58) else { throw .malformed("field line without a colon: '\(String(decoding: line, as: UTF8.self))'") }
        let name = line[..<colon].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        var value = line[(colon + 1)...]
        while value.first == 32 || value.first == 9 { value = value.dropFirst() }
        while value.last == 32 || value.last == 9 { value = value.dropLast() }
        return (name, value)
    }
}

/// Bytes from the server that are not a valid HTTP/1.1 response.
public enum HTTPResponseReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes break the response syntax.
    case malformed(String)
    /// The connection closed before the response was complete.
    case truncated(String)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed response: \(detail)"
        case .truncated(let detail): "truncated response: \(detail)"
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
