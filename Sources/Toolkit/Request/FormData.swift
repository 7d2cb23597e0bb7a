/// Fields of an `application/x-www-form-urlencoded` body or a query string, with Python's
/// `urllib.parse.parse_qs` semantics: fields split on `&` only, a field without `=` or with
/// an empty value dropped, `+` a space, percent-escapes decoded, repeated names collected
/// in order.
///
/// Names keep the order they were first seen in; each has its values in order.
///
/// ```swift
/// let form = try FormData(parsing: Array("tag=a&tag=b&q=swift+6".utf8))
/// form["q"]          // "swift 6"
/// form.all("tag")    // ["a", "b"]
/// for (name, values) in form { … }   // ("tag", ["a", "b"]), ("q", ["swift 6"])
/// ```
public struct FormData: Sendable, Hashable, Sequence {
    /// One name with its values, in order.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var values: [String]
    }

    /// The fields, by first appearance.
    public private(set) var fields: [Field] = []
    /// Positions by name, made once a form has many names, so that a hostile body of
    /// distinct names does not make parsing quadratic.
    private var positions: [String: Int]?

    /// An empty form.
    public init() {}

    /// The fields of `pairs`, grouped by name.
    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { append(name: name, value: value) }
    }

    /// Parses `bytes` strictly: an invalid percent-escape or a field that is not UTF-8
    /// throws `FormDecodingError` (the request helpers answer it with a 400).
    public init(parsing bytes: some Collection<UInt8>) throws(FormDecodingError) {
        let contiguous = bytes as? [UInt8] ?? Array(bytes)
        var form = FormData()
        let failure: FormDecodingError? = contiguous.withUnsafeBufferPointer { buffer in
            do throws(FormDecodingError) {
                try URLEncodedForm.parse(buffer, strict: true) { form.append(name: $0, value: $1) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        self = form
    }

    /// Parses a query string leniently, as Python does by default: an invalid escape stays
    /// as written and bytes that are not UTF-8 become U+FFFD.
    public init(query bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var form = FormData()
        bytes.withUnsafeBufferPointer { buffer in
            try? URLEncodedForm.parse(buffer, strict: false) { form.append(name: $0, value: $1) }
        }
        self = form
    }

    /// The number of distinct names.
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? { field(name)?.values.first }

    /// Every value of `name`, in order (empty when there is none).
    public func all(_ name: String) -> [String] { field(name)?.values ?? [] }

    private func field(_ name: String) -> Field? {
        if let positions { return positions[name].map { fields[$0] } }
        return fields.first { $0.name == name }
    }

    /// Adds a value for `name` after its others (a new name goes last).
    public mutating func append(name: String, value: String) {
        if positions == nil && fields.count >= 16 {
            var made: [String: Int] = [:]
            made.reserveCapacity(fields.count * 2)
            for (position, field) in fields.enumerated() { made[field.name] = position }
            positions = made
        }
        if positions != nil {
            if let position = positions![name] {
                fields[position].values.append(value)
            } else {
                positions![name] = fields.count
                fields.append(Field(name: name, values: [value]))
            }
        } else if let position = fields.lastIndex(where: { $0.name == name }) {
            // Searched from the end: a repeated name is usually the latest one.
            fields[position].values.append(value)
        } else {
            fields.append(Field(name: name, values: [value]))
        }
    }

    public static func == (lhs: FormData, rhs: FormData) -> Bool { lhs.fields == rhs.fields }

    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }

    public func makeIterator() -> some IteratorProtocol<(name: String, values: [String])> {
        fields.lazy.map { (name: $0.name, values: $0.values) }.makeIterator()
    }

    /// The fields as a JSON object of arrays (`{"key": ["v1", "v2"]}`), as the seed's
    /// `parse_qs` result is serialized.
    public var jsonValue: JSONValue {
        .object(JSONObject(unique: fields.map { (key: $0.name, value: JSONValue.array($0.values.map { JSONValue.string($0) })) }))
    }
}

/// Why a form body cannot be decoded.
public struct FormDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `%` not followed by two hex digits.
        case invalidPercentEscape
        /// A decoded name or value is not UTF-8.
        case invalidUTF8
    }

    public let kind: Kind
    /// The byte offset of the field in which it was found.
    public let offset: Int

    public var description: String {
        switch kind {
        case .invalidPercentEscape: "invalid percent-escape in the form field at byte \(offset)"
        case .invalidUTF8: "the form field at byte \(offset) is not UTF-8"
        }
    }
}

/// The `application/x-www-form-urlencoded` parser (CPython's `parse_qsl` with
/// `keep_blank_values=False`), over a byte buffer.
enum URLEncodedForm {
    /// Calls `field` with each kept (name, value), in order. `strict`: an invalid escape or
    /// invalid UTF-8 throws; otherwise they are kept as written and replaced by U+FFFD.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, strict: Bool,
                      _ field: (String, String) -> Void) throws(FormDecodingError) {
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end && bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            // Dropped before decoding, as parse_qsl does: no `=`, or an empty value.
            if equals < end && equals + 1 < end {
                let name = try decode(UnsafeBufferPointer(rebasing: bytes[start..<equals]), strict: strict, offset: start)
                let value = try decode(UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end]), strict: strict, offset: start)
                field(name, value)
            }
            start = end + 1
        }
    }

    /// One name or value: `+` is a space, `%XX` a byte.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, strict: Bool, offset: Int) throws(FormDecodingError) -> String {
        // The common case, nothing to decode: one copy.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            guard !strict || isValidUTF8(bytes) else { throw FormDecodingError(kind: .invalidUTF8, offset: offset) }
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(0x20)
            } else if byte == UInt8(ascii: "%") {
                if index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                    decoded.append(high << 4 | low)
                    index += 3
                    continue
                }
                guard !strict else { throw FormDecodingError(kind: .invalidPercentEscape, offset: offset) }
                decoded.append(byte)  // lenient: kept as written
            } else {
                decoded.append(byte)
            }
            index += 1
        }
        if strict {
            let valid = decoded.withUnsafeBufferPointer { isValidUTF8($0) }
            guard valid else { throw FormDecodingError(kind: .invalidUTF8, offset: offset) }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
