/// Reads JSON text as Python's `json.loads` does (its C scanner, `strict=True`), into a
/// `PythonJSON`: what is an error there is an error here, what it accepts is accepted here.
///
/// Accepted beyond RFC 8259, as Python does: `NaN`, `Infinity`, `-Infinity`, and lone
/// surrogate escapes. Refused as Python does: control characters inside strings, leading
/// zeros, trailing commas, anything after the value but `[ \t\n\r]`. One difference: nesting
/// deeper than `maxDepth` is an error here, where Python overflows its recursion limit.
struct PythonJSONParser {
    /// Why the text is not JSON, with the UTF-16 offset where reading stopped.
    struct ParseError: Error, Equatable {
        var offset: Int
    }

    /// Arrays and objects inside one another, at most; a bound on the parser's stack.
    static let maxDepth = 256

    private let units: [UInt16]
    private var index = 0

    private init(_ text: String) { units = Array(text.utf16) }

    /// The one value of `text`, surrounded by optional whitespace.
    static func parse(_ text: String) throws(ParseError) -> PythonJSON {
        var parser = PythonJSONParser(text)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.units.count else { throw ParseError(offset: parser.index) }
        return value
    }

    private var current: UInt16? { index < units.count ? units[index] : nil }

    private mutating func skipWhitespace() {
        while let unit = current, unit == 0x20 || unit == 0x09 || unit == 0x0A || unit == 0x0D { index += 1 }
    }

    private mutating func value(depth: Int) throws(ParseError) -> PythonJSON {
        guard let unit = current else { throw ParseError(offset: index) }
        switch unit {
        case 0x7B: return try object(depth: depth + 1)  // {
        case 0x5B: return try array(depth: depth + 1)  // [
        case 0x22: return .string(try string())
        case 0x74: return try literal("true", .bool(true))
        case 0x66: return try literal("false", .bool(false))
        case 0x6E: return try literal("null", .null)
        case 0x4E: return try literal("NaN", .float(.nan))
        case 0x49: return try literal("Infinity", .float(.infinity))
        case 0x2D where matches("-Infinity"): return try literal("-Infinity", .float(-.infinity))
        case 0x2D, 0x30...0x39: return try number()
        default: throw ParseError(offset: index)
        }
    }

    private func matches(_ word: String) -> Bool {
        let word = Array(word.utf16)
        return units.count - index >= word.count && units[index..<index + word.count].elementsEqual(word)
    }

    private mutating func literal(_ word: String, _ value: PythonJSON) throws(ParseError) -> PythonJSON {
        guard matches(word) else { throw ParseError(offset: index) }
        index += word.utf16.count
        return value
    }

    private mutating func object(depth: Int) throws(ParseError) -> PythonJSON {
        guard depth <= Self.maxDepth else { throw ParseError(offset: index) }
        index += 1  // {
        skipWhitespace()
        var members: [PythonJSON.Member] = []
        var positions: [[UInt16]: Int] = [:]
        if current == 0x7D {
            index += 1
            return .object(members)
        }
        while true {
            guard current == 0x22 else { throw ParseError(offset: index) }
            let key = try string()
            skipWhitespace()
            guard current == 0x3A else { throw ParseError(offset: index) }  // :
            index += 1
            skipWhitespace()
            let value = try value(depth: depth)
            // A dict assigned key by key: a repeated key keeps its place and takes the new value.
            if let position = positions[key] {
                members[position].value = value
            } else {
                positions[key] = members.count
                members.append(PythonJSON.Member(key: key, value: value))
            }
            skipWhitespace()
            switch current {
            case 0x2C:  // ,
                index += 1
                skipWhitespace()
            case 0x7D:  // }
                index += 1
                return .object(members)
            default:
                throw ParseError(offset: index)
            }
        }
    }

    private mutating func array(depth: Int) throws(ParseError) -> PythonJSON {
        guard depth <= Self.maxDepth else { throw ParseError(offset: index) }
        index += 1  // [
        skipWhitespace()
        var elements: [PythonJSON] = []
        if current == 0x5D {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case 0x2C:  // ,
                index += 1
                skipWhitespace()
            case 0x5D:  // ]
                index += 1
                return .array(elements)
            default:
                throw ParseError(offset: index)
            }
        }
    }

    /// A string's code units; `index` is at the opening quote.
    private mutating func string() throws(ParseError) -> [UInt16] {
        index += 1
        var result: [UInt16] = []
        while let unit = current {
            index += 1
            switch unit {
            case 0x22:
                return result
            case 0x5C:
                guard let escaped = current else { throw ParseError(offset: index) }
                index += 1
                switch escaped {
                case 0x22, 0x5C, 0x2F: result.append(escaped)
                case 0x62: result.append(0x08)  // b
                case 0x66: result.append(0x0C)  // f
                case 0x6E: result.append(0x0A)  // n
                case 0x72: result.append(0x0D)  // r
                case 0x74: result.append(0x09)  // t
                case 0x75:  // u: four hex digits. A surrogate pair is two units already, and
                    // a lone surrogate stays one, as Python keeps it.
                    var code: UInt16 = 0
                    for _ in 0..<4 {
                        guard let digit = current.flatMap(Self.hexValue) else { throw ParseError(offset: index) }
                        code = code << 4 | digit
                        index += 1
                    }
                    result.append(code)
                default:
                    throw ParseError(offset: index - 1)
                }
            case 0x00..<0x20:
                throw ParseError(offset: index - 1)  // strict: no raw control characters
            default:
                result.append(unit)
            }
        }
        throw ParseError(offset: index)  // unterminated
    }

    private static func hexValue(_ unit: UInt16) -> UInt16? {
        switch unit {
        case 0x30...0x39: unit - 0x30
        case 0x41...0x46: unit - 0x41 + 10
        case 0x61...0x66: unit - 0x61 + 10
        default: nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`; a fraction or exponent makes a float.
    /// A `.` or `e` not followed by digits ends the number before it (then the text fails).
    private mutating func number() throws(ParseError) -> PythonJSON {
        let start = index
        if current == 0x2D { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw ParseError(offset: index) }
        index += 1
        if first != 0x30 { skipDigits() }
        var isFloat = false
        if current == 0x2E, index + 1 < units.count, Self.isDigit(units[index + 1]) {
            index += 1
            skipDigits()
            isFloat = true
        }
        if current == 0x65 || current == 0x45 {
            var end = index + 1
            if end < units.count, units[end] == 0x2B || units[end] == 0x2D { end += 1 }
            if end < units.count, Self.isDigit(units[end]) {
                index = end
                skipDigits()
                isFloat = true
            }
        }
        let literal = String(decoding: units[start..<index], as: UTF16.self)
        guard isFloat else { return .integer(literal) }
        // Correctly rounded, ±infinity past the range: Python's float() of the literal.
        guard let value = Double(literal) else { throw ParseError(offset: start) }
        return .float(value)
    }

    private static func isDigit(_ unit: UInt16) -> Bool { (0x30...0x39).contains(unit) }

    private mutating func skipDigits() {
        while let unit = current, Self.isDigit(unit) { index += 1 }
    }
}
