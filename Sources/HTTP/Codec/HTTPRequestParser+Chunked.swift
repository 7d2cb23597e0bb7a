extension HTTPRequestParser {
    /// Parses a complete chunk-size line, CRLF included, and returns the chunk size.
    ///
    /// Grammar (RFC 9112 §7.1): `1*16HEXDIG *( BWS ";" BWS token [ BWS "=" BWS ( token /
    /// quoted-string ) ] ) CRLF`. Sizes of more than 16 digits, signs, `0x` prefixes, leading
    /// whitespace and trailing whitespace are rejected.
    static func parseChunkLine(_ line: UnsafeRawBufferPointer) throws(HTTPParserError) -> UInt64 {
        // `line` ends with LF (the caller found it); the byte before must be CR.
        guard line.count >= 2, line[line.count - 2] == ASCII.cr else { throw HTTPParserError(.bareLF) }
        let end = line.count - 2
        var position = 0
        var size: UInt64 = 0
        while position < end, let digit = ASCII.hexValue(line[position]) {
            guard position < 16 else { throw chunkLineError(line, end, .invalidChunkSize) }
            size = size << 4 | UInt64(digit)
            position += 1
        }
        guard position > 0 else { throw chunkLineError(line, end, .invalidChunkSize) }
        var isFirstExtension = true

        while position < end {
            position = skipWhitespace(line, from: position, to: end)
            guard position < end, line[position] == ASCII.semicolon else {
                throw chunkLineError(line, end, isFirstExtension ? .invalidChunkSize : .invalidChunkExtension)
            }
            isFirstExtension = false
            position = skipWhitespace(line, from: position + 1, to: end)
            let nameStart = position
            position = skipToken(line, from: position, to: end)
            guard position > nameStart else { throw chunkLineError(line, end, .invalidChunkExtension) }
            let afterName = position
            position = skipWhitespace(line, from: position, to: end)
            guard position < end, line[position] == ASCII.equals else {
                // Whitespace after a name must lead to `=` or to the next `;`.
                position = afterName
                continue
            }
            position = skipWhitespace(line, from: position + 1, to: end)
            let valueStart = position
            if position < end, line[position] == ASCII.quote {
                position = try skipQuotedString(line, from: position, to: end)
            } else {
                position = skipToken(line, from: position, to: end)
                guard position > valueStart else { throw chunkLineError(line, end, .invalidChunkExtension) }
            }
        }
        return size
    }

    /// `kind`, unless the line holds a bare CR, which is the better explanation.
    private static func chunkLineError(_ line: UnsafeRawBufferPointer, _ end: Int, _ kind: HTTPParserError.Kind) -> HTTPParserError {
        HTTPParserError(line[..<end].contains(ASCII.cr) ? .bareCR : kind)
    }

    @inline(__always)
    private static func skipWhitespace(_ line: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var position = start
        while position < end, ASCII.isWhitespace(line[position]) { position += 1 }
        return position
    }

    @inline(__always)
    private static func skipToken(_ line: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var position = start
        while position < end, ASCII.isToken(line[position]) { position += 1 }
        return position
    }

    /// Skips a quoted-string starting at its opening quote; returns the index after the closing one.
    private static func skipQuotedString(_ line: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(HTTPParserError) -> Int {
        var position = start + 1
        while position < end {
            let byte = line[position]
            if byte == ASCII.quote { return position + 1 }
            if byte == ASCII.backslash {
                guard position + 1 < end, ASCII.isFieldVisible(line[position + 1]) || ASCII.isWhitespace(line[position + 1]) else { break }
                position += 2
            } else if ASCII.isFieldVisible(byte) || ASCII.isWhitespace(byte) {
                position += 1
            } else {
                break
            }
        }
        throw chunkLineError(line, end, .invalidChunkExtension)
    }
}
