import RingwayCore

extension HTTPRequestParser {
    /// Validates a complete head in one pass and copies it out: the target, then each field with
    /// one `Headers` append.
    ///
    /// `head` comes from `SectionScanner`: it ends with an empty line and every LF in it follows
    /// a CR. Every scanning loop stops at a CR at the latest, which keeps indices in bounds.
    /// The head's target and headers are built in `storage`'s arrays (emptied, capacity
    /// kept when unshared), which the head then owns.
    static func parseHead(_ head: UnsafeRawBufferPointer, lineCount: Int, limits: HTTPParserLimits,
                          reusing storage: inout HeadStorage) throws(HTTPParserError) -> HTTPRequestHead {
        guard lineCount - 2 <= limits.maxHeaderCount else { throw HTTPParserError(.tooManyHeaders) }

        // Method: a token, then one SP.
        var position = ASCII.firstNonToken(in: head, from: 0)
        let methodEnd = position
        guard methodEnd > 0, head[position] == ASCII.space else {
            throw HTTPParserError(lineError(head, at: position, otherwise: methodEnd > 0 && head[position] == ASCII.cr ? .invalidRequestLine : .invalidMethod))
        }

        // Target: visible ASCII, then one SP.
        position += 1
        let targetStart = position
        position = ASCII.firstNonVisible(in: head, from: position)
        let targetEnd = position
        guard targetEnd - targetStart <= limits.maxTargetLength else { throw HTTPParserError(.targetTooLong) }
        guard targetEnd > targetStart, head[position] == ASCII.space else {
            throw HTTPParserError(lineError(head, at: position, otherwise: head[position] == ASCII.cr ? .invalidRequestLine : .invalidTarget))
        }
        position += 1

        // Version, then CRLF.
        let versionStart = position
        while head[position] != ASCII.cr { position += 1 }
        guard head[position + 1] == ASCII.lf else { throw HTTPParserError(.bareCR) }
        let version: HTTPVersion
        do throws(HTTPParserError) {
            version = try parseVersion(head.slice(versionStart..<position))
        } catch {
            throw isHTTP2Preface(head, methodEnd: methodEnd, targetStart: targetStart, versionEnd: position) ? HTTPParserError(.http2Preface) : error
        }
        position += 2

        let method = head.slice(0..<methodEnd)
        let target = head.slice(targetStart..<targetEnd)
        // Origin-form is by far the most common: skip the form check for it unless CONNECT.
        let isConnect = ASCII.equals(method, "CONNECT")
        if target[0] != ASCII.slash || isConnect {
            let isOptions = ASCII.equals(method, "OPTIONS")
            try RequestTargetForm(target).check(target, isConnect: isConnect, isOptions: isOptions)
        }

        var headers = Headers()
        swap(&headers, &storage.headers)
        headers.removeAll(keepingCapacity: true)
        headers.reserveCapacity(fields: lineCount - 2, bytes: head.count - position)
        var facts = HeadFacts()
        var leadingWhitespace = HTTPParserError.Kind.whitespaceBeforeFirstHeader
        while let field = try FieldLine.parse(head, at: &position, leadingWhitespace: leadingWhitespace) {
            leadingWhitespace = .obsFold
            headers.appendLowercasingName(
                name: head.slice(field.nameStart..<field.nameEnd),
                value: head.slice(field.valueStart..<field.valueEnd)
            )
            try facts.observe(field, in: head)
        }

        let framing = try facts.framing(version: version, limits: limits)
        let isHTTP11 = version == .http1_1
        var targetBytes: [UInt8] = []
        swap(&targetBytes, &storage.target)
        targetBytes.removeAll(keepingCapacity: true)
        targetBytes.reserveCapacity(Swift.max(target.count, 64))
        targetBytes.append(contentsOf: target)
        return HTTPRequestHead(
            method: String(decoding: method, as: UTF8.self),
            target: targetBytes,
            version: version,
            headers: headers,
            keepAlive: !facts.connectionClose && (isHTTP11 || facts.connectionKeepAlive),
            // An HTTP/1.0 client cannot wait for 100 Continue (RFC 9110 §10.1.1): ignore it.
            expectsContinue: isHTTP11 && facts.expectsContinue,
            isUpgrade: isHTTP11 && facts.connectionUpgrade && facts.hasUpgrade,
            bodyFraming: framing
        )
    }

