extension JSONNumber {
    /// The number as Python's `json.dumps(json.loads(text))` writes it: an integer literal
    /// keeps its digits (`-0` is `0`, Python's `int` has no size limit), one with a fraction or
    /// an exponent becomes the nearest `Double` in `repr` form (`2.50` → `2.5`, `1E16` →
    /// `1e+16`, `1e-4` → `0.0001`). A literal beyond `Double`'s range (`1e400`) stays as
    /// written, where Python would write `Infinity`, which is not JSON.
    ///
    /// The `.python` style writes numbers as their text; apply this (or
    /// `JSONValue.withPythonNumbers()`) first when an answer must equal Python's bytes for a
    /// value a client sent.
    public var pythonNormalized: JSONNumber {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else {
            return text == "-0" ? JSONNumber(0) : self
        }
        guard let value = Double(text), value.isFinite else { return self }
        return JSONNumber(value) ?? self
    }

    /// Appends Python's `repr(value)` for a finite `value`: the shortest digits that read back
    /// as `value`, positional when the decimal exponent is in -4..<16 (`0.0001`, `1e-05`,
    /// `1000000000000000.0`, `1e+16`), `.0` on whole numbers, at least two exponent digits.
    /// A `Float` is written with its own shortest digits (`Float(0.1)` is `0.1`).
    static func writePythonRepr<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, into output: inout [UInt8]) {
        if value.sign == .minus { output.append(UInt8(ascii: "-")) }
        if value == 0 {
            output.append(contentsOf: "0.0".utf8)
            return
        }
        // Swift's description has the same shortest round-trip digits as Python's repr; only
        // the layout differs (Swift switches to an exponent at 2^53, Python at 1e16).
        let description = value.magnitude.description
        // At most 17 significant digits plus the zeros of "0.000…": 32 is ample.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            var count = 0
            var integerDigits = 0
            var seenPoint = false
            var exponent = 0
            var exponentSign = 1
            var inExponent = false
            for byte in description.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9") where inExponent:
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard count < digits.count else { continue }  // unreachable for a Double's description
                    digits[count] = byte
                    count += 1
                    if !seenPoint { integerDigits += 1 }
                case UInt8(ascii: "."): seenPoint = true
                case UInt8(ascii: "e"): inExponent = true
                case UInt8(ascii: "-"): exponentSign = -1
                default: break  // "+"
                }
            }
            // The value is 0.d₁d₂…dₙ × 10^point once leading and trailing zeros are gone.
            var first = 0
            var point = integerDigits + exponentSign * exponent
            while first < count, digits[first] == UInt8(ascii: "0") {
                first += 1
                point -= 1
            }
            var end = count
            while end > first, digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
            let significant = UnsafeBufferPointer(rebasing: digits[first..<end])
            let scientific = point - 1
            if (-4..<16).contains(scientific) {
                if point <= 0 {
                    output.append(contentsOf: "0.".utf8)
                    for _ in 0 ..< -point { output.append(UInt8(ascii: "0")) }
                    output.append(contentsOf: significant)
                } else if point >= significant.count {
                    output.append(contentsOf: significant)
                    for _ in 0 ..< point - significant.count { output.append(UInt8(ascii: "0")) }
                    output.append(contentsOf: ".0".utf8)
                } else {
                    output.append(contentsOf: significant[..<point])
                    output.append(UInt8(ascii: "."))
                    output.append(contentsOf: significant[point...])
                }
                return
            }
            output.append(significant[0])
            if significant.count > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: significant[1...])
            }
            output.append(contentsOf: (scientific < 0 ? "e-" : "e+").utf8)
            let magnitude = abs(scientific)
            if magnitude < 10 { output.append(UInt8(ascii: "0")) }
            output.append(contentsOf: String(magnitude).utf8)
        }
    }
}

extension JSONValue {
    /// This value with every number `pythonNormalized`: serialized in the `.python` style it
    /// is byte for byte `json.dumps(json.loads(text))` of the text it was parsed from (strings,
    /// key order and repeated keys already are).
    public func withPythonNumbers() -> JSONValue {
        switch self {
        case .null, .bool, .string: self
        case .number(let number): .number(number.pythonNormalized)
        case .array(let elements): .array(elements.map { $0.withPythonNumbers() })
        case .object(let object): .object(JSONObject(unique: object.members.map { (key: $0.key, value: $0.value.withPythonNumbers()) }))
        }
    }
}
