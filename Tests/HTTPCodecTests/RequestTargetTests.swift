import Testing
@testable import RingwayHTTPCodec

@Suite struct RequestTargetTests {
    private func parse(_ target: String, _ method: String = "GET") throws(HTTPParserError) -> RequestTarget {
        try RequestTarget(parsing: [UInt8](target), method: method)
    }

    @Test func originFormIsSplitAndDecoded() throws {
        let target = try parse("/a%20b/caf%C3%A9?x=1&y=%20")
        #expect(target.path == "/a b/café")
        #expect(target.rawPath == [UInt8]("/a%20b/caf%C3%A9"))
        #expect(target.query == [UInt8]("x=1&y=%20"))
        #expect(target.authority == nil)
    }

    @Test func encodedSlashAndPlusAreKeptApart() throws {
        let target = try parse("/a%2Fb+c%2b")
        #expect(target.path == "/a/b+c+")
        #expect(target.rawPath == [UInt8]("/a%2Fb+c%2b"))
    }

    @Test func querySplitsAtTheFirstQuestionMark() throws {
        #expect(try parse("/p").query == [])
        #expect(try parse("/p?").query == [])
        let target = try parse("/p?a?b=/c")
        #expect(target.path == "/p")
        #expect(target.query == [UInt8]("a?b=/c"))
    }

    @Test(arguments: ["/%", "/%4", "/%zz", "/%G0", "/a%2", "/%C3%28", "/%FF", "/%C3"])
    func invalidEscapesAre400(_ target: String) {
        #expect(throws: HTTPParserError(.invalidPercentEncoding)) { try parse(target) }
        #expect(HTTPParserError(.invalidPercentEncoding).status == 400)
    }

    @Test func absoluteForm() throws {
        let target = try parse("http://example.com:8080/a%21/b?q=1")
        #expect(target.authority == [UInt8]("example.com:8080"))
        #expect(target.path == "/a!/b")
        #expect(target.rawPath == [UInt8]("/a%21/b"))
        #expect(target.query == [UInt8]("q=1"))

        let bare = try parse("https://h")
        #expect(bare.authority == [UInt8]("h"))
        #expect(bare.path == "/")
        #expect(bare.query == [])

        let queryOnly = try parse("http://h?x")
        #expect(queryOnly.path == "/")
        #expect(queryOnly.query == [UInt8]("x"))
    }

    @Test func asteriskOnlyForOptions() throws {
        let target = try parse("*", "OPTIONS")
        #expect(target.path == "*")
        #expect(target.rawPath == [UInt8]("*"))
        #expect(target.authority == nil)
        #expect(throws: HTTPParserError(.asteriskFormWithoutOptions)) { try parse("*", "GET") }
    }

    @Test func authorityFormOnlyForConnect() throws {
        let target = try parse("example.com:443", "CONNECT")
        #expect(target.authority == [UInt8]("example.com:443"))
        #expect(target.path == "")
        #expect(throws: HTTPParserError(.authorityFormWithoutConnect)) { try parse("example.com:443", "GET") }
        #expect(throws: HTTPParserError(.connectWithoutAuthorityForm)) { try parse("/x", "CONNECT") }
        #expect(throws: HTTPParserError(.invalidTarget)) { try parse("example.com", "CONNECT") }
        #expect(throws: HTTPParserError(.invalidTarget)) { try parse("example.com:", "CONNECT") }
    }

    @Test(arguments: ["", "/a b", "/a#frag", "http://user@h/", "http:///p", "/caf\u{E9}"])
    func malformedTargetsAre400(_ target: String) {
        #expect(throws: HTTPParserError(.invalidTarget)) { try parse(target) }
    }
}
