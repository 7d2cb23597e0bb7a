import RingwayCore

/// Incremental, sans-I/O HTTP/1.1 request parser: bytes in, `HTTPRequestEvent`s out.
///
/// ```
///   idle ─▶ head ─┬─▶ end ─────────────────────────────────────────▶ idle (or upgraded)
///                 ├─▶ body(remaining) ─▶ end ─────────────────────▶ idle
///                 └─▶ chunkSize ─▶ chunkData ─▶ CR LF ─▶ chunkSize ─┐
///                          └── size 0 ─▶ trailers ─▶ end ──────────▶ idle
///   idle ── 0x16 ─▶ tlsRecordHeader ── 0x03, 0x00…0x04 ─▶ failed (tlsHandshake)
///   any ── malformed bytes ─▶ failed (terminal: every later call throws the same error)
/// ```
///
/// A request whose first byte cannot start a method fails at that byte (`binaryData`,
/// `invalidMethod`); `0x16` waits for at most two more bytes to tell a TLS record header.
///
/// A head or chunk line that arrives whole is parsed straight from the caller's buffer; only a
/// partial one is copied into `pending` until its end arrives. The parser is strict: lines end
/// in CRLF, framing ambiguities are errors (RFC 9112 §6.3), and nothing after an error is parsed.
public struct HTTPRequestParser: Sendable {
    /// The bounds this parser enforces.
    public var limits: HTTPParserLimits
    /// Whether to stop after an upgrade request without a body (default true): the parser then
    /// emits `.head` and `.end` and hands every later byte to `upgradeLeftover` unparsed.
    public var stopAtUpgrade: Bool

    /// Set once the parser stopped after an upgrade head: the bytes that followed the head
    /// (possibly empty). Bytes passed to later `parse` calls are appended here.
    public private(set) var upgradeLeftover: [UInt8]?

    private var state: State = .idle
    /// Bytes of a head, chunk line or trailer section whose end has not arrived yet.
    private var pending: [UInt8] = []
    private var scanner = SectionScanner()
    /// Chunked body bytes received so far in the current request.
    private var chunkedBodyBytes: UInt64 = 0
    /// Storage of heads the caller gave back (`recycle`), reused by the next heads; a stack
    /// as deep as a pipelined batch the caller serves before recycling.
    private var recycled: [HeadStorage] = []

    /// A head's heap storage, kept between requests so that parsing allocates nothing.
    struct HeadStorage {
        var target: [UInt8] = []
        var headers = Headers()
    }

    /// Recycled storage above this many bytes is dropped rather than kept.
    static let maxRecycledBytes = 8192
    /// Heads' storage kept at most.
    static let maxRecycledHeads = 16

    private enum State: Sendable {
        /// Between requests.
        case idle
        /// A CR arrived between requests; its LF must come next.
        case idleCR
        /// A request began with `0x16`, which no request line can: its next bytes tell a TLS
        /// record header (`0x16 0x03 0x00…0x04`) from other binary data. `seen` is 1 or 2.
        case tlsRecordHeader(seen: Int)
        /// Inside a head; `scanner` tracks it, `pending` holds its bytes if it came in pieces.
        case head
        /// Inside a Content-Length body.
        case body(remaining: UInt64)
        /// Expecting a chunk-size line (partial bytes in `pending`).
        case chunkSize
        case chunkData(remaining: UInt64)
        /// After chunk data: its CR, then its LF.
        case chunkDataCR
        case chunkDataLF
        /// After the last chunk: the trailer section, tracked by `scanner`.
        case trailers
        /// Stopped after an upgrade head; bytes go to `upgradeLeftover`.
        case upgraded
        /// Terminal.
        case failed(HTTPParserError)
    }

    public init(limits: HTTPParserLimits = .init(), stopAtUpgrade: Bool = true) {
        self.limits = limits
        self.stopAtUpgrade = stopAtUpgrade
    }

