import Foundation
import RingwayToolkit
import Testing

/// Python as the oracle for the toolkit's JSON: random RFC 8259 texts must parse and, with
/// `withPythonNumbers()` in the `.python` style, write back to `json.dumps(json.loads(text))`
/// byte for byte. (The fixed cases are in ToolkitTests' `JSONPythonStyleTests`.)
@Suite("Toolkit JSON against Python's json module")
struct ToolkitJSONTests {
    /// Python generates random values (floats from random bits, strings of random code points
    /// outside the surrogates, 30-digit integers, nesting) and texts in other layouts; only
    /// RFC 8259 JSON: no NaN or infinities, no lone surrogates.
    static let oracle = #"""
        import base64, json, random, struct, sys
        random.seed(int(sys.argv[1]))
        def rnd_float():
            while True:
                value = struct.unpack("<d", struct.pack("<Q", random.getrandbits(64)))[0]
                if value == value and value not in (float("inf"), float("-inf")): return value
        def rnd_string():
            return "".join(chr(random.choice([random.randrange(0, 0x80), random.randrange(0x80, 0xD800),
                                               random.randrange(0xE000, 0x110000)]))
                           for _ in range(random.randrange(0, 12)))
        def rnd_value(depth=0):
            kind = random.randrange(8 if depth < 4 else 5)
            if kind == 0: return rnd_float()
            if kind == 1: return random.randrange(-10**30, 10**30)
            if kind == 2: return rnd_string()
            if kind == 3: return random.choice([True, False, None, random.uniform(-1e6, 1e6), random.uniform(2**53, 1e16)])
            if kind == 4: return random.choice([10.0 ** random.randrange(-20, 25), random.randrange(1, 10**6) / 10 ** random.randrange(0, 12)])
            if kind in (5, 6): return {rnd_string(): rnd_value(depth + 1) for _ in range(random.randrange(0, 4))}
            return [rnd_value(depth + 1) for _ in range(random.randrange(0, 4))]
        texts = [json.dumps(rnd_value(), allow_nan=False) for _ in range(1500)]
        texts += [json.dumps(rnd_value(), ensure_ascii=False, separators=(",", ":"), allow_nan=False) for _ in range(300)]
        texts += ['{"a":1,"b":2,"a":3}', " [ 1 ,\t2 ]\n", "1E5", "-0", "-0.0", "0.1e1", "1e-400", '"\\u00E9\\/"', '{"":{}}',
                  "2.50", "[1.10, 1e2, 1E-2, 0.000123, 123456789.000]"]
        for text in texts:
            print(base64.b64encode(text.encode()).decode(), base64.b64encode(json.dumps(json.loads(text), allow_nan=False).encode()).decode())
        """#

    @Test("Python as the oracle: random RFC 8259 texts read and write back as json.dumps(json.loads(text))")
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
            let value = try JSONValue(parsing: Array(input))
            #expect(value.withPythonNumbers().serializedString(.python) == expected, "seed \(seed): \(String(decoding: input, as: UTF8.self))")
            checked += 1
        }
        #expect(checked > 1_800, "seed \(seed)")
    }
}
