import Foundation
import RingwayTestSupport
@testable import RingwayToolkit
import Testing

// OrderedJSONEncoder against Foundation's JSONEncoder: both outputs are parsed with
// JSONValue(parsing:) and compared as values (numbers by their Double, objects ignoring
// Foundation's order); where the order is defined (declaration order, sorted dictionary
// keys) the exact bytes are checked too.

private struct User: Codable, Equatable {
    let id: Int
    let name: String
}

private struct Address: Codable, Equatable {
    let city: String
    let zip: String?
}

private enum Role: String, Codable { case admin, member }
private enum Level: Int, Codable { case low = 1, high = 9 }

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case point
}

private struct Profile: Codable {
    let id: UInt64
    let name: String
    let nickname: String?
    let missing: Int?
    let address: Address
    let friends: [User]
    let role: Role
    let level: Level
    let scores: [Double]
    let flags: [Bool?]
    let shape: Shape
    let counts: [String: Int]
}

private struct Numbers: Codable {
    let int8: Int8, int16: Int16, int32: Int32, int64: Int64
    let uint8: UInt8, uint16: UInt16, uint32: UInt32, uint64: UInt64, uint: UInt
    let double: Double, float: Float
}

/// Numbers compare as Doubles (Foundation writes `1` where the encoder writes `1.0`), long
/// integers as text; objects by their member sets.
private func sameValue(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.number(let a), .number(let b)):
        if let x = a.intValue, let y = b.intValue { return x == y }
        if !a.text.contains(where: { ".eE".contains($0) }) && !b.text.contains(where: { ".eE".contains($0) }) { return a.text == b.text }
        return a.doubleValue == b.doubleValue
    case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { sameValue($0, $1) }
    case (.object(let a), .object(let b)):
        return a.count == b.count && a.allSatisfy { member in b[member.key].map { sameValue(member.value, $0) } ?? false }
    default: return lhs == rhs
    }
}

/// Our output and Foundation's, each parsed.
private func bothParsed(_ value: some Encodable, style: JSONValue.Style = .compact) throws -> (ours: JSONValue, foundation: JSONValue, text: String) {
    let ours = try OrderedJSONEncoder(style: style).encode(value)
    let foundation = try JSONEncoder().encode(value)
    return (try JSONValue(parsing: ours), try JSONValue(parsing: Array(foundation)), String(decoding: ours, as: UTF8.self))
}

private let profile = Profile(
    id: 9_007_199_254_740_993, name: "Zoë \"Z\" \\ 😀", nickname: "z\n\t\u{1}\u{7F}", missing: nil,
    address: Address(city: "Zürich", zip: nil), friends: [User(id: 1, name: "a"), User(id: 2, name: "b")],
    role: .admin, level: .high, scores: [0.1, -0.0, 1.0, 1e300, .leastNonzeroMagnitude, 123456789.125, 1e16, 0.0001], flags: [true, nil, false],
    shape: .circle(radius: 1.5), counts: ["b": 2, "a": 1, "é": 3, "A": 0])

@Suite("OrderedJSONEncoder")
struct OrderedJSONEncoderTests {
    @Test("a table of values encodes to what Foundation's JSONEncoder encodes, as values")
    func matchesFoundation() throws {
        let values: [(String, any Encodable)] = [
            ("user", User(id: 42, name: "user 42")),
            ("profile", profile),
            ("numbers min", Numbers(int8: .min, int16: .min, int32: .min, int64: .min, uint8: 0, uint16: 0, uint32: 0, uint64: 0, uint: 0,
                                   double: -Double.greatestFiniteMagnitude, float: -Float.greatestFiniteMagnitude)),
            ("numbers max", Numbers(int8: .max, int16: .max, int32: .max, int64: .max, uint8: .max, uint16: .max, uint32: .max,
                                   uint64: .max, uint: .max, double: .leastNonzeroMagnitude, float: 0.1)),
            ("array of structs", [User(id: 1, name: "x"), User(id: -2, name: "")]),
            ("optionals", [1, nil, 3] as [Int?]),
            ("nested arrays", [[1, 2], [], [3]] as [[Int]]),
            ("empty dictionary", [String: Int]()),
            ("int-keyed dictionary", [10: "ten", 2: "two", -1: "minus"]),
            ("dictionary of structs", ["u": User(id: 1, name: "u"), "t": User(id: 2, name: "t")]),
            ("string", "\u{0}\u{1F} \" \\ / é 😀 \u{2028}"),
            ("bool", true),
            ("nil", Int?.none),
            ("double", 0.30000000000000004),
            ("data", Data([0, 1, 2, 254, 255])),
            ("url", URL(string: "https://example.com/a/b?q=1#f")!),
            ("decimal", Decimal(string: "3.14159")!),
            ("enum without values", Shape.point),
        ]
        for (name, value) in values {
            let (ours, foundation, text) = try bothParsed(value)
            #expect(sameValue(ours, foundation), "\(name): \(text) vs \(foundation.serializedString())")
        }
    }

