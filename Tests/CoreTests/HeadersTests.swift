@testable import RingwayCore
import Testing

/// `Headers`: the ordered, duplicate-keeping ASGI header list.
@Suite("Headers")
struct HeadersTests {
    private func string(_ bytes: ArraySlice<UInt8>?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    private func pairs(_ headers: Headers) -> [[String]] {
        headers.map { [String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)] }
    }

    @Test func emptyList() {
        let headers = Headers()
        #expect(headers.isEmpty)
        #expect(headers.count == 0)
        #expect(headers.byteCount == 0)
        #expect(headers.first("host") == nil)
        #expect(headers["host"] == nil)
        #expect(headers.values("host").isEmpty)
        #expect(!headers.contains("host"))
        #expect(headers.startIndex == headers.endIndex)
    }

    @Test func appendAndLookUpIgnoringCase() {
        var headers = Headers()
        headers.append(name: "Content-Type", value: "text/plain")
        headers.append(name: Array("x-request-id".utf8), value: Array("42".utf8))

        #expect(headers.count == 2)
        #expect(!headers.isEmpty)
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["Content-Type"] == "text/plain")
        #expect(headers["X-Request-ID"] == "42")
        #expect(string(headers.first("x-REQUEST-id")) == "42")
        #expect(headers.contains("CONTENT-type"))
        #expect(!headers.contains("content-length"))
        // Names are stored as given, not lowercased.
        #expect(string(headers.name(at: 0)) == "Content-Type")
        #expect(string(headers.value(at: 1)) == "42")
        #expect(headers.byteCount == "Content-Typetext/plainx-request-id42".utf8.count)
    }

    @Test func lookupDoesNotFoldNonLetters() {
        // `[` (0x5B) | 0x20 == `{` (0x7B), and `@` | 0x20 == `` ` ``: only letters fold.
        let headers: Headers = [("a[b", "1"), ("x@y", "2"), ("1-2", "3")]
        #expect(headers["a{b"] == nil)
        #expect(headers["a[b"] == "1")
        #expect(headers["x`y"] == nil)
        #expect(headers["x@y"] == "2")
        #expect(headers["1\r2"] == nil)
        #expect(!Headers.asciiCaseInsensitiveEqual(Array("a[b".utf8), Array("A{B".utf8)))
        #expect(Headers.asciiCaseInsensitiveEqual(Array("Zz".utf8), Array("zZ".utf8)))
        #expect(!Headers.asciiCaseInsensitiveEqual(Array("ab".utf8), Array("abc".utf8)))
        // Non-ASCII bytes are compared exactly: 0xC9 | 0x20 == 0xE9, yet they differ.
        #expect(!Headers.asciiCaseInsensitiveEqual([0xC9], [0xE9]))
    }

    @Test func lookupMatchesWholeNamesOnly() {
        let headers: Headers = [("content-type", "a"), ("content", "b")]
        #expect(headers["content"] == "b")
        #expect(headers["content-typ"] == nil)
        #expect(headers["content-type-x"] == nil)
    }

    @Test func orderAndDuplicatesAreKept() {
        var headers = Headers()
        headers.append(name: "Set-Cookie", value: "a=1")
        headers.append(name: "Host", value: "example.com")
        headers.append(name: "set-cookie", value: "b=2")
        headers.append(name: "SET-COOKIE", value: "c=3")

        #expect(headers.count == 4)
        #expect(pairs(headers) == [
            ["Set-Cookie", "a=1"], ["Host", "example.com"], ["set-cookie", "b=2"], ["SET-COOKIE", "c=3"],
        ])
        // The subscript and `first` return the first match.
        #expect(headers["set-cookie"] == "a=1")
        #expect(headers.values("Set-Cookie").map { String(decoding: $0, as: UTF8.self) } == ["a=1", "b=2", "c=3"])
        #expect(headers.values("host").map { String(decoding: $0, as: UTF8.self) } == ["example.com"])
        #expect(headers.values("missing").isEmpty)
    }

    @Test func emptyNamesAndValues() {
        var headers = Headers()
        headers.append(name: "x-empty", value: "")
        headers.append(name: "", value: "nameless")
        headers.append(name: "x-after", value: "v")
        #expect(headers.count == 3)
        #expect(headers["x-empty"] == "")
        #expect(headers[""] == "nameless")
        #expect(headers["x-after"] == "v")
        #expect(pairs(headers) == [["x-empty", ""], ["", "nameless"], ["x-after", "v"]])
    }

    @Test func removeAllRemovesEveryMatchAndKeepsTheRestInOrder() {
        var headers: Headers = [
            ("Connection", "keep-alive"), ("X-A", "1"), ("connection", "close"), ("X-B", "2"), ("CONNECTION", "upgrade"),
        ]
        headers.removeAll("Connection")
        #expect(headers.count == 2)
        #expect(pairs(headers) == [["X-A", "1"], ["X-B", "2"]])
        #expect(!headers.contains("connection"))
        #expect(headers.byteCount == "X-A1X-B2".utf8.count)

        // Removing an absent name changes nothing.
        let before = headers
        headers.removeAll("missing")
        #expect(headers == before)

        // Removing everything leaves an empty list equal to a new one.
        headers.removeAll("x-a")
        headers.removeAll("X-b")
        #expect(headers.isEmpty)
        #expect(headers == Headers())
    }

    @Test func appendLowercasingNameLowercasesOnlyASCIILetters() {
        var headers = Headers()
        let name: [UInt8] = Array("X-Custom_Header.{[@]}`~09AZaz".utf8) + [0xC3, 0x89]  // "É" in UTF-8
        let value: [UInt8] = Array("Mixed CASE Value".utf8)
        name.withUnsafeBytes { nameBytes in
            value.withUnsafeBytes { valueBytes in
                headers.appendLowercasingName(name: nameBytes, value: valueBytes)
            }
        }
        #expect(headers.count == 1)
        let expectedName: [UInt8] = Array("x-custom_header.{[@]}`~09azaz".utf8) + [0xC3, 0x89]
        #expect(Array(headers.name(at: 0)) == expectedName)
        // The value is copied as is.
        #expect(Array(headers.value(at: 0)) == value)
    }

    @Test func appendLowercasingNameEveryByte() {
        // Every byte value: only 0x41...0x5A change, each to itself + 0x20.
        let name = (0...255).map { UInt8($0) }
        var headers = Headers()
        name.withUnsafeBytes { nameBytes in
            [UInt8]().withUnsafeBytes { headers.appendLowercasingName(name: nameBytes, value: $0) }
        }
        let expected = name.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        #expect(Array(headers.name(at: 0)) == expected)
        #expect(headers.value(at: 0).isEmpty)
    }

    @Test func appendLowercasingNameMixesWithAppend() {
        var headers = Headers()
        headers.append(name: "Host", value: "a")
        Array("CONTENT-LENGTH".utf8).withUnsafeBytes { name in
            Array("12".utf8).withUnsafeBytes { headers.appendLowercasingName(name: name, value: $0) }
        }
        headers.append(name: "Accept", value: "*/*")
        #expect(pairs(headers) == [["Host", "a"], ["content-length", "12"], ["Accept", "*/*"]])
        #expect(headers["Content-Length"] == "12")
    }

    @Test func randomAccessCollectionConformance() {
        let headers: Headers = [("a", "1"), ("b", "2"), ("c", "3")]
        #expect(headers.startIndex == 0)
        #expect(headers.endIndex == 3)
        #expect(headers.indices == 0..<3)
        #expect(String(decoding: headers[1].name, as: UTF8.self) == "b")
        #expect(String(decoding: headers[1].value, as: UTF8.self) == "2")
        #expect(headers.index(after: 0) == 1)
        #expect(headers.index(before: 3) == 2)
        #expect(headers.distance(from: 0, to: 3) == 3)
        #expect(String(decoding: headers.last!.name, as: UTF8.self) == "c")
        #expect(headers.reversed().map { String(decoding: $0.value, as: UTF8.self) } == ["3", "2", "1"])
        #expect(headers.dropFirst().map { String(decoding: $0.name, as: UTF8.self) } == ["b", "c"])
        var seen: [String] = []
        for field in headers { seen.append(String(decoding: field.name, as: UTF8.self) + "=" + String(decoding: field.value, as: UTF8.self)) }
        #expect(seen == ["a=1", "b=2", "c=3"])
    }

    @Test func initialisersAgree() {
        let fromLiteral: Headers = [("A", "1"), ("b", "2")]
        let fromPairs = Headers([("A", "1"), ("b", "2")])
        var appended = Headers()
        appended.reserveCapacity(fields: 2, bytes: 4)
        appended.append(name: "A", value: "1")
        appended.append(name: Array("b".utf8), value: Array("2".utf8))
        #expect(fromLiteral == fromPairs)
        #expect(fromPairs == appended)
        #expect(fromLiteral.hashValue == appended.hashValue)
        #expect(fromLiteral.description == "[A: 1, b: 2]")
    }

    @Test func equality() {
        let base: Headers = [("a", "1"), ("b", "2")]
        #expect(base == [("a", "1"), ("b", "2")])
        // Order matters.
        #expect(base != [("b", "2"), ("a", "1")])
        // Case of names matters for equality (lookup is what ignores case).
        #expect(base != [("A", "1"), ("b", "2")])
        // Field boundaries matter even when the concatenated bytes are equal.
        #expect(Headers([("ab", "c")]) != Headers([("a", "bc")]))
        #expect(Headers([("a", "b"), ("c", "d")]) != Headers([("a", "bc"), ("", "d")]))
        // Duplicates count.
        #expect(base != [("a", "1"), ("b", "2"), ("b", "2")])
        // A list rebuilt by removeAll equals one built directly.
        var removed: Headers = [("x", "0"), ("a", "1"), ("x", "9"), ("b", "2")]
        removed.removeAll("X")
        #expect(removed == base)
        #expect(Set([removed, base]).count == 1)
    }

    @Test func copiesAreIndependent() {
        var original: Headers = [("a", "1")]
        let copy = original
        original.append(name: "b", value: "2")
        #expect(copy.count == 1)
        #expect(original.count == 2)
        #expect(copy["b"] == nil)
    }
}