    /// Gives back a head the caller is done with: the next head parsed reuses its target
    /// and header storage (when nothing else still shares it), so a keep-alive connection
    /// parses requests without allocating.
    public mutating func recycle(_ head: consuming HTTPRequestHead) {
        guard recycled.count < Self.maxRecycledHeads,
              head.target.capacity + head.headers.storageCapacity <= Self.maxRecycledBytes else { return }
        if recycled.capacity == 0 { recycled.reserveCapacity(Self.maxRecycledHeads) }
        recycled.append(HeadStorage(target: head.target, headers: head.headers))
    }

    /// Drops recycled storage (for a connection going idle).
    public mutating func releaseRecycledStorage() {
        recycled = []
    }

    /// True between messages with no buffered partial bytes.
    public var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// Parses all of `input`, calling `onEvent` for each event in order; pipelined requests all
    /// produce their events. After a thrown error the parser is failed for good and no event is
    /// emitted for the bytes after the error.
    public mutating func parse(_ input: UnsafeRawBufferPointer, onEvent: (HTTPRequestEvent) -> Void) throws(HTTPParserError) {
        switch state {
        case .failed(let error): throw error
        case .upgraded: upgradeLeftover?.append(contentsOf: input); return
        default: break
        }
        var index = 0
        do throws(HTTPParserError) {
            while index < input.count {
                switch state {
                case .idle:
                    index = try skipEmptyLines(input, from: index)
                case .idleCR:
                    guard input[index] == ASCII.lf else { throw HTTPParserError(.bareCR) }
                    index += 1
                    state = .idle
                case .tlsRecordHeader(let seen):
                    try readTLSRecordHeader(input[index], seen: seen)
                    index += 1
                case .head:
                    index = try readHead(input, from: index, onEvent: onEvent)
                case .body(let remaining):
                    index = readBody(input, from: index, remaining: remaining, onEvent: onEvent)
                case .chunkSize:
                    index = try readChunkLine(input, from: index)
                case .chunkData(let remaining):
                    index = readChunkData(input, from: index, remaining: remaining, onEvent: onEvent)
                case .chunkDataCR:
                    guard input[index] == ASCII.cr else { throw HTTPParserError(.invalidChunkData) }
                    index += 1
                    state = .chunkDataLF
                case .chunkDataLF:
                    guard input[index] == ASCII.lf else { throw HTTPParserError(.invalidChunkData) }
                    index += 1
                    state = .chunkSize
                case .trailers:
                    index = try readTrailers(input, from: index, onEvent: onEvent)
                case .upgraded, .failed:
                    return
                }
            }
        } catch {
            state = .failed(error)
            pending = []
            throw error
        }
    }

    /// The peer closed its side. Throws `unexpectedEOF` if a request is partly received.
    public mutating func finish() throws(HTTPParserError) {
        switch state {
        case .failed(let error):
            throw error
        case .idle, .idleCR, .upgraded:
            return
        case .tlsRecordHeader:
            let error = HTTPParserError(.binaryData(TLSRecord.handshake))
            state = .failed(error)
            throw error
        default:
            let error = HTTPParserError(.unexpectedEOF)
            state = .failed(error)
            pending = []
            throw error
        }
    }

    // MARK: - States

    /// Between requests: skips empty lines (RFC 9112 §2.2 lets a server ignore CRLFs sent
    /// before a request line, e.g. after a body), then starts a head.
    private mutating func skipEmptyLines(_ input: UnsafeRawBufferPointer, from start: Int) throws(HTTPParserError) -> Int {
        var index = start
        while index < input.count {
            switch input[index] {
            case ASCII.cr:
                guard index + 1 < input.count else {
                    state = .idleCR
                    return input.count
                }
                guard input[index + 1] == ASCII.lf else { throw HTTPParserError(.bareCR) }
                index += 2
            case ASCII.lf:
                throw HTTPParserError(.bareLF)
            case let byte where ASCII.isToken(byte):
                state = .head
                return index
            case TLSRecord.handshake:
                state = .tlsRecordHeader(seen: 1)
                return index + 1
            case let byte:
                // No method starts here: say at once what arrived instead of waiting for a line end.
                throw HTTPParserError(byte < ASCII.space && byte != ASCII.htab || byte >= 0x7F ? .binaryData(byte) : .invalidMethod)
            }
        }
        return index
    }

