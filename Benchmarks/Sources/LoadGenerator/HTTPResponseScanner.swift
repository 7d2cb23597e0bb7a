/// Finds where one HTTP/1.1 response ends in received bytes, without copying them: the status
/// code and the length of the whole response (head and body, by `content-length` or chunked
/// framing). The load generator only needs to count and time responses, so the scan touches
/// as few bytes as it can: the head once, a chunked body's size lines, nothing of a sized body.
enum HTTPResponseScanner {
    enum Outcome: Equatable {
        /// More bytes are needed.
        case incomplete
        /// One response of `length` bytes with `status`.
        case complete(status: Int, length: Int)
        /// Not an HTTP/1.1 response the generator can frame (a protocol error).
        case invalid
    }

    /// Scans the response at the start of `bytes`.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let headEnd = findHeadEnd(bytes) else {
            return bytes.count > 64 * 1024 ? .invalid : .incomplete
        }
        // "HTTP/1.x NNN"
        guard headEnd >= 12, bytes[0] == UInt8(ascii: "H"), bytes[8] == UInt8(ascii: " ") else { return .invalid }
        var status = 0
        for index in 9..<12 {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { return .invalid }
            status = status * 10 + digit
        }
        var contentLength: Int?
        var chunked = false
        // Header lines: from after the status line to the blank line.
        var lineStart = 0
        while lineStart < headEnd, bytes[lineStart] != 10 { lineStart += 1 }
        lineStart += 1
        while lineStart < headEnd - 2 {
            var lineEnd = lineStart
            while lineEnd < headEnd, bytes[lineEnd] != 13 { lineEnd += 1 }
            let first = bytes[lineStart] | 0x20
            if first == UInt8(ascii: "c"), matchesName(bytes, lineStart, lineEnd, "content-length:") {
                contentLength = parseDecimal(bytes, lineStart + 15, lineEnd)
                if contentLength == nil { return .invalid }
            } else if first == UInt8(ascii: "t"), matchesName(bytes, lineStart, lineEnd, "transfer-encoding:") {
                chunked = containsChunked(bytes, lineStart + 18, lineEnd)
            }
            lineStart = lineEnd + 2
        }
        if status == 204 || status == 304 || (100..<200).contains(status) { return .complete(status: status, length: headEnd) }
        if chunked { return scanChunked(bytes, from: headEnd, status: status) }
        let total = headEnd + (contentLength ?? 0)
        return bytes.count >= total ? .complete(status: status, length: total) : .incomplete
    }

    /// Index just past `\r\n\r\n`, or nil.
    static func findHeadEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 3
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 10 {
                if bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 { return index + 1 }
                index += 1
            } else if byte == 13 {
                index += 1
            } else {
                // Neither CR nor LF: the terminator cannot end before index + 4.
                index += 4
            }
        }
        return nil
    }

    private static func matchesName(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard end - start >= count else { return false }
        let pointer = name.utf8Start
        for offset in 0..<count where bytes[start + offset] | 0x20 != pointer[offset] | 0x20 { return false }
        return true
    }

    private static func parseDecimal(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        var value = 0
        var digits = 0
        for index in start..<end {
            let byte = bytes[index]
            if byte == 32 || byte == 9 { continue }
            let digit = Int(byte) - 48
            guard (0...9).contains(digit), digits < 18 else { return nil }
            value = value * 10 + digit
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func containsChunked(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        let word: StaticString = "chunked"
        let count = word.utf8CodeUnitCount
        guard end - start >= count else { return false }
        for position in start...(end - count) where matchesName(bytes, position, end, word) { return true }
        return false
    }

    /// Walks chunk-size lines to the last chunk and the blank line after it (trailers allowed).
    private static func scanChunked(_ bytes: UnsafeRawBufferPointer, from start: Int, status: Int) -> Outcome {
        var index = start
        while true {
            var size = 0
            var digits = 0
            while index < bytes.count {
                let byte = bytes[index]
                let value: Int
                switch byte {
                case 48...57: value = Int(byte) - 48
                case 65...70: value = Int(byte) - 55
                case 97...102: value = Int(byte) - 87
                default: value = -1
                }
                if value < 0 { break }
                guard digits < 15 else { return .invalid }
                size = size * 16 + value
                digits += 1
                index += 1
            }
            // Skip chunk extensions to the end of the size line.
            while index < bytes.count, bytes[index] != 10 { index += 1 }
            guard index < bytes.count else { return .incomplete }
            guard digits > 0 else { return .invalid }
            index += 1
            if size == 0 {
                // Trailer lines until an empty line.
                while true {
                    var lineEnd = index
                    while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
                    guard lineEnd < bytes.count else { return .incomplete }
                    let empty = lineEnd == index || (lineEnd == index + 1 && bytes[index] == 13)
                    index = lineEnd + 1
                    if empty { return .complete(status: status, length: index) }
                }
            }
            index += size + 2
            guard index <= bytes.count else { return .incomplete }
        }
    }
}
