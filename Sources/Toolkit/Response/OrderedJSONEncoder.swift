/// Encodes any `Encodable` straight to JSON bytes, object keys in the order they are
/// encoded (declaration order for synthesized conformances), so `struct User { id; name }`
/// is `{"id":42,"name":"user 42"}` on every platform. `Send.json(_:)` uses it.
///
/// What it writes, where Foundation's `JSONEncoder` may differ:
/// - `[String: T]` and `[Int: T]` dictionaries with their keys sorted (by `String`'s `<`,
///   integers numerically), so the output is deterministic.
/// - `Date` as ISO 8601 UTC with milliseconds (`"2026-12-02T06:33:40.123Z"`); Foundation's
///   default is a `Double` of seconds since 2001.
/// - `Data` as base64, `URL` as its absolute string, `Decimal` as a number, a `JSONValue` as
///   the value it is; `Double`/`Float` as their shortest round-trip digits in Python's
///   `repr` layout (`1.0`, `0.1`, `1e+16`). NaN and infinities throw
///   `JSONEncodingError` (`.nonFiniteNumber`).
///
/// Values are written as they are encoded, without an intermediate tree. A custom
/// `encode(to:)` that returns to a container after starting another one (interleaving) is
/// detected, and the value is encoded a second time into a tree: the output is always
/// right, at the price of running that `encode(to:)` twice.
public struct OrderedJSONEncoder: Sendable {
    /// The layout: `.compact` (`{"a":[1,"é"]}`), `.python` (`json.dumps`'s separators and
    /// `\uXXXX` escapes) or `.pythonIndented(n)`.
    public var style: JSONValue.Style
    /// What `Encoder.userInfo` shows the values being encoded.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    public init(style: JSONValue.Style = .compact, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.style = style
        self.userInfo = userInfo
    }

    /// The JSON text of `value` as UTF-8 bytes. Throws `JSONEncodingError`, or what the
    /// value's own `encode(to:)` throws.
    public func encode(_ value: some Encodable) throws -> [UInt8] {
        let writer = JSONStreamWriter(style: style, userInfo: userInfo)
        do {
            try writer.encodeTopLevel(value)
            if let failure = writer.failure { throw failure }
            if !writer.interleaved { return writer.output }
        } catch let error where !writer.interleaved {
            throw error
        } catch {
            // An interleaving container raised the restart: fall through to the tree.
        }
        let tree = JSONTreeEncoder(node: JSONTreeNode(), codingPath: [], context: JSONTreeContext(style: style, userInfo: userInfo))
        try tree.encodeValue(value)
        if let failure = tree.context.failure { throw failure }
        guard let result = tree.node.value else { throw JSONEncodingError(.noValue, codingPath: []) }
        return result.serialized(style)
    }
}

/// A value that `OrderedJSONEncoder` cannot write; `codingPath` names where it is
/// (`["items", "2", "price"]`).
public struct JSONEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// NaN or an infinity (its description), which JSON cannot write.
        case nonFiniteNumber(String)
        /// The top-level value encoded nothing.
        case noValue
        /// One encoder was asked for two kinds of container (keyed and unkeyed, or a
        /// second single value).
        case containerMismatch
    }

    public let kind: Kind
    public let codingPath: [String]

    public init(_ kind: Kind, codingPath: [String]) {
        self.kind = kind
        self.codingPath = codingPath
    }

    init(_ kind: Kind, path: [any CodingKey]) {
        self.init(kind, codingPath: path.map { $0.intValue.map(String.init) ?? $0.stringValue })
    }

    public var description: String {
        let place = codingPath.isEmpty ? "the top-level value" : codingPath.joined(separator: ".")
        switch kind {
        case .nonFiniteNumber(let value): return "\(value) at \(place) is not a JSON number"
        case .noValue: return "\(place) encoded no value"
        case .containerMismatch: return "\(place) asked for two different containers"
        }
    }
}

/// A coding key made at run time: an array index or a dictionary key.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    static let superKey = JSONCodingKey(stringValue: "super")
}
