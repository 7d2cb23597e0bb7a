/// Any JSON value, with object members in their order and numbers as their literal text,
/// so a value parsed and serialized again keeps its keys' order and its numbers' digits.
///
/// ```swift
/// let received = try JSONValue(parsing: body)
/// let reply: JSONValue = ["received": received, "method": "POST"]
/// reply.serialized(.python)   // {"received": {...}, "method": "POST"}
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as an `Int`, when it is an integer literal that fits.
    public var intValue: Int? {
        if case .number(let number) = self { return number.intValue }
        return nil
    }

    /// The number as a `Double`, when this is a number.
    public var doubleValue: Double? {
        if case .number(let number) = self { return number.doubleValue }
        return nil
    }

    /// The Boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The member named `key` of an object (nil for a missing key or another kind of value).
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` of an array (nil out of range or for another kind of value).
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }
}

/// A JSON number as its literal text, checked against RFC 8259's grammar when made.
///
/// Kept as text so that no digit is lost or changed (`1.50`, `1e400` and 30-digit integers
/// come back as they were written).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal (`-12.5e3`).
    public let text: String

    /// The number written `text`, or nil when it is not an RFC 8259 number.
    public init?(_ text: String) {
        guard JSONParser.isNumber(Array(text.utf8)) else { return nil }
        self.text = text
    }

    /// An already checked literal.
    init(checked text: String) { self.text = text }

    public init(_ value: Int) { text = String(value) }

    /// A finite `value` in its shortest round-trip form; nil for infinities and NaN, which JSON cannot write.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        text = "\(value)"  // Swift's shortest form is a JSON number once finite (`1.0`, `1e+16`)
    }

    /// The value as an `Int`, when the literal is an integer that fits.
    public var intValue: Int? { Int(text) }

    /// The value as a `Double` (rounded; `±inf` past its range).
    public var doubleValue: Double { Double(text) ?? 0 }

    public var description: String { text }
}

/// A JSON object's members in order. Duplicate names do not occur: a parsed object keeps
/// the last value at the first name's position, as Python's `json.loads` does.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// The members, in order.
    public private(set) var members: [(key: String, value: JSONValue)]

    public init() { members = [] }

    /// The members of `pairs`; a repeated key replaces the earlier value in its place.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Members taken as they are (the parser removed duplicates).
    init(unique members: [(key: String, value: JSONValue)]) { self.members = members }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether there are no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The value of member `key` (a linear search); assigning replaces it in its place or
    /// appends it, nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            let position = members.firstIndex { $0.key == key }
            switch (position, newValue) {
            case (let position?, let value?): members[position].value = value
            case (let position?, nil): members.remove(at: position)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { members.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    /// A float literal; a non-finite one is `null`, as JSON has no infinities.
    public init(floatLiteral value: Double) { self = JSONNumber(value).map { .number($0) } ?? .null }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