    /// `HTTP/1.1` or `HTTP/1.0`; another well-formed `HTTP/d.d` is 505, anything else 400.
    @inline(__always)
    static func parseVersion(_ bytes: UnsafeRawBufferPointer) throws(HTTPParserError) -> HTTPVersion {
        if bytes.count == 8 {
            // Eight bytes are available (count checked); compare them as one little-endian word.
            let word = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
            if word == 0x312E_312F_5054_5448 { return .http1_1 }  // "HTTP/1.1"
            if word == 0x302E_312F_5054_5448 { return .http1_0 }  // "HTTP/1.0"
            if word & 0x00FF_00FF_FFFF_FFFF == 0x002E_002F_5054_5448,  // "HTTP/?.?"
               ASCII.isDigit(bytes[5]), ASCII.isDigit(bytes[7]) {
                throw HTTPParserError(.unsupportedVersion)
            }
        }
        // `GET /a b HTTP/1.1`: the "version" is `b HTTP/1.1`, so the target held a space.
        if let space = bytes.lastIndex(of: ASCII.space), bytes[(space + 1)...].starts(with: "HTTP/".utf8) {
            throw HTTPParserError(.invalidTarget)
        }
        throw HTTPParserError(.invalidVersion)
    }

    /// Whether the request line (method `0..<methodEnd`, target from `targetStart`, version up
    /// to `versionEnd`) is exactly `PRI * HTTP/2.0`, the start of the HTTP/2 connection preface
    /// (RFC 9113 §3.4). Checked only once the version failed, so valid requests never pay for it.
    private static func isHTTP2Preface(_ head: UnsafeRawBufferPointer, methodEnd: Int, targetStart: Int, versionEnd: Int) -> Bool {
        ASCII.equals(head.slice(0..<methodEnd), "PRI") && ASCII.equals(head.slice(targetStart..<versionEnd), "* HTTP/2.0")
    }

    /// The error for a request line that stopped at `position`: a bare CR if that is what is
    /// there, `otherwise` if not.
    private static func lineError(_ head: UnsafeRawBufferPointer, at position: Int, otherwise: HTTPParserError.Kind) -> HTTPParserError.Kind {
        head[position] == ASCII.cr && head[position + 1] != ASCII.lf ? .bareCR : otherwise
    }

    /// The error for a head over `maxHeadBytes`: 414 if its request line already shows a target
    /// over `maxTargetLength`, 431 otherwise. `prefix` holds the head's first bytes.
    static func oversizedHeadError(_ prefix: UnsafeRawBufferPointer, limits: HTTPParserLimits) -> HTTPParserError {
        let lineEnd = ASCII.firstIndex(of: ASCII.cr, in: prefix, from: 0, to: prefix.count) ?? prefix.count
        if let space = ASCII.firstIndex(of: ASCII.space, in: prefix, from: 0, to: lineEnd) {
            let targetEnd = ASCII.firstIndex(of: ASCII.space, in: prefix, from: space + 1, to: lineEnd) ?? lineEnd
            if targetEnd - (space + 1) > limits.maxTargetLength { return HTTPParserError(.targetTooLong) }
        }
        return HTTPParserError(.headTooLarge)
    }
}

/// What the header fields say about framing and the connection, gathered field by field.
struct HeadFacts {
    var hostCount = 0
    var contentLength: UInt64?
    var hasTransferEncoding = false
    var chunked = false
    var otherCoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    var hasUpgrade = false
    var expectsContinue = false

    /// Notes one field; names are told apart by length first, so most fields cost one switch.
    @inline(__always)
    mutating func observe(_ field: FieldLine, in head: UnsafeRawBufferPointer) throws(HTTPParserError) {
        let name = field.nameStart
        let value = head.slice(field.valueStart..<field.valueEnd)
        switch field.nameLength {
        case 4 where ASCII.equalsLowercase(head, name, "host"):
            hostCount += 1
            guard hostCount == 1 else { throw HTTPParserError(.duplicateHost) }
            try Self.checkHost(value)
        case 6 where ASCII.equalsLowercase(head, name, "expect"):
            if value.count == 12, ASCII.equalsLowercase(value, 0, "100-continue") { expectsContinue = true }
        case 7 where ASCII.equalsLowercase(head, name, "upgrade"):
            hasUpgrade = true
        case 10 where ASCII.equalsLowercase(head, name, "connection"):
            observeConnection(value)
        case 14 where ASCII.equalsLowercase(head, name, "content-length"):
            let length = try Self.parseContentLength(value)
            if let previous = contentLength {
                throw HTTPParserError(previous == length ? .duplicateContentLength : .conflictingContentLength)
            }
            contentLength = length
        case 17 where ASCII.equalsLowercase(head, name, "transfer-encoding"):
            try observeTransferEncoding(value)
        default:
            break
        }
    }