    /// The bytes of a TLS record header: content type 22 (handshake), then the record's
    /// protocol version `0x03 0x00…0x04` (SSL 3.0 to TLS 1.3's legacy value and one beyond).
    private enum TLSRecord {
        static let handshake: UInt8 = 0x16
        static let versionMajor: UInt8 = 0x03
        static let versionMinorMax: UInt8 = 0x04
    }

    /// The byte after `seen` bytes of a possible TLS record header: throws once it is one
    /// (`tlsHandshake`) or cannot be (`binaryData(0x16)`), else waits for the next byte.
    private mutating func readTLSRecordHeader(_ byte: UInt8, seen: Int) throws(HTTPParserError) {
        if seen == 1 {
            guard byte == TLSRecord.versionMajor else { throw HTTPParserError(.binaryData(TLSRecord.handshake)) }
            state = .tlsRecordHeader(seen: 2)
            return
        }
        throw HTTPParserError(byte <= TLSRecord.versionMinorMax ? .tlsHandshake : .binaryData(TLSRecord.handshake))
    }

    private mutating func readHead(_ input: UnsafeRawBufferPointer, from start: Int, onEvent: (HTTPRequestEvent) -> Void) throws(HTTPParserError) -> Int {
        let outcome = try scanner.scan(input, from: start, limit: limits.maxHeadBytes)
        let limits = limits
        switch outcome {
        case .incomplete:
            pending.append(contentsOf: input.slice(start..<input.count))
            return input.count
        case .tooLarge(let end):
            guard !pending.isEmpty else { throw Self.oversizedHeadError(input.slice(start..<end), limits: limits) }
            pending.append(contentsOf: input.slice(start..<end))
            throw pending.withUnsafeBytes { Self.oversizedHeadError($0, limits: limits) }
        case .complete(let end):
            let lineCount = scanner.lines
            scanner = SectionScanner()
            let head: HTTPRequestHead
            if pending.isEmpty {
                // The whole head is in `input`: parse it in place, no intermediate copy.
                var storage = recycled.popLast() ?? HeadStorage()
                head = try Self.parseHead(input.slice(start..<end), lineCount: lineCount, limits: limits, reusing: &storage)
            } else {
                pending.append(contentsOf: input.slice(start..<end))
                var storage = recycled.popLast() ?? HeadStorage()
                head = try pending.withBytes { (bytes) throws(HTTPParserError) in
                    try Self.parseHead(bytes, lineCount: lineCount, limits: limits, reusing: &storage)
                }
                pending = []
            }
            return startBody(of: head, input, from: end, onEvent: onEvent)
        }
    }

    /// Emits the head and moves to the state its framing calls for.
    private mutating func startBody(of head: HTTPRequestHead, _ input: UnsafeRawBufferPointer, from index: Int, onEvent: (HTTPRequestEvent) -> Void) -> Int {
        onEvent(.head(head))
        switch head.bodyFraming {
        case .contentLength(let length) where length > 0:
            state = .body(remaining: length)
        case .chunked:
            chunkedBodyBytes = 0
            state = .chunkSize
        default:
            onEvent(.end(trailers: nil))
            guard head.isUpgrade, stopAtUpgrade else {
                state = .idle
                return index
            }
            state = .upgraded
            upgradeLeftover = input.copyBytes(index..<input.count)
            return input.count
        }
        return index
    }

    private mutating func readBody(_ input: UnsafeRawBufferPointer, from start: Int, remaining: UInt64, onEvent: (HTTPRequestEvent) -> Void) -> Int {
        let count = Int(min(remaining, UInt64(input.count - start)))
        onEvent(.body(input.copyBytes(start..<start + count)))
        if remaining == UInt64(count) {
            state = .idle
            onEvent(.end(trailers: nil))
        } else {
            state = .body(remaining: remaining - UInt64(count))
        }
        return start + count
    }

