/// A JSON value as Python's `json` module reads and writes it: what the seed guide's chat
/// (`json.loads`, `json.dumps`) sees, so the demo can answer with the bytes the seed's
/// clients get.
///
/// - Strings are UTF-16 code units, so a lone surrogate (`"\ud800"`, which `json.loads`
///   accepts) survives the round trip as it does in Python.
/// - An object keeps its keys in first-seen order; a repeated key keeps its first place and
///   takes its last value (a Python `dict` built key by key).
/// - An integer keeps its digits (Python's `int` has no size limit); a number with a fraction
///   or an exponent is a `Double` (`float`), `NaN` and `±Infinity` included.
///
/// `text` writes `json.dumps(value)` with its defaults: `", "` and `": "` separators,
/// `ensure_ascii` (every code unit outside `' '…'~'` as `\uXXXX`, lowercase hex, except the
/// short escapes `\" \\ \n \r \t \b \f`), floats as `float.__repr__`.
enum PythonJSON: Equatable, Sendable {
    /// Keys with their values, in first-seen order.
    case object([Member])
    case array([PythonJSON])
    /// UTF-16 code units.
    case string([UInt16])
    /// The integer's digits as read, with an optional leading `-` (`-0` is written `0`).
    case integer(String)
    case float(Double)
    case bool(Bool)
    case null

    /// One key and its value.
    struct Member: Equatable, Sendable {
        var key: [UInt16]
        var value: PythonJSON
    }

    /// A string value from Swift text.
    static func string(_ text: String) -> PythonJSON { .string(Array(text.utf16)) }

    /// An integer value.
    static func integer(_ value: some BinaryInteger) -> PythonJSON { .integer(String(value)) }

    /// An object from keys and values, in this order.
    static func object(_ pairs: KeyValuePairs<String, PythonJSON>) -> PythonJSON {
        .object(pairs.map { Member(key: Array($0.key.utf16), value: $0.value) })
    }

    /// The value of `key` when this is an object that has it (Python's `dict.get`).
    subscript(key: String) -> PythonJSON? {
        guard case .object(let members) = self else { return nil }
        let units = Array(key.utf16)
        return members.first { $0.key == units }?.value
    }

    /// `json.dumps(self)`: ASCII only.
    var text: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func write(into bytes: inout [UInt8]) {
        switch self {
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
                Self.write(string: member.key, into: &bytes)
                bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                member.value.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
                element.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .string(let units):
            Self.write(string: units, into: &bytes)
        case .integer(let digits):
            bytes.append(contentsOf: (digits == "-0" ? "0" : digits).utf8)
        case .float(let value):
            bytes.append(contentsOf: Self.repr(value).utf8)
        case .bool(let value):
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .null:
            bytes.append(contentsOf: "null".utf8)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A quoted string with `json.dumps`'s `ensure_ascii` escapes.
    static func write(string units: [UInt16], into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for unit in units {
            switch unit {
            case 0x22: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case 0x5C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x20...0x7E: bytes.append(UInt8(unit))
            default:
                // Non-ASCII as its UTF-16 units: a character beyond the BMP becomes its
                // surrogate pair, as Python writes it.
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                                          hexDigits[Int(unit >> 12)], hexDigits[Int(unit >> 8 & 0xF)],
                                          hexDigits[Int(unit >> 4 & 0xF)], hexDigits[Int(unit & 0xF)]])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Python's `float.__repr__` (what `json.dumps` writes, `NaN`/`Infinity` aside): the
    /// shortest digits that read back as `value`, positional when the decimal exponent is in
    /// -4..<16 (`0.0001`, `1e+16`), with `.0` on whole numbers and at least two exponent digits.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        // Swift's description is also the shortest round-trip digit string; only its layout
        // differs (it switches to an exponent at 2^53), so take its digits and exponent.
        let description = value.magnitude.description
        var mantissa = Substring(description)
        var exponent = 0
        if let e = description.firstIndex(of: "e") {
            mantissa = description[..<e]
            exponent = Int(description[description.index(after: e)...]) ?? 0
        }
        let point = mantissa.firstIndex(of: ".")
        var digits = Array(mantissa.filter { $0 != "." })
        // The value is 0.d₁d₂… × 10^pointPosition.
        var pointPosition = (point.map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count) + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let scientific = pointPosition - 1
        if (-4..<16).contains(scientific) {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
            }
            if pointPosition >= digits.count {
                return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
        }
        let fraction = digits.count > 1 ? "." + String(digits[1...]) : ""
        let magnitude = abs(scientific)
        return sign + String(digits[0]) + fraction + (scientific < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }
}
