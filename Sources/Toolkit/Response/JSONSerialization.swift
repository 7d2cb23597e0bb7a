extension JSONValue {
    /// How `serialized(_:)` writes a value.
    public enum Style: Sendable, Hashable {
        /// No spaces, non-ASCII as UTF-8: `{"a":[1,"é"]}`.
        case compact
        /// What Python's `json.dumps` writes by default: `", "` and `": "` separators and
        /// every character outside printable ASCII as `\uXXXX` (surrogate pairs above
        /// U+FFFF, `/` as it is): `{"a": [1, "\u00e9"]}`. The seed's responses are written so.
        /// Numbers are written as their text, which for `JSONNumber(Double)` is Python's
        /// `repr`; a parsed `2.50` stays `2.50` unless `withPythonNumbers()` made it `2.5`.
        case python
        /// Python's `json.dumps(value, indent: n)`: each member and element on its own line,
        /// indented `n` spaces per level, `","` at line ends and `": "` after names; empty
        /// containers as `{}`/`[]`; non-ASCII as `\uXXXX`, as `.python`.
        case pythonIndented(Int)
    }

    /// The JSON text of this value in `style`, as UTF-8 bytes. Numbers are written as
    /// their literal text, object members in their order.
    public func serialized(_ style: Style = .compact) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(into: &output, style: style)
        return output
    }

    /// The JSON text of this value in `style`.
    public func serializedString(_ style: Style = .compact) -> String {
        String(decoding: serialized(style), as: UTF8.self)
    }

    /// Appends the JSON text of this value to `output`.
    public func write(into output: inout [UInt8], style: Style = .compact) {
        write(into: &output, style: style, depth: 0)
    }

    /// Appends the JSON text of this value nested `depth` levels deep (the indentation of
    /// `.pythonIndented`); `OrderedJSONEncoder` writes values inside its own containers so.
    func write(into output: inout [UInt8], style: Style, depth: Int) {
        let asciiOnly = style != .compact
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.text.utf8)
        case .string(let text): Self.writeString(text, into: &output, asciiOnly: asciiOnly)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                Self.writeItemBreak(first: position == 0, style, depth: depth + 1, into: &output)
                element.write(into: &output, style: style, depth: depth + 1)
            }
            if !elements.isEmpty { Self.writeClosingBreak(style, depth: depth, into: &output) }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                Self.writeItemBreak(first: position == 0, style, depth: depth + 1, into: &output)
                Self.writeString(member.key, into: &output, asciiOnly: asciiOnly)
                output.append(UInt8(ascii: ":"))
                if style != .compact { output.append(0x20) }
                member.value.write(into: &output, style: style, depth: depth + 1)
            }
            if !object.isEmpty { Self.writeClosingBreak(style, depth: depth, into: &output) }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// What goes before a member or element: `,` unless it is the first, then a space
    /// (`.python`) or a line break and the indentation of `depth` (`.pythonIndented`).
    static func writeItemBreak(first: Bool, _ style: Style, depth: Int, into output: inout [UInt8]) {
        if !first { output.append(UInt8(ascii: ",")) }
        switch style {
        case .compact: break
        case .python: if !first { output.append(0x20) }
        case .pythonIndented(let width): writeLineBreak(indent: width * depth, into: &output)
        }
    }

    /// What goes before a non-empty container's closing bracket.
    static func writeClosingBreak(_ style: Style, depth: Int, into output: inout [UInt8]) {
        if case .pythonIndented(let width) = style { writeLineBreak(indent: width * depth, into: &output) }
    }

    private static func writeLineBreak(indent: Int, into output: inout [UInt8]) {
        output.append(0x0A)
        output.append(contentsOf: repeatElement(0x20, count: max(0, indent)))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A quoted string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`
    /// escapes, and with `asciiOnly` every scalar outside U+0020…U+007E as `\uXXXX`.
    static func writeString(_ text: String, into output: inout [UInt8], asciiOnly: Bool) {
        output.append(UInt8(ascii: "\""))
        func unicodeEscape(_ unit: UInt16, into output: inout [UInt8]) {
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                                       hexDigits[Int(unit >> 12)], hexDigits[Int(unit >> 8 & 0xF)],
                                       hexDigits[Int(unit >> 4 & 0xF)], hexDigits[Int(unit & 0xF)]])
        }
        func escapeASCII(_ byte: UInt8, into output: inout [UInt8]) -> Bool {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20: unicodeEscape(UInt16(byte), into: &output)
            default: return false
            }
            return true
        }
        if asciiOnly {
            for scalar in text.unicodeScalars {
                let value = scalar.value
                if value < 0x80, escapeASCII(UInt8(value), into: &output) { continue }
                if value >= 0x20 && value < 0x7F {
                    output.append(UInt8(value))
                } else if value < 0x10000 {
                    unicodeEscape(UInt16(value), into: &output)  // DEL and everything past ASCII, as Python does
                } else {
                    let offset = value - 0x10000
                    unicodeEscape(UInt16(0xD800 + (offset >> 10)), into: &output)
                    unicodeEscape(UInt16(0xDC00 + (offset & 0x3FF)), into: &output)
                }
            }
        } else {
            for byte in text.utf8 where !escapeASCII(byte, into: &output) { output.append(byte) }
        }
        output.append(UInt8(ascii: "\""))
    }
}