    private mutating func readChunkLine(_ input: UnsafeRawBufferPointer, from start: Int) throws(HTTPParserError) -> Int {
        let allowance = limits.maxChunkLineLength + 2 - pending.count  // the line plus its CRLF
        let window = min(input.count - start, allowance)
        guard let lf = ASCII.firstIndex(of: ASCII.lf, in: input, from: start, to: start + window) else {
            guard window < allowance else { throw HTTPParserError(.chunkLineTooLong) }
            pending.append(contentsOf: input.slice(start..<input.count))
            return input.count
        }
        let size: UInt64
        if pending.isEmpty {
            size = try Self.parseChunkLine(input.slice(start..<lf + 1))
        } else {
            pending.append(contentsOf: input.slice(start..<lf + 1))
            size = try pending.withBytes { (bytes) throws(HTTPParserError) in try Self.parseChunkLine(bytes) }
            pending = []
        }
        if size == 0 {
            state = .trailers
        } else {
            // `chunkedBodyBytes` never exceeds the limit, so the subtraction cannot underflow.
            guard size <= limits.maxBodyBytes - chunkedBodyBytes else { throw HTTPParserError(.bodyTooLarge) }
            state = .chunkData(remaining: size)
        }
        return lf + 1
    }

    private mutating func readChunkData(_ input: UnsafeRawBufferPointer, from start: Int, remaining: UInt64, onEvent: (HTTPRequestEvent) -> Void) -> Int {
        let count = Int(min(remaining, UInt64(input.count - start)))
        chunkedBodyBytes += UInt64(count)
        state = remaining == UInt64(count) ? .chunkDataCR : .chunkData(remaining: remaining - UInt64(count))
        onEvent(.body(input.copyBytes(start..<start + count)))
        return start + count
    }

    private mutating func readTrailers(_ input: UnsafeRawBufferPointer, from start: Int, onEvent: (HTTPRequestEvent) -> Void) throws(HTTPParserError) -> Int {
        let outcome = try scanner.scan(input, from: start, limit: limits.maxTrailerBytes)
        let limits = limits
        switch outcome {
        case .incomplete:
            pending.append(contentsOf: input.slice(start..<input.count))
            return input.count
        case .tooLarge:
            throw HTTPParserError(.trailersTooLarge)
        case .complete(let end):
            let lineCount = scanner.lines
            scanner = SectionScanner()
            let trailers: Headers?
            if pending.isEmpty {
                trailers = try Self.parseTrailers(input.slice(start..<end), lineCount: lineCount, limits: limits)
            } else {
                pending.append(contentsOf: input.slice(start..<end))
                trailers = try pending.withBytes { (bytes) throws(HTTPParserError) in
                    try Self.parseTrailers(bytes, lineCount: lineCount, limits: limits)
                }
                pending = []
            }
            state = .idle
            onEvent(.end(trailers: trailers))
            return end
        }
    }

    /// Parses a complete trailer section (see `FieldLine.parse` for its invariant). Trailer
    /// fields never affect framing: Content-Length, Transfer-Encoding or Host here are data.
    static func parseTrailers(_ section: UnsafeRawBufferPointer, lineCount: Int, limits: HTTPParserLimits) throws(HTTPParserError) -> Headers? {
        guard lineCount > 1 else { return nil }
        guard lineCount - 1 <= limits.maxHeaderCount else { throw HTTPParserError(.trailersTooLarge) }
        var trailers = Headers()
        trailers.reserveCapacity(fields: lineCount - 1, bytes: section.count)
        var position = 0
        while let field = try FieldLine.parse(section, at: &position, leadingWhitespace: .obsFold) {
            trailers.appendLowercasingName(
                name: section.slice(field.nameStart..<field.nameEnd),
                value: section.slice(field.valueStart..<field.valueEnd)
            )
        }
        return trailers
    }
}