    @Test("keys in declaration order, dictionary keys sorted, exact bytes")
    func exactBytes() throws {
        let encoder = OrderedJSONEncoder()
        #expect(try encoder.encode(User(id: 42, name: "user 42")) == Array(#"{"id":42,"name":"user 42"}"#.utf8))
        #expect(try encoder.encode(["b": 2, "a": 1, "c": 3]) == Array(#"{"a":1,"b":2,"c":3}"#.utf8))
        #expect(try encoder.encode([10: "ten", 2: "two", -1: "minus"]) == Array(#"{"-1":"minus","2":"two","10":"ten"}"#.utf8))
        // DEL needs no escape in JSON; the compact style writes it raw.
        let text = String(decoding: try encoder.encode(profile), as: UTF8.self)
        #expect(text == #"{"id":9007199254740993,"name":"Zoë \"Z\" \\ 😀","nickname":"z\n\t\u0001"# + "\u{7F}" + #"","#
            + #""address":{"city":"Zürich"},"friends":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"role":"admin","level":9,"#
            + #""scores":[0.1,-0.0,1.0,1e+300,5e-324,123456789.125,1e+16,0.0001],"flags":[true,null,false],"#
            + #""shape":{"circle":{"radius":1.5}},"counts":{"A":0,"a":1,"b":2,"é":3}}"#)
        // Sorted like Foundation's .sortedKeys for plain dictionaries.
        let sorted = JSONEncoder()
        sorted.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let dictionary = ["zeta": [1, 2], "alpha": [], "Mid": [3]]
        #expect(try encoder.encode(dictionary) == Array(try sorted.encode(dictionary)))
    }

