import RingwayToolkit
import Testing

/// The `.python` style and `withPythonNumbers()` write what Python's `json.dumps` writes (the
/// cases the demo chat's own JSON code was tested with; Python itself is the oracle in
/// EndToEndTests' `ToolkitJSONTests`).
@Suite("JSONValue as Python's json.dumps writes it")
struct JSONPythonStyleTests {
    @Test("json.dumps layout: separators, key order, ensure_ascii escapes", arguments: [
        (["type": "user_joined", "user_count": 2], #"{"type": "user_joined", "user_count": 2}"#),
        ([:], "{}"),
        ([], "[]"),
        ([1, true, false, nil, ["a": []]], #"[1, true, false, null, {"a": []}]"#),
        (.string("q\"b\\s/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}~ é✓😀"), #""q\"b\\s/\n\r\t\b\f\u0000\u001f\u007f~ \u00e9\u2713\ud83d\ude00""#),
        (.number(JSONNumber("123456789012345678901234567890")!), "123456789012345678901234567890"),
        (["\u{FFFF}\u{10000}\u{10FFFF}": "\u{E000}"], #"{"\uffff\ud800\udc00\udbff\udfff": "\ue000"}"#),
    ] as [(JSONValue, String)])
    func writes(value: JSONValue, text: String) {
        #expect(value.serializedString(.python) == text)
    }

    /// Expected texts are Python 3's `repr`.
    @Test("JSONNumber(Double) is float.__repr__", arguments: [
        (0.0, "0.0"), (-0.0, "-0.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (1.5e-5, "1.5e-05"), (0.0001, "0.0001"), (0.00001, "1e-05"), (123456789012345678.0, "1.2345678901234568e+17"),
        (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (1e22, "1e+22"), (2.5, "2.5"),
        (-1.0, "-1.0"), (100.0, "100.0"), (1e-7, "1e-07"), (9007199254740992.0, "9007199254740992.0"),
        (9007199254740994.0, "9007199254740994.0"), (9999999999999998.0, "9999999999999998.0"),
        (1234567.125, "1234567.125"), (1e100, "1e+100"), (12345678901234567.0, "1.2345678901234568e+16"),
        (1796267104.25, "1796267104.25"), (1764655200.123456, "1764655200.123456"), (-2.2250738585072014e-308, "-2.2250738585072014e-308"),
    ] as [(Double, String)])
    func floats(value: Double, text: String) throws {
        let number = try #require(JSONNumber(value))
        #expect(number.text == text)
        #expect(JSONValue.number(number).serializedString(.python) == text)
        #expect(number.doubleValue.bitPattern == value.bitPattern)  // reads back as the same Double
    }

    @Test("no number for NaN and infinities")
    func nonFinite() {
        #expect(JSONNumber(Double.nan) == nil && JSONNumber(Double.infinity) == nil && JSONNumber(-Double.infinity) == nil)
    }

    /// `json.dumps(json.loads(text))` for each, from Python 3.
    @Test("pythonNormalized: integers keep their digits, other numbers become repr of the nearest Double", arguments: [
        ("0", "0"), ("-0", "0"), ("-12", "-12"), ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("2.50", "2.5"), ("-0.0", "-0.0"), ("1E5", "100000.0"), ("1E+2", "100.0"), ("0.1e1", "1.0"), ("1e-4", "0.0001"),
        ("1E16", "1e+16"), ("1e15", "1000000000000000.0"), ("1.5e-5", "1.5e-05"), ("1e-400", "0.0"), ("-1e-400", "-0.0"),
        ("0.30000000000000004441", "0.30000000000000004"), ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        // Beyond Double's range Python writes Infinity, which is not JSON: the literal stays.
        ("1e400", "1e400"), ("-1e400", "-1e400"),
    ])
    func normalized(literal: String, python: String) throws {
        #expect(try #require(JSONNumber(literal)).pythonNormalized.text == python)
    }

    @Test("withPythonNumbers reaches every number and keeps everything else")
    func wholeValue() throws {
        let value = try JSONValue(parsing: #" {"type" : "chat", "message":["a\/b\u00e9\ud83d\ude00", 2.50, {"n": -0, "m": [1E2]}], "type": "typing"} "#)
        #expect(value.withPythonNumbers().serializedString(.python)
            == #"{"type": "typing", "message": ["a/b\u00e9\ud83d\ude00", 2.5, {"n": 0, "m": [100.0]}]}"#)
        #expect(value.serializedString(.python) == #"{"type": "typing", "message": ["a/b\u00e9\ud83d\ude00", 2.50, {"n": -0, "m": [1E2]}]}"#)
        let nested = String(repeating: "[", count: JSONValue.defaultMaxDepth) + String(repeating: "]", count: JSONValue.defaultMaxDepth)
        #expect(try JSONValue(parsing: nested).withPythonNumbers().serializedString(.python) == nested)
    }

    /// Python's `json.loads` takes these; RFC 8259 does not, so neither does `JSONValue`.
    @Test("what Python reads beyond RFC 8259 is refused", arguments: [
        "NaN", "-NaN", "nan", "Infinity", "-Infinity", "infinity", #"[1, NaN]"#, #"{"a": Infinity}"#,
        #""\ud800""#, #""\udc00\ud800""#, #""x\ud83d""#, "{1: 2}", #""\u12G4""#, "[1] x",
    ])
    func refusesPythonExtensions(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    /// Expected texts are Python 3's `json.dumps(json.loads(text), indent=2)`.
    @Test("pythonIndented(2) is json.dumps(indent=2)", arguments: [
        ("{}", "{}"),
        ("[]", "[]"),
        ("{\"a\": [], \"b\": {}}", "{\n  \"a\": [],\n  \"b\": {}\n}"),
        ("{\"type\": \"http\", \"headers\": {\"host\": \"x\", \"h\\u00e9\": \"v\"}, \"client\": [\"127.0.0.1\", 5000], \"n\": null}", "{\n  \"type\": \"http\",\n  \"headers\": {\n    \"host\": \"x\",\n    \"h\\u00e9\": \"v\"\n  },\n  \"client\": [\n    \"127.0.0.1\",\n    5000\n  ],\n  \"n\": null\n}"),
        ("[1, [2, [3]], \"s\"]", "[\n  1,\n  [\n    2,\n    [\n      3\n    ]\n  ],\n  \"s\"\n]"),
    ])
    func indented(text: String, python: String) throws {
        #expect(try JSONValue(parsing: text).serializedString(.pythonIndented(2)) == python)
    }
}
