/// Incremental, sans-I/O `multipart/form-data` parser (RFC 7578 over RFC 2046 §5.1):
/// byte chunks in, `MultipartEvent`s out.
///
/// ```
///   preamble ── "--boundary" at the start, or CRLF "--boundary" ─▶ delimiterSuffix
///   delimiterSuffix ─┬─ "-" ─▶ closeDash ── "-" ─▶ epilogue   (emits .end; later bytes ignored)
///                    ├─ SP/HT ─▶ padding ── SP/HT ↺ ── CR ─▶ delimiterCR
///                    └─ CR ─▶ delimiterCR ── LF ─▶ headers
///   headers ── blank line ─▶ body                            (emits .head)
///   body ── CRLF "--boundary" ─▶ delimiterSuffix               (emits .bodyChunk…, .partEnd)
///   any but epilogue ── end of input ─▶ failed (truncated)
///   any ── malformed bytes or a limit ─▶ failed (terminal: every later call throws the same error)
/// ```
///
/// Three verbs, as h11: `append` bytes, `finish` at the end of the body, and pull events with
/// `next()` until it returns nil (needs more bytes, or is done after `.end`). Unread bytes
/// live in one buffer; in a body the parser holds back only a tail that could begin a
/// delimiter (fewer than boundary + 4 bytes), so a boundary split across chunks is found and
/// memory stays bounded by the chunk size. The preamble and epilogue are dropped.
public struct MultipartParser: Sendable {
    public let boundary: MultipartBoundary
    public let limits: MultipartLimits
    /// CRLF "--" boundary: what ends a part's body.
    private let delimiter: [UInt8]
    private var buffer: [UInt8] = []
    /// The first unread byte of `buffer`.
    private var start = 0
    private var finished = false
    private var state: State = .preamble(atStart: true)
    private var parts = 0
    /// Unread header bytes already searched for the blank line, so a header block trickling
    /// in byte by byte is scanned once, not once per byte.
    private var headerScanned = 0

    private enum State: Sendable {
        /// Before the first delimiter; `atStart` while it could still begin the body without CRLF.
        case preamble(atStart: Bool)
        /// Just after "--boundary".
        case delimiterSuffix
        /// After "--boundary-": the second dash closes the body.
        case closeDash
        /// Transport padding (RFC 2046's LWSP) after a delimiter.
        case padding
        /// The CR ending a delimiter line; its LF must follow.
        case delimiterCR
        /// A part's header block.
        case headers
        /// A part's body.
        case body
        /// After the close delimiter (`.end` was emitted).
        case epilogue
        /// Terminal.
        case failed(MultipartError)
    }

    /// What the next step sees: unread bytes, or the end of a finished body.
    private enum Input {
        case bytes
        case endOfInput
    }

    public init(boundary: MultipartBoundary, limits: MultipartLimits = MultipartLimits()) {
        self.boundary = boundary
        self.limits = limits
        self.delimiter = [0x0D, 0x0A, 0x2D, 0x2D] + boundary.bytes
    }

    /// A parser for the body of a request with this `content-type` field value.
    public init(contentType: some Collection<UInt8>, limits: MultipartLimits = MultipartLimits()) throws(MultipartError) {
        self.init(boundary: try MultipartBoundary(contentType: contentType), limits: limits)
    }

    /// True once the close delimiter was read (`.end` emitted).
    public var isComplete: Bool {
        if case .epilogue = state { return true }
        return false
    }

    /// Adds the next bytes of the body. Bytes after `finish()` are ignored.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        guard !finished else { return }
        if case .epilogue = state { return }  // the epilogue is dropped unread
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Marks the end of the body: a later `next()` throws `truncated` unless the close
    /// delimiter was read.
    public mutating func finish() {
        finished = true
    }

