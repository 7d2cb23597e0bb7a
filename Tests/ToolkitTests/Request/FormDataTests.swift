import RingwayToolkit
import Testing

@Suite("Form and query parsing (parse_qs semantics)")
struct FormDataTests {
    /// Inputs and what CPython 3's `json.dumps(urllib.parse.parse_qs(input))` gives for them.
    static let pythonCases: [(String, String)] = [
        ("a=1&b=2&a=3", #"{"a": ["1", "3"], "b": ["2"]}"#),
        ("a", "{}"),
        ("a=", "{}"),
        ("=v", #"{"": ["v"]}"#),
        ("a=%20+b", #"{"a": ["  b"]}"#),
        ("+=+", #"{" ": [" "]}"#),
        ("a=1;b=2", #"{"a": ["1;b=2"]}"#),
        ("&&a=1&&", #"{"a": ["1"]}"#),
        ("a=b=c", #"{"a": ["b=c"]}"#),
        ("%61=%62", #"{"a": ["b"]}"#),
        ("k=%E2%9C%93", #"{"k": ["\u2713"]}"#),
        ("a==", #"{"a": ["="]}"#),
        ("x=1&x&x=2&x=", #"{"x": ["1", "2"]}"#),
        ("", "{}"),
        ("key=v1&key=v2&other=%2B", #"{"key": ["v1", "v2"], "other": ["+"]}"#),
    ]

    @Test("matches Python's parse_qs", arguments: pythonCases.indices)
    func matchesPython(index: Int) throws {
        let (input, expected) = Self.pythonCases[index]
        let form = try FormData(parsing: Array(input.utf8))
        #expect(form.jsonValue.serializedString(.python) == expected, "input \(input.debugDescription)")
        // The lenient query parser agrees on valid input.
        #expect(FormData(query: Array(input.utf8)) == form)
    }

    @Test("first value, all values, first-seen order")
    func access() throws {
        let form = try FormData(parsing: Array("tag=b&q=swift+6&tag=a&z=1".utf8))
        #expect(form["q"] == "swift 6")
        #expect(form["tag"] == "b")
        #expect(form.all("tag") == ["b", "a"])
        #expect(form.all("missing").isEmpty && form["missing"] == nil)
        #expect(form.map { $0.name } == ["tag", "q", "z"])
        #expect(form.count == 3)
    }

    @Test("strict: a bad escape or invalid UTF-8 in a kept field throws; dropped fields are not decoded")
    func strict() {
        for bad in ["k=%zz", "k=%", "k=%4", "%g0=v", "k=%FF", "k=%C3%28", "k=\u{FFFD}%ED%A0%80"] {
            #expect(throws: FormDecodingError.self, "\(bad)") { try FormData(parsing: Array(bad.utf8)) }
        }
        #expect(throws: FormDecodingError.self) { try FormData(parsing: [UInt8(ascii: "k"), UInt8(ascii: "="), 0xFF]) }
        // parse_qsl drops `k%zz` (no `=`) and `%zz=` (empty value) before decoding them.
        #expect((try? FormData(parsing: Array("k%zz&%zz=&a=1".utf8)))?.all("a") == ["1"])
    }

    @Test("many names: grouped in order past the size where names are indexed")
    func manyNames() throws {
        let pairs = (0..<200).flatMap { [("k\($0 % 50)", "\($0)")] }
        let form = try FormData(parsing: Array(pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&").utf8))
        #expect(form.count == 50)
        #expect(form.map { $0.name } == (0..<50).map { "k\($0)" })
        #expect(form.all("k7") == ["7", "57", "107", "157"])
        #expect(form["k49"] == "49" && form["k50"] == nil)
        #expect(form == FormData(pairs))
    }

    @Test("lenient query: bad escapes kept, invalid UTF-8 replaced (Python's errors='replace')")
    func lenientQuery() {
        let query = FormData(query: Array("k=%zz&u=%FF&ok=%41".utf8))
        #expect(query["k"] == "%zz")
        #expect(query["u"] == "\u{FFFD}")
        #expect(query["ok"] == "A")
    }

    @Test("every byte value in every position never crashes")
    func hostile() {
        for byte in UInt8.min...UInt8.max {
            for template in [[byte], [UInt8(ascii: "a"), UInt8(ascii: "="), byte], [byte, UInt8(ascii: "="), UInt8(ascii: "%"), byte]] {
                _ = try? FormData(parsing: template)
                _ = FormData(query: template)
            }
        }
    }
}