    /// The body framing (RFC 9112 §6.3), once every field has been seen.
    func framing(version: HTTPVersion, limits: HTTPParserLimits) throws(HTTPParserError) -> HTTPBodyFraming {
        if version == .http1_1, hostCount == 0 { throw HTTPParserError(.missingHost) }
        if hasTransferEncoding {
            if version == .http1_0 { throw HTTPParserError(.transferEncodingInHTTP10) }
            if contentLength != nil { throw HTTPParserError(.contentLengthWithTransferEncoding) }
            if otherCoding { throw HTTPParserError(.unsupportedTransferCoding) }
            return .chunked
        }
        if let contentLength {
            guard contentLength <= limits.maxBodyBytes else { throw HTTPParserError(.bodyTooLarge) }
            return .contentLength(contentLength)
        }
        return .none
    }

    /// Host is `host[:port]`, possibly empty (RFC 9110 §7.2); userinfo is an error.
    private static func checkHost(_ value: UnsafeRawBufferPointer) throws(HTTPParserError) {
        for byte in value where !ASCII.isHost(byte) { throw HTTPParserError(.invalidHost) }
    }

    /// `1*DIGIT` that fits 64 bits. A list (`5, 5` or `1, 2`) is a duplicate or a conflict.
    private static func parseContentLength(_ value: UnsafeRawBufferPointer) throws(HTTPParserError) -> UInt64 {
        guard !value.isEmpty else { throw HTTPParserError(.invalidContentLength) }
        var length: UInt64 = 0
        for byte in value {
            guard ASCII.isDigit(byte) else { throw HTTPParserError(listError(value)) }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- 0x30))
            guard !overflow1, !overflow2 else { throw HTTPParserError(.contentLengthOverflow) }
            length = sum
        }
        return length
    }

    /// Classifies a Content-Length that is not plain digits: a list of equal numbers is a
    /// duplicate, of different numbers a conflict; anything else is invalid.
    private static func listError(_ value: UnsafeRawBufferPointer) -> HTTPParserError.Kind {
        let elements = value.split(separator: ASCII.comma, omittingEmptySubsequences: false).map {
            $0.drop(while: ASCII.isWhitespace).reversed().drop(while: ASCII.isWhitespace).reversed()
        }
        guard elements.count > 1, elements.allSatisfy({ !$0.isEmpty && $0.allSatisfy(ASCII.isDigit) }) else {
            return .invalidContentLength
        }
        let first = elements[0].drop(while: { $0 == 0x30 })
        return elements.allSatisfy({ $0.drop(while: { $0 == 0x30 }).elementsEqual(first) }) ? .duplicateContentLength : .conflictingContentLength
    }

    /// Connection is a token list; only `close`, `keep-alive` and `upgrade` matter here.
    private mutating func observeConnection(_ value: UnsafeRawBufferPointer) {
        Self.forEachListElement(value) { start, end in
            switch end - start {
            case 5 where ASCII.equalsLowercase(value, start, "close"): connectionClose = true
            case 7 where ASCII.equalsLowercase(value, start, "upgrade"): connectionUpgrade = true
            case 10 where ASCII.equalsLowercase(value, start, "keep-alive"): connectionKeepAlive = true
            default: break
            }
        }
    }

    /// Transfer-Encoding is a non-empty list of codings, across all its fields, that must end
    /// with one `chunked` (RFC 9112 §6.1). Empty elements and non-token bytes are rejected.
    private mutating func observeTransferEncoding(_ value: UnsafeRawBufferPointer) throws(HTTPParserError) {
        hasTransferEncoding = true
        var valid = true
        var afterChunked = false
        Self.forEachListElement(value) { start, end in
            guard end > start, (start..<end).allSatisfy({ ASCII.isToken(value[$0]) }) else {
                valid = false
                return
            }
            if chunked { afterChunked = true }
            if end - start == 7, ASCII.equalsLowercase(value, start, "chunked") {
                chunked = true
            } else {
                otherCoding = true
            }
        }
        guard valid, !value.isEmpty else { throw HTTPParserError(.invalidTransferEncoding) }
        if afterChunked { throw HTTPParserError(.chunkedNotLast) }
    }

    /// Calls `body` with the bounds of each comma-separated element, whitespace trimmed.
    @inline(__always)
    private static func forEachListElement(_ value: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        var start = 0
        while start <= value.count {
            let comma = ASCII.firstIndex(of: ASCII.comma, in: value, from: start, to: value.count) ?? value.count
            var elementStart = start
            var elementEnd = comma
            while elementStart < elementEnd, ASCII.isWhitespace(value[elementStart]) { elementStart += 1 }
            while elementEnd > elementStart, ASCII.isWhitespace(value[elementEnd - 1]) { elementEnd -= 1 }
            body(elementStart, elementEnd)
            start = comma + 1
        }
    }
}
