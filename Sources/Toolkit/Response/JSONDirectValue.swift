public import Foundation

/// A value `OrderedJSONEncoder` writes itself instead of asking it to encode: the
/// primitives (so a generic `encode(_:)` of an `Int` costs one cast, not a container) and
/// the Foundation types with a JSON form of their own.
protocol JSONDirectValue {
    /// Appends the JSON text; `depth` is the nesting level (for `.pythonIndented`).
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue)
}

/// A direct value JSON cannot write (NaN, infinity); the encoder adds the coding path.
struct NonJSONValue: Error {
    let kind: JSONEncodingError.Kind
}

extension JSONDirectValue {
    /// The value as a `JSONValue` (for the tree fallback: written, then read back).
    func jsonValue() throws(NonJSONValue) -> JSONValue {
        var bytes: [UInt8] = []
        try writeJSON(into: &bytes, style: .compact, depth: 0)
        return (try? JSONValue(parsing: bytes)) ?? .null  // our own output always parses
    }
}

enum JSONScalarText {
    /// Decimal digits without going through `String` (no allocation).
    static func writeInteger<T: FixedWidthInteger>(_ value: T, into output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude))
            return
        }
        // 40 digits hold any 128-bit magnitude.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var index = digits.count
            while magnitude > 0 {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    static func writeFloat<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, into output: inout [UInt8]) throws(NonJSONValue) {
        guard value.isFinite else { throw NonJSONValue(kind: .nonFiniteNumber(value.description)) }
        JSONNumber.writePythonRepr(value, into: &output)
    }

    /// `date` as ISO 8601 in UTC with milliseconds: `2026-12-02T06:33:40.123Z`.
    static func iso8601(_ date: Date) -> String {
        let since1970 = (date.timeIntervalSince1970 * 1000).rounded(.down)
        // Years 0001…9999 (beyond, the text would not be ISO 8601 in four digits anyway).
        let total = Int64(max(-62_135_596_800_000, min(253_402_300_799_999, since1970)))
        let seconds = total >= 0 ? total / 1000 : (total - 999) / 1000  // rounded down, also before 1970
        let milliseconds = Int(total - seconds * 1000)
        let time = UTCTime(secondsSince1970: seconds)
        let pad = UTCTime.padded
        return "\(pad(time.year, 4))-\(pad(time.month, 2))-\(pad(time.day, 2))T"
            + "\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2)).\(pad(milliseconds, 3))Z"
    }
}

extension Bool: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        output.append(contentsOf: (self ? "true" : "false").utf8)
    }
}

extension String: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        JSONValue.writeString(self, into: &output, asciiOnly: style != .compact)
    }
}

extension Double: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        try JSONScalarText.writeFloat(self, into: &output)
    }
}

extension Float: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        try JSONScalarText.writeFloat(self, into: &output)
    }
}

/// The integers share one implementation.
protocol JSONDirectInteger: JSONDirectValue, FixedWidthInteger {}

extension JSONDirectInteger {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        JSONScalarText.writeInteger(self, into: &output)
    }
}

extension Int: JSONDirectInteger {}
extension Int8: JSONDirectInteger {}
extension Int16: JSONDirectInteger {}
extension Int32: JSONDirectInteger {}
extension Int64: JSONDirectInteger {}
extension UInt: JSONDirectInteger {}
extension UInt8: JSONDirectInteger {}
extension UInt16: JSONDirectInteger {}
extension UInt32: JSONDirectInteger {}
extension UInt64: JSONDirectInteger {}

extension Date: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        JSONValue.writeString(JSONScalarText.iso8601(self), into: &output, asciiOnly: false)
    }
}

extension Data: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        JSONValue.writeString(base64EncodedString(), into: &output, asciiOnly: false)
    }
}

extension URL: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        JSONValue.writeString(absoluteString, into: &output, asciiOnly: style != .compact)
    }
}

extension Decimal: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        guard !isNaN else { throw NonJSONValue(kind: .nonFiniteNumber("NaN")) }
        output.append(contentsOf: description.utf8)
    }
}

extension JSONValue: JSONDirectValue {
    func writeJSON(into output: inout [UInt8], style: JSONValue.Style, depth: Int) throws(NonJSONValue) {
        write(into: &output, style: style, depth: depth)
    }

    func jsonValue() throws(NonJSONValue) -> JSONValue { self }
}

/// `JSONValue` encodes as what it is: `OrderedJSONEncoder` writes it as it is, other
/// encoders (Foundation's) see its containers, integers as `Int` (or the literal text as a
/// `Decimal` when too long), other numbers as `Double`.
extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let number):
            var container = encoder.singleValueContainer()
            if let integer = number.intValue {
                try container.encode(integer)
            } else if !number.text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let decimal = Decimal(string: number.text) {
                try container.encode(decimal)
            } else {
                try container.encode(number.doubleValue)
            }
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONCodingKey.self)
            for member in object { try container.encode(member.value, forKey: JSONCodingKey(stringValue: member.key)) }
        }
    }
}

/// A dictionary whose keys `OrderedJSONEncoder` sorts (`String` and `Int` keys; others
/// encode as the standard library does).
protocol JSONSortedKeysEncodable {
    /// Encodes the members in key order; false (having touched nothing) for another key type.
    func encodeSortedKeys(to encoder: any Encoder) throws -> Bool
}

extension Dictionary: JSONSortedKeysEncodable where Key: Comparable, Value: Encodable {
    func encodeSortedKeys(to encoder: any Encoder) throws -> Bool {
        guard Key.self == String.self || Key.self == Int.self else { return false }
        var container = encoder.container(keyedBy: JSONCodingKey.self)
        for (key, value) in sorted(by: { $0.key < $1.key }) {
            let codingKey = if let text = key as? String { JSONCodingKey(stringValue: text) } else { JSONCodingKey(intValue: key as! Int) }
            try container.encode(value, forKey: codingKey)
        }
        return true
    }
}