    /// The next event, or nil when more bytes are needed (or, after `.end`, never again).
    public mutating func next() throws(MultipartError) -> MultipartEvent? {
        do throws(MultipartError) {
            while true {
                let input: Input
                if start < buffer.count {
                    input = .bytes
                } else if finished {
                    input = .endOfInput
                } else {
                    return nil
                }
                switch (state, input) {
                case (.failed(let error), _):
                    throw error
                case (.epilogue, .bytes):
                    start = buffer.count
                case (.epilogue, .endOfInput):
                    return nil
                case (_, .endOfInput):
                    throw MultipartError.truncated
                case (.preamble(let atStart), .bytes):
                    guard try skipPreamble(atStart: atStart) else { return nil }
                case (.delimiterSuffix, .bytes), (.closeDash, .bytes), (.padding, .bytes), (.delimiterCR, .bytes):
                    let byte = buffer[start]
                    start += 1
                    if try stepDelimiterLine(byte) { return .end }
                case (.headers, .bytes):
                    guard let head = try readHeaders() else { return nil }
                    return .head(head)
                case (.body, .bytes):
                    guard let event = try readBody() else { return nil }
                    return event
                }
            }
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// One byte of the line after a delimiter; true when it completed the close delimiter.
    private mutating func stepDelimiterLine(_ byte: UInt8) throws(MultipartError) -> Bool {
        switch (state, byte) {
        case (.delimiterSuffix, 0x2D): state = .closeDash
        case (.closeDash, 0x2D): state = .epilogue; return true
        case (.delimiterSuffix, 0x20), (.delimiterSuffix, 0x09), (.padding, 0x20), (.padding, 0x09): state = .padding
        case (.delimiterSuffix, 0x0D), (.padding, 0x0D): state = .delimiterCR
        case (.delimiterCR, 0x0A): state = .headers
        default: throw .malformedDelimiter
        }
        return false
    }

    /// Drops preamble bytes; true when it made progress (found the first delimiter or dropped
    /// bytes), false when it needs more.
    private mutating func skipPreamble(atStart: Bool) throws(MultipartError) -> Bool {
        let unread = buffer.count - start
        if atStart {
            // The body may open with "--boundary" itself: the delimiter without its CRLF.
            let dashBoundary = delimiter[2...]
            let compared = min(unread, dashBoundary.count)
            if buffer[start..<start + compared].elementsEqual(dashBoundary.prefix(compared)) {
                if compared == dashBoundary.count {
                    start += compared
                    state = .delimiterSuffix
                    return true
                }
                if !finished { return false }
            }
            state = .preamble(atStart: false)
            return true
        }
        if let index = Self.firstIndex(of: delimiter, in: buffer, from: start) {
            start = index + delimiter.count
            state = .delimiterSuffix
            return true
        }
        if finished { throw .truncated }
        let kept = heldBackCount()
        guard unread > kept else { return false }
        start = buffer.count - kept
        return true
    }

    /// The part's head once its whole header block is buffered, else nil.
    private mutating func readHeaders() throws(MultipartError) -> MultipartPartHead? {
        let unread = buffer.count - start
        let blockEnd: Int  // index of the blank line's CRLF
        if buffer[start] == 0x0D {
            // An empty header block: the blank line comes first.
            guard unread >= 2 else {
                if finished { throw .truncated }
                return nil
            }
            guard buffer[start + 1] == 0x0A else { throw .malformedHeader }
            blockEnd = start
        } else if let index = Self.firstIndex(of: [0x0D, 0x0A, 0x0D, 0x0A], in: buffer, from: start + headerScanned) {
            blockEnd = index + 2
        } else {
            if unread > limits.maxHeaderBytes { throw .headersTooLarge }
            if finished { throw .truncated }
            headerScanned = max(0, unread - 3)
            return nil
        }
        headerScanned = 0
        guard blockEnd + 2 - start <= limits.maxHeaderBytes else { throw .headersTooLarge }
        var headers = Headers()
        var lineStart = start
        while lineStart < blockEnd {
            guard let lineEnd = Self.firstIndex(of: [0x0D, 0x0A], in: buffer, from: lineStart), lineEnd < blockEnd else {
                throw .malformedHeader
            }
            try Self.appendField(buffer[lineStart..<lineEnd], to: &headers)
            lineStart = lineEnd + 2
        }
        start = blockEnd + 2
        parts += 1
        guard parts <= limits.maxParts else { throw .tooManyParts }
        let head = try MultipartPartHead(headers: headers)
        state = .body
        return head
    }

    /// Body bytes up to the next delimiter, or `.partEnd` at it; nil when every unread byte
    /// could begin a delimiter.
    private mutating func readBody() throws(MultipartError) -> MultipartEvent? {
        if let index = Self.firstIndex(of: delimiter, in: buffer, from: start) {
            if index == start {
                start += delimiter.count
                state = .delimiterSuffix
                return .partEnd
            }
            defer { start = index }
            return .bodyChunk(Array(buffer[start..<index]))
        }
        if finished { throw .truncated }
        let safeEnd = buffer.count - heldBackCount()
        guard safeEnd > start else { return nil }
        defer { start = safeEnd }
        return .bodyChunk(Array(buffer[start..<safeEnd]))
    }

    /// The length of the longest unread tail that is a proper prefix of the delimiter: the
    /// bytes that must wait for the next chunk.
    private func heldBackCount() -> Int {
        let unread = buffer.count - start
        var length = min(unread, delimiter.count - 1)
        while length > 0 {
            let tail = buffer.count - length
            if buffer[tail] == 0x0D, buffer[tail..<buffer.count].elementsEqual(delimiter.prefix(length)) { return length }
            length -= 1
        }
        return 0
    }

    /// Parses one `name: value` line (no obs-fold, no control bytes) into `headers`,
    /// the name lowercased and the value trimmed.
    private static func appendField(_ line: ArraySlice<UInt8>, to headers: inout Headers) throws(MultipartError) {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { throw .malformedHeader }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenByte) else { throw .malformedHeader }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else { throw .malformedHeader }
        headers.append(name: name.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, value: value)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    /// The index of the first occurrence of `needle` in `haystack[from...]`.
    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count - from >= needle.count else { return nil }
        let first = needle[0]
        let lastStart = haystack.count - needle.count
        var index = from
        while index <= lastStart {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
