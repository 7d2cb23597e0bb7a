import RingwayToolkit
import Testing

@Suite("JSONValue: strict RFC 8259 parsing and serialization")
struct JSONValueTests {
    @Test("keys keep their order, numbers their text")
    func orderAndNumbers() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":[true,false,null],"m":{"k":"v"}, "n": [1.50,-0,1e400,12345678901234567890123]}"#)
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object.members.map { $0.key } == ["z", "a", "m", "n"])
        #expect(value["a"] == [true, false, nil])
        #expect(value["m"]?["k"]?.stringValue == "v")
        #expect(value.serializedString() == #"{"z":1,"a":[true,false,null],"m":{"k":"v"},"n":[1.50,-0,1e400,12345678901234567890123]}"#)
        #expect(value["z"]?.intValue == 1)
        #expect(value["n"]?[3]?.intValue == nil)  // does not fit: the text stays
    }

    @Test("a repeated name keeps the last value at the first position, as Python does")
    func duplicates() throws {
        #expect(try JSONValue(parsing: #"{"b":1,"a":2,"b":3}"#).serializedString(.python) == #"{"b": 3, "a": 2}"#)
        // Past the size where the parser indexes members by name.
        let keys = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let big = try JSONValue(parsing: "{\(keys),\"k3\":\"again\",\"k39\":null}")
        guard case .object(let object) = big else {
            Issue.record("not an object")
            return
        }
        #expect(object.count == 40)
        #expect(object.members[3].value == "again")
        #expect(object.members[39].value == .null)
    }

    @Test("escapes and surrogate pairs decode; the Python style escapes them back")
    func strings() throws {
        let value = try JSONValue(parsing: #""\u00e9\ud83d\ude00\n\/\"\\\t\b\f\r\u0001""#)
        #expect(value == .string("é😀\n/\"\\\t\u{8}\u{C}\r\u{1}"))
        #expect(value.serializedString(.python) == #""\u00e9\ud83d\ude00\n/\"\\\t\b\f\r\u0001""#)
        #expect(value.serializedString(.compact) == "\"é😀\\n/\\\"\\\\\\t\\b\\f\\r\\u0001\"")
        // Python's json.dumps({'a': 'é\x7f', 'n': [1.5, None, True]}).
        let python: JSONValue = ["a": "é\u{7F}", "n": [1.5, nil, true]]
        #expect(python.serializedString(.python) == #"{"a": "\u00e9\u007f", "n": [1.5, null, true]}"#)
    }

    static let invalid: [String] = [
        "", " ", "{", "[", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "01", "1.", "-", "1e", "+1", ".5", "NaN", "Infinity",
        "tru", "nul", "[1 2]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"a\u{1}b\"", "\"tab\there\"", "1 2", "{} x", "\u{FEFF}{}", "'a'", "[1,,2]", "{\"a\":}", "//c\n1",
    ]

    @Test("refuses what RFC 8259 does not allow", arguments: invalid)
    func refuses(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test("accepts every RFC 8259 shape", arguments: ["0", "-0", "1.5e-7", "1E+2", "true", "null", "\"\"", "[]", "{}", " [ { } , [ ] ] ", "\"\\u0000\""])
    func accepts(text: String) throws {
        let value = try JSONValue(parsing: text)
        // Serialized and parsed again: the same value.
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValue(parsing: value.serialized(.python)) == value)
    }

    @Test("invalid UTF-8 and nesting past the limit are refused")
    func limits() throws {
        #expect(throws: JSONParseError(kind: .invalidUTF8, offset: 0)) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError(kind: .invalidUTF8, offset: 0)) { try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) }
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(throws: JSONParseError(kind: .tooDeep(limit: 19), offset: 19)) { try JSONValue(parsing: deep, maxDepth: 19) }
        #expect(try JSONValue(parsing: deep, maxDepth: 20) != .null)
        // The default limit holds against a hostile nesting without exhausting the stack.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: hostile) }
    }

    @Test("every truncation of a valid document is refused or parses, never crashes")
    func truncations() {
        let document = Array(#"{"a":[1,2.5e3,"x\u00e9y",{"b":null}],"c":true}"#.utf8)
        for end in 0..<document.count {
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: document[0..<end]) }
        }
        for position in document.indices {
            for byte: UInt8 in [0x00, 0x22, 0x5C, 0x7B, 0x5D, 0xFF] {
                var mutated = document
                mutated[position] = byte
                _ = try? JSONValue(parsing: mutated)
            }
        }
    }

    @Test("numbers are checked when made")
    func numbers() {
        #expect(JSONNumber("12.5e-3")?.text == "12.5e-3")
        #expect(JSONNumber("1.") == nil && JSONNumber("abc") == nil && JSONNumber("") == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        #expect(JSONNumber(2.5)?.text == "2.5")
        #expect(JSONValue(floatLiteral: .infinity) == .null)
    }
}
