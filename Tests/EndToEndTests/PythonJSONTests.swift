import Foundation
@testable import RingwayDemo
import Testing

/// `PythonJSON` reads as `json.loads` and writes as `json.dumps`: fixed cases, then Python
/// itself as the oracle on random values and on non-canonical texts.
@Suite("The chat's JSON, as Python reads and writes it")
struct PythonJSONTests {
    @Test("json.dumps layout: separators, key order, ensure_ascii escapes", arguments: [
        (.object(["type": .string("user_joined"), "user_count": .integer(2)]), #"{"type": "user_joined", "user_count": 2}"#),
        (.object([]), "{}"),
        (.array([]), "[]"),
        (.array([.integer(1), .bool(true), .bool(false), .null, .object(["a": .array([])])]), #"[1, true, false, null, {"a": []}]"#),
        (.string("q\"b\\s/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}~ é✓😀"), #""q\"b\\s/\n\r\t\b\f\u0000\u001f\u007f~ \u00e9\u2713\ud83d\ude00""#),
        (.string([0xD800]), #""\ud800""#),
        (.integer("-0"), "0"),
        (.integer("123456789012345678901234567890"), "123456789012345678901234567890"),
        (.float(.nan), "NaN"),
        (.float(.infinity), "Infinity"),
        (.float(-.infinity), "-Infinity"),
    ] as [(PythonJSON, String)])
    func writes(value: PythonJSON, text: String) {
        #expect(value.text == text)
    }

    /// Expected values are Python 3's `repr`.
    @Test("floats as float.__repr__", arguments: [
        (0.0, "0.0"), (-0.0, "-0.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (1.5e-5, "1.5e-05"), (0.0001, "0.0001"), (0.00001, "1e-05"), (123456789012345678.0, "1.2345678901234568e+17"),
        (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (1e22, "1e+22"), (2.5, "2.5"),
        (-1.0, "-1.0"), (100.0, "100.0"), (1e-7, "1e-07"), (9007199254740992.0, "9007199254740992.0"),
        (1234567.125, "1234567.125"), (1e100, "1e+100"), (12345678901234567.0, "1.2345678901234568e+16"),
        (1796267104.25, "1796267104.25"),
    ] as [(Double, String)])
    func floats(value: Double, text: String) {
        #expect(PythonJSON.repr(value) == text)
    }

    @Test("what json.loads refuses is refused", arguments: [
        "", " ", "{", "}", "[1,]", #"{"a":1,}"#, "01", "-", "1.", ".5", "1e", "+1", "tru", "nul", "nan", "-NaN", "infinity",
        #"{"a" 1}"#, "{1: 2}", #""unterminated"#, #""\x""#, #""\u12G4""#, #""\u123""#, "\"\u{1}\"", "\"a\nb\"",
        "1 2", "[1] x", "\u{FEFF}1",
        String(repeating: "[", count: PythonJSONParser.maxDepth + 1) + String(repeating: "]", count: PythonJSONParser.maxDepth + 1),
    ])
    func refuses(text: String) {
        #expect(throws: PythonJSONParser.ParseError.self) { try PythonJSONParser.parse(text) }
    }

    @Test("what json.loads accepts is read as Python reads it")
    func reads() throws {
        #expect(try PythonJSONParser.parse(#" {"type" : "chat", "message":"a\/b\u00e9\ud83d\ude00", "type": "typing"} "#)
                == .object(["type": .string("typing"), "message": .string("a/b\u{E9}😀")]))
        #expect(try PythonJSONParser.parse("1e400") == .float(.infinity))
        #expect(try PythonJSONParser.parse("-Infinity") == .float(-.infinity))
        #expect(try PythonJSONParser.parse("-0") == .integer("-0"))
        #expect(try PythonJSONParser.parse("1E+2") == .float(100))
        #expect(try PythonJSONParser.parse(#""\udc00\ud800""#) == .string([0xDC00, 0xD800]))
        let nested = String(repeating: "[", count: PythonJSONParser.maxDepth) + String(repeating: "]", count: PythonJSONParser.maxDepth)
        #expect(try PythonJSONParser.parse(nested).text == nested)
        #expect(try PythonJSONParser.parse(#"{"a": 1}"#)["a"] == .integer("1"))
        #expect(try PythonJSONParser.parse("[1]")["a"] == nil)
    }

    /// Python generates random values (floats from random bits, strings of random code
    /// points, lone surrogates included) and texts in other layouts; each line must read
    /// and write back to `json.dumps(json.loads(line))`.
    static let oracle = #"""
        import base64, json, random, struct, sys
        random.seed(int(sys.argv[1]))
        def rnd_float():
            while True:
                value = struct.unpack("<d", struct.pack("<Q", random.getrandbits(64)))[0]
                if value == value: return value
        def rnd_string():
            return "".join(chr(random.choice([random.randrange(0, 0x80), random.randrange(0x80, 0xD800),
                                               random.randrange(0xD800, 0xE000), random.randrange(0xE000, 0x110000)]))
                           for _ in range(random.randrange(0, 12)))
        def rnd_value(depth=0):
            kind = random.randrange(8 if depth < 4 else 5)
            if kind == 0: return rnd_float()
            if kind == 1: return random.randrange(-10**30, 10**30)
            if kind == 2: return rnd_string()
            if kind == 3: return random.choice([True, False, None, float("inf"), float("-inf"), random.uniform(-1e6, 1e6)])
            if kind == 4: return random.choice([10.0 ** random.randrange(-20, 25), random.randrange(1, 10**6) / 10 ** random.randrange(0, 12)])
            if kind in (5, 6): return {rnd_string(): rnd_value(depth + 1) for _ in range(random.randrange(0, 4))}
            return [rnd_value(depth + 1) for _ in range(random.randrange(0, 4))]
        texts = [json.dumps(rnd_value()) for _ in range(1500)]
        texts += [json.dumps(rnd_value(), ensure_ascii=False, separators=(",", ":")) for _ in range(300)]
        texts += ['{"a":1,"b":2,"a":3}', " [ 1 ,\t2 ]\n", "1E5", "-0", "-0.0", "0.1e1", "1e-400", '"\\u00E9\\/"', '{"":{}}']
        for text in texts:
            print(base64.b64encode(text.encode("utf-8", "surrogatepass")).decode(), base64.b64encode(json.dumps(json.loads(text)).encode()).decode())
        """#

    @Test("Python as the oracle: random values and other layouts read and write back as json.dumps(json.loads(text))")
    func pythonOracle() async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        let seed = UInt32.random(in: 0...UInt32.max)
        let result = try await ExternalProcess.run(python, ["-c", Self.oracle, String(seed)], timeout: .seconds(60))
        try #require(result.status == 0, "\(result.errors)")
        var checked = 0
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            try #require(fields.count == 2)
            let input = try #require(Data(base64Encoded: String(fields[0])))
            let expected = String(decoding: try #require(Data(base64Encoded: String(fields[1]))), as: UTF8.self)
            // A text with a lone surrogate cannot be a Swift String: feed its escaped form.
            guard let text = String(data: input, encoding: .utf8) else { continue }
            #expect(try PythonJSONParser.parse(text).text == expected, "seed \(seed): \(text)")
            checked += 1
        }
        #expect(checked > 1_500, "seed \(seed)")
    }
}
