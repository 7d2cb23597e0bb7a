/// A header value of the `type; name=value; name="quoted value"` shape (`content-type`,
/// `content-disposition`), split into its leading token and its parameters.
///
/// Parameter names are lowercased; values are unquoted. Inside a quoted string a backslash
/// escapes only `"` and `\`: browsers send Windows paths (`C:\dir\a.txt`) unescaped, so any
/// other backslash is kept as it is. Malformed input gives nil, never a crash.
struct HeaderParameters: Sendable, Equatable {
    /// The leading token, lowercased (`multipart/form-data`, `form-data`).
    var value: String
    /// The parameters in order, names lowercased.
    var parameters: [(name: String, value: String)]

    /// The first parameter called `name` (lowercase).
    subscript(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    static func == (lhs: HeaderParameters, rhs: HeaderParameters) -> Bool {
        lhs.value == rhs.value && lhs.parameters.elementsEqual(rhs.parameters) { $0 == $1 }
    }

    init?(_ field: some Collection<UInt8>) {
        // A field from `Headers` is already an ArraySlice: parsed in place, no copy.
        let bytes = (field as? ArraySlice<UInt8>) ?? ArraySlice(field)
        var index = bytes.startIndex
        func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        func skipWhitespace() {
            while index < bytes.endIndex, isWhitespace(bytes[index]) { index += 1 }
        }
        skipWhitespace()
        let valueStart = index
        while index < bytes.endIndex, bytes[index] != 0x3B { index += 1 }  // ';'
        var end = index
        while end > valueStart, isWhitespace(bytes[end - 1]) { end -= 1 }
        guard end > valueStart else { return nil }
        value = String(decoding: bytes[valueStart..<end], as: UTF8.self).lowercased()
        parameters = []
        while index < bytes.endIndex {
            index += 1  // the ';'
            skipWhitespace()
            if index == bytes.endIndex { break }  // a trailing ';'
            let nameStart = index
            while index < bytes.endIndex, bytes[index] != 0x3D, bytes[index] != 0x3B { index += 1 }  // '=' ';'
            var nameEnd = index
            while nameEnd > nameStart, isWhitespace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            guard nameEnd > nameStart, index < bytes.endIndex, bytes[index] == 0x3D else { return nil }
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self).lowercased()
            index += 1
            skipWhitespace()
            let parameterValue: String
            if index < bytes.endIndex, bytes[index] == 0x22 {  // '"'
                index += 1
                let quotedStart = index
                var unescaped: [UInt8]?  // only built when the value has an escape
                var closed = false
                while index < bytes.endIndex {
                    let byte = bytes[index]
                    if byte == 0x22 { closed = true; break }
                    if byte == 0x5C, index + 1 < bytes.endIndex, bytes[index + 1] == 0x22 || bytes[index + 1] == 0x5C {
                        if unescaped == nil { unescaped = Array(bytes[quotedStart..<index]) }
                        unescaped!.append(bytes[index + 1])
                        index += 2
                        continue
                    }
                    unescaped?.append(byte)
                    index += 1
                }
                guard closed else { return nil }
                parameterValue = unescaped.map { String(decoding: $0, as: UTF8.self) }
                    ?? String(decoding: bytes[quotedStart..<index], as: UTF8.self)
                index += 1  // the closing quote
                skipWhitespace()
                guard index == bytes.endIndex || bytes[index] == 0x3B else { return nil }
            } else {
                let start = index
                while index < bytes.endIndex, bytes[index] != 0x3B { index += 1 }
                var valueEnd = index
                while valueEnd > start, isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
                parameterValue = String(decoding: bytes[start..<valueEnd], as: UTF8.self)
            }
            parameters.append((name, parameterValue))
        }
    }

    /// Decodes an RFC 5987 extended value (`UTF-8''%e2%82%ac%20rates.txt`); UTF-8 and
    /// ISO-8859-1 are the charsets RFC 5987 requires. nil for anything else or bad escapes.
    static func decodeExtendedValue(_ text: String) -> String? {
        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var bytes: [UInt8] = []
        var utf8 = Array(pieces[2].utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == 0x25 {  // '%'
                guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        switch charset {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
