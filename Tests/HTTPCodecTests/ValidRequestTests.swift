import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// Valid inputs, each also fed split at every byte and one byte at a time.
@Suite struct ValidRequestTests {
    @Test func simpleGet() {
        let input = [UInt8]("GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1.0\r\nAccept: */*\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("GET", "/index.html?x=1", [("host", "example.com"), ("user-agent", "t/1.0"), ("accept", "*/*")]),
            .end(nil),
        ])
    }

    @Test func postWithContentLength() {
        let input = [UInt8]("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world")
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("POST", "/submit", [("host", "a"), ("content-type", "text/plain"), ("content-length", "11")], framing: .contentLength(11)),
            body("hello world"),
            .end(nil),
        ])
    }

    @Test func chunkedWithExtensionsAndTrailers() {
        let input = [UInt8](
            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "6 ; q=\"a b\\\"c\" ;flag\r\n world\r\n"
                + "00A\r\n0123456789\r\n"
                + "0;last\r\nX-Checksum: abc \r\nContent-Length: 99\r\nHost: evil\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("POST", "/upload", [("host", "a"), ("transfer-encoding", "chunked")], framing: .chunked),
            body("hello world0123456789"),
            .end(Headers([("x-checksum", "abc"), ("content-length", "99"), ("host", "evil")])),
        ])
    }

    @Test func chunkedWithoutTrailersEndsWithNil() {
        let input = [UInt8]("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.events == [
            head("POST", "/", [("host", "a"), ("transfer-encoding", "chunked")], framing: .chunked),
            body("abc"),
            .end(nil),
        ])
        #expect(outcome.error == nil)
    }

    @Test func trailerFieldsDoNotAffectFraming() {
        // CL, TE and Host in trailers are data; the next pipelined request parses normally.
        let input = [UInt8](
            "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: b\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("POST", "/a", [("host", "a"), ("transfer-encoding", "chunked")], framing: .chunked),
            body("x"),
            .end(Headers([("content-length", "5"), ("transfer-encoding", "chunked")])),
            head("GET", "/b", [("host", "b")]),
            .end(nil),
        ])
    }

    @Test func pipelinedRequestsInOneBuffer() {
        let input = [UInt8](
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                + "\r\n"  // a stray CRLF between requests is ignored (RFC 9112 §2.2)
                + "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("GET", "/1", [("host", "a")]),
            .end(nil),
            head("POST", "/2", [("host", "a"), ("content-length", "3")], framing: .contentLength(3)),
            body("abc"),
            .end(nil),
            head("POST", "/3", [("host", "a"), ("transfer-encoding", "chunked")], framing: .chunked),
            body("de"),
            .end(nil),
            head("GET", "/4", [("host", "a"), ("connection", "close")], keepAlive: false),
            .end(nil),
        ])
    }

    @Test func contentLengthZeroThenPipelined() {
        let input = [UInt8]("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("POST", "/a", [("host", "a"), ("content-length", "0")], framing: .contentLength(0)),
            .end(nil),
            head("GET", "/b", [("host", "a")]),
            .end(nil),
        ])
    }

    @Test func http10KeepAliveAndClose() {
        let input = [UInt8](
            "GET /a HTTP/1.0\r\n\r\n"
                + "GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
                + "POST /c HTTP/1.0\r\nconnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("GET", "/a", version: .http1_0, [], keepAlive: false),
            .end(nil),
            head("GET", "/b", version: .http1_0, [("connection", "Keep-Alive")], keepAlive: true),
            .end(nil),
            head("POST", "/c", version: .http1_0, [("connection", "keep-alive, close"), ("content-length", "2")], keepAlive: false, framing: .contentLength(2)),
            body("ok"),
            .end(nil),
        ])
    }

    @Test func http11ConnectionTokens() {
        let input = [UInt8](
            "GET /a HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.events == [
            head("GET", "/a", [("host", "a"), ("connection", "foo, CLOSE")], keepAlive: false),
            .end(nil),
            head("GET", "/b", [("host", "a"), ("connection", "keep-alive")], keepAlive: true),
            .end(nil),
        ])
    }

    @Test func expectContinue() {
        let input = [UInt8]("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc")
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("PUT", "/f", [("host", "a"), ("expect", "100-Continue"), ("content-length", "3")], expectsContinue: true, framing: .contentLength(3)),
            body("abc"),
            .end(nil),
        ])
        let other = runAllSplits([UInt8]("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"))
        #expect(other.events.first == head("PUT", "/f", [("host", "a"), ("expect", "200-ok")]))
    }

    @Test func upgradeStopsAndKeepsLeftover() {
        let frame: [UInt8] = [0x81, 0x05] + [UInt8]("hello") + [UInt8]("GET /not-http HTTP/1.1\r\n")
        let input = [UInt8]("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n") + frame
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("GET", "/chat", [("host", "a"), ("connection", "keep-alive, Upgrade"), ("upgrade", "websocket")], isUpgrade: true),
            .end(nil),
        ])
        #expect(outcome.upgradeLeftover == frame)
    }

    @Test func upgradeWithNothingAfterHasEmptyLeftover() throws {
        let input = [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.events.count == 2)
        #expect(outcome.upgradeLeftover == [])
        var parser = HTTPRequestParser()
        #expect(parser.upgradeLeftover == nil)
        try feed(&parser, input[...]) { _ in }
        #expect(parser.upgradeLeftover == [])
        #expect(!parser.isIdle)
    }

    @Test func upgradeNeedsBothFieldsAndHTTP11() {
        let input = [UInt8](
            "GET /a HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n"
                + "GET /c HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.upgradeLeftover == nil)
        #expect(outcome.events.count == 6)
        for case .head(let head) in outcome.events { #expect(!head.isUpgrade) }
    }

    @Test func upgradeWithBodyIsParsedAsUsual() {
        let input = [UInt8]("POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.upgradeLeftover == nil)
        #expect(outcome.events.count == 5)
    }

    @Test func stopAtUpgradeCanBeTurnedOff() {
        let input = [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        let outcome = runAllSplits(input, stopAtUpgrade: false)
        #expect(outcome.error == nil)
        #expect(outcome.upgradeLeftover == nil)
        #expect(outcome.events == [
            head("GET", "/", [("host", "a"), ("connection", "upgrade"), ("upgrade", "x")], isUpgrade: true),
            .end(nil),
            head("GET", "/2", [("host", "a")]),
            .end(nil),
        ])
    }

    @Test func laterBytesAfterUpgradeAreAppendedToLeftover() throws {
        var parser = HTTPRequestParser()
        try feed(&parser, [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nab")[...]) { _ in }
        try feed(&parser, [UInt8]("cd")[...]) { _ in Issue.record("event after upgrade") }
        try parser.finish()
        #expect(parser.upgradeLeftover == [UInt8]("abcd"))
    }

    @Test func fieldValuesAreTrimmedAndNamesLowercased() {
        let input = [UInt8]("OPTIONS * HTTP/1.1\r\nHOST:a\r\nX-Empty:\r\nX-Spaces: \t two  words \t\r\nX-Obs: caf\u{E9}\r\nx-dup: 1\r\nX-DUP: 2\r\n\r\n")
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("OPTIONS", "*", [("host", "a"), ("x-empty", ""), ("x-spaces", "two  words"), ("x-obs", "caf\u{E9}"), ("x-dup", "1"), ("x-dup", "2")]),
            .end(nil),
        ])
    }

    @Test func otherTargetForms() {
        let input = [UInt8](
            "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"
                + "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
                + "GET /p HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"
                + "GET /q HTTP/1.1\r\nHost:\r\n\r\n"
        )
        let outcome = runAllSplits(input)
        #expect(outcome.error == nil)
        #expect(outcome.events == [
            head("GET", "http://example.com:8080/a?b", [("host", "example.com:8080")]),
            .end(nil),
            head("CONNECT", "example.com:443", [("host", "example.com:443")]),
            .end(nil),
            head("GET", "/p", [("host", "[::1]:80")]),
            .end(nil),
            head("GET", "/q", [("host", "")]),
            .end(nil),
        ])
    }

    @Test func bodyPiecesFollowInputBoundaries() throws {
        var parser = HTTPRequestParser()
        var bodies: [[UInt8]] = []
        let head = [UInt8]("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab")
        try feed(&parser, head[...]) { if case .body(let bytes) = $0 { bodies.append(bytes) } }
        #expect(!parser.isIdle)
        try feed(&parser, [UInt8]("cdef")[...]) { if case .body(let bytes) = $0 { bodies.append(bytes) } }
        #expect(bodies == [[UInt8]("ab"), [UInt8]("cdef")])
        #expect(parser.isIdle)
    }

    @Test func isIdleTracksPartialBytes() throws {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        try feed(&parser, [UInt8]("GET / HT")[...]) { _ in }
        #expect(!parser.isIdle)
        try feed(&parser, [UInt8]("TP/1.1\r\nHost: a\r\n\r\n")[...]) { _ in }
        #expect(parser.isIdle)
        try parser.finish()
    }

    @Test func largeValidHeadWithDefaultLimits() {
        // 80 fields of ~95 bytes: well under 16 KiB, parsed at sampled split points.
        var text = "GET /" + String(repeating: "p", count: 8000) + " HTTP/1.1\r\nHost: a\r\n"
        for index in 0..<80 { text += "X-Field-\(index): " + String(repeating: "v", count: 80) + "\r\n" }
        let input = [UInt8](text + "\r\n")
        #expect(input.count < 16384)
        let outcome = runAllSplits(input, stride: 37)
        #expect(outcome.error == nil)
        guard case .head(let parsed) = outcome.events.first else {
            Issue.record("no head")
            return
        }
        #expect(parsed.headers.count == 81)
        #expect(parsed.target.count == 8001)
    }
}

extension ValidRequestTests {
    @Test func expectIsIgnoredInHTTP10() {
        let outcome = runAllSplits([UInt8]("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"))
        #expect(outcome.events == [
            head("POST", "/", version: .http1_0, [("expect", "100-continue"), ("content-length", "1")], keepAlive: false, framing: .contentLength(1)),
            body("x"),
            .end(nil),
        ])
    }
}