    @Test("integers of every width at their limits, floats as shortest round-trip digits")
    func numbers() throws {
        let encoder = OrderedJSONEncoder()
        func text(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        #expect(try text(Int64.min) == "-9223372036854775808")
        #expect(try text(UInt64.max) == "18446744073709551615")
        #expect(try text(Int8.min) == "-128" && text(UInt8.max) == "255" && text(Int16.min) == "-32768" && text(UInt32.max) == "4294967295")
        #expect(try text(0) == "0" && text(-7) == "-7")
        #expect(try text(Float(0.1)) == "0.1" && text(Float(16_777_216)) == "16777216.0")
        #expect(try text(0.1) == "0.1" && text(100.0) == "100.0" && text(1e-7) == "1e-07" && text(2.5e-5) == "2.5e-05")
        for value in [0.1, 1.0 / 3, 1e300, .leastNonzeroMagnitude, -123.456, Double.greatestFiniteMagnitude] {
            #expect(Double(try text(value)) == value)
        }
        #expect(try text(Decimal(string: "-12345678901234567890.5")!) == "-12345678901234567890.5")
    }

    @Test("NaN and infinities are typed errors with the coding path")
    func nonFinite() throws {
        struct Price: Encodable { let label: String; let prices: [Double] }
        #expect(throws: JSONEncodingError(.nonFiniteNumber("nan"), codingPath: ["prices", "1"])) {
            try OrderedJSONEncoder().encode(Price(label: "x", prices: [1, .nan]))
        }
        #expect(throws: JSONEncodingError(.nonFiniteNumber("-inf"), codingPath: [])) { try OrderedJSONEncoder().encode(-Double.infinity) }
        #expect(throws: JSONEncodingError(.nonFiniteNumber("inf"), codingPath: ["value"])) {
            try OrderedJSONEncoder().encode(["value": Float.infinity])
        }
        #expect(throws: JSONEncodingError(.nonFiniteNumber("NaN"), codingPath: [])) { try OrderedJSONEncoder().encode(Decimal.nan) }
    }

    @Test("Date as ISO 8601 with milliseconds in UTC")
    func dates() throws {
        func text(_ date: Date) throws -> String { String(decoding: try OrderedJSONEncoder().encode(date), as: UTF8.self) }
        #expect(try text(Date(timeIntervalSince1970: 0)) == #""1970-01-01T00:00:00.000Z""#)
        #expect(try text(Date(timeIntervalSince1970: -1.5)) == #""1969-12-31T23:59:58.500Z""#)
        #expect(try text(Date(timeIntervalSince1970: 951_782_400.25)) == #""2000-02-29T00:00:00.250Z""#)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for seconds in stride(from: -2_208_988_800.0, through: 4_102_444_800, by: 3_222_720.125) {  // multiples of 1/8 s: exact milliseconds
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try text(date) == "\"" + formatter.string(from: date) + "\"")
        }
    }

    @Test(".python and .pythonIndented styles write what JSONValue writes for the same value")
    func styles() throws {
        for style in [JSONValue.Style.python, .pythonIndented(2), .pythonIndented(0)] {
            let ours = try OrderedJSONEncoder(style: style).encode(profile)
            let asValue = try JSONValue(parsing: OrderedJSONEncoder().encode(profile))
            #expect(ours == asValue.serialized(style), "\(style)")
        }
        #expect(try OrderedJSONEncoder(style: .python).encode(User(id: 1, name: "café")) == Array(#"{"id": 1, "name": "caf\u00e9"}"#.utf8))
    }

    @Test("a JSONValue member is written as it is; JSONValue encodes through Foundation too")
    func jsonValueMember() throws {
        struct Envelope: Encodable { let kind: String; let payload: JSONValue }
        let payload = try JSONValue(parsing: #"{"z":1.50,"a":[true,null,"x"],"big":123456789012345678901234567890}"#)
        let text = String(decoding: try OrderedJSONEncoder().encode(Envelope(kind: "k", payload: payload)), as: UTF8.self)
        #expect(text == #"{"kind":"k","payload":{"z":1.50,"a":[true,null,"x"],"big":123456789012345678901234567890}}"#)
        let viaFoundation = try JSONValue(parsing: Array(JSONEncoder().encode(payload)))
        #expect(sameValue(viaFoundation, payload))
    }

    @Test("a custom encode(to:) that interleaves containers falls back to a tree, with the right output")
    func interleaving() throws {
        struct Interleaved: Encodable {
            enum Key: String, CodingKey { case a, b, c, d, e }
            func encode(to encoder: any Encoder) throws {
                var root = encoder.container(keyedBy: Key.self)
                var first = root.nestedUnkeyedContainer(forKey: .a)
                var second = root.nestedContainer(keyedBy: Key.self, forKey: .b)
                try first.encode(1)
                try second.encode("x", forKey: .c)
                var inner = first.nestedContainer(keyedBy: Key.self)
                try root.encode(true, forKey: .d)
                try first.encode(2)
                try second.encode("y", forKey: .e)
                try inner.encode(3, forKey: .a)
            }
        }
        let (ours, foundation, text) = try bothParsed(Interleaved())
        #expect(text == #"{"a":[1,{"a":3},2],"b":{"c":"x","e":"y"},"d":true}"#)
        #expect(sameValue(ours, foundation))
        // Nested inside well-behaved values, in an array: the whole value falls back.
        let nested = try bothParsed(["list": [Interleaved(), Interleaved()]])
        #expect(sameValue(nested.ours, nested.foundation))
        // A superEncoder used after its parent moved on.
        struct LateSuper: Encodable {
            enum Key: String, CodingKey { case name }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                let parent = container.superEncoder()
                try container.encode("n", forKey: .name)
                var single = parent.singleValueContainer()
                try single.encode(7)
            }
        }
        let late = try bothParsed(LateSuper())
        #expect(late.text == #"{"super":7,"name":"n"}"# && sameValue(late.ours, late.foundation))
    }

    @Test("superEncoder, a class that encodes its superclass, a container asked for twice")
    func inheritance() throws {
        class Base: Encodable {
            var id = 1
        }
        final class Derived: Base {
            enum Key: String, CodingKey { case name }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode("d", forKey: .name)
                try super.encode(to: container.superEncoder())
            }
        }
        final class Flattened: Base {
            enum Key: String, CodingKey { case name }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode("f", forKey: .name)
                try super.encode(to: encoder)  // the same encoder: one object
            }
        }
        let derived = try bothParsed(Derived())
        #expect(derived.text == #"{"name":"d","super":{"id":1}}"# && sameValue(derived.ours, derived.foundation))
        let flattened = try bothParsed(Flattened())
        #expect(flattened.text == #"{"name":"f","id":1}"# && sameValue(flattened.ours, flattened.foundation))
        // A superEncoder nobody uses is an empty object, as in Foundation.
        struct Unused: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.unkeyedContainer()
                _ = container.superEncoder()
                try container.encode(1)
            }
        }
        let unused = try bothParsed(Unused())
        #expect(unused.text == #"[{},1]"# && sameValue(unused.ours, unused.foundation))
    }

    @Test("userInfo and codingPath reach encode(to:)")
    func userInfoAndPath() throws {
        let key = CodingUserInfoKey(rawValue: "unit")!
        struct Reading: Encodable {
            let value: Int
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                let unit = encoder.userInfo[CodingUserInfoKey(rawValue: "unit")!] as? String ?? "?"
                let path = encoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
                try container.encode("\(value)\(unit)@\(path)")
            }
        }
        let encoder = OrderedJSONEncoder(userInfo: [key: "kg"])
        let text = String(decoding: try encoder.encode(["a": [Reading(value: 1), Reading(value: 2)]]), as: UTF8.self)
        #expect(text == #"{"a":["1kg@a/0","2kg@a/1"]}"#)
    }

    @Test("values that encode nothing or misuse their containers are typed errors, not crashes")
    func misuse() throws {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(1)
                try container.encode(2)
            }
        }
        struct Mixed: Encodable {
            enum Key: CodingKey { case a }
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: Key.self)
                try keyed.encode(1, forKey: .a)
                var unkeyed = encoder.unkeyedContainer()
                try unkeyed.encode(2)
            }
        }
        #expect(throws: JSONEncodingError(.noValue, codingPath: [])) { try OrderedJSONEncoder().encode(Nothing()) }
        #expect(try OrderedJSONEncoder().encode(["n": Nothing()]) == Array(#"{"n":{}}"#.utf8))
        #expect(throws: JSONEncodingError.self) { try OrderedJSONEncoder().encode(Twice()) }
        #expect(throws: JSONEncodingError(.containerMismatch, codingPath: ["x"])) { try OrderedJSONEncoder().encode(["x": Mixed()]) }
    }

    @Test("send.json writes the encoder's bytes; a Foundation encoder can still be passed")
    func sendJSON() async throws {
        let app = App { scope, receive, send in
            switch scope.path {
            case "/user": try await send.json(User(id: 42, name: "user 42"))
            case "/python": try await send.json(User(id: 42, name: "é"), style: .python, status: 201)
            default:
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                try await send.json(User(id: 42, name: "user 42"), encoder: encoder)
            }
        }
        let client = TestClient(app: app)
        let user = try await client.get("/user")
        #expect(user.text == #"{"id":42,"name":"user 42"}"# && user.header("content-type") == "application/json")
        let python = try await client.get("/python")
        #expect(python.status == 201 && python.text == #"{"id": 42, "name": "\u00e9"}"#)
        #expect(try await client.get("/foundation").text == #"{"id":42,"name":"user 42"}"#)
    }
}
