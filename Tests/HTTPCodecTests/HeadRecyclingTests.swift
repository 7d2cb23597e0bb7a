import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// `HTTPRequestParser.recycle`: a served head's storage is reused by the next head without
/// leaking its bytes into it, and a head the caller still holds is never overwritten.
@Suite("Head storage recycling")
struct HeadRecyclingTests {
    /// Parses `request` (one whole head) and returns its head.
    private func parseOne(_ parser: inout HTTPRequestParser, _ request: String) throws -> HTTPRequestHead {
        var heads: [HTTPRequestHead] = []
        try Array(request.utf8).withUnsafeBytes { bytes in
            try parser.parse(bytes) { event in if case .head(let head) = event { heads.append(head) } }
        }
        #expect(heads.count == 1)
        return heads.removeLast()
    }

    @Test("a recycled head's storage carries nothing into the next head")
    func noStaleBytes() throws {
        var parser = HTTPRequestParser()
        let long = try parseOne(&parser, "GET /a/rather/long/path/indeed?x=1 HTTP/1.1\r\nhost: a\r\nx-one: 1\r\nx-two: 2\r\nx-three: 3\r\n\r\n")
        #expect(long.headers.count == 4)
        parser.recycle(long)
        let short = try parseOne(&parser, "GET /s HTTP/1.1\r\nhost: b\r\n\r\n")
        #expect(short.target == Array("/s".utf8))
        #expect(Array(short.headers.map { String(decoding: $0.name, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) }) == ["host=b"])
        parser.recycle(short)
        let again = try parseOne(&parser, "POST /upload HTTP/1.1\r\nHost: c\r\nContent-Length: 0\r\n\r\n")
        #expect(again.method == "POST")
        #expect(again.target == Array("/upload".utf8))
        #expect(again.headers["host"] == "c")
        #expect(again.headers["content-length"] == "0")
        #expect(again.headers.count == 2)
    }

    @Test("a head the caller still holds keeps its bytes when its storage was recycled")
    func heldHeadIsNotOverwritten() throws {
        var parser = HTTPRequestParser()
        let first = try parseOne(&parser, "GET /first HTTP/1.1\r\nhost: one\r\nx-kept: yes\r\n\r\n")
        let held = first  // e.g. an application that kept its scope
        parser.recycle(first)
        let second = try parseOne(&parser, "GET /other HTTP/1.1\r\nhost: two\r\n\r\n")
        #expect(held.target == Array("/first".utf8))
        #expect(held.headers["host"] == "one")
        #expect(held.headers["x-kept"] == "yes")
        #expect(second.target == Array("/other".utf8))
        #expect(second.headers["host"] == "two")
        #expect(second.headers.count == 1)
    }

    @Test("pipelined heads each get their own storage, recycled or fresh")
    func pipelinedHeads() throws {
        var parser = HTTPRequestParser()
        let input = (0..<20).map { "GET /p/\($0) HTTP/1.1\r\nhost: h\r\nx-n: \($0)\r\n\r\n" }.joined()
        for round in 0..<3 {
            var heads: [HTTPRequestHead] = []
            try Array(input.utf8).withUnsafeBytes { bytes in
                try parser.parse(bytes) { event in if case .head(let head) = event { heads.append(head) } }
            }
            #expect(heads.count == 20, "round \(round)")
            for (index, head) in heads.enumerated() {
                #expect(head.target == Array("/p/\(index)".utf8))
                #expect(head.headers["x-n"] == "\(index)")
            }
            while let head = heads.popLast() { parser.recycle(head) }
        }
    }

    @Test("an origin-form target without a query is its own raw path")
    func rawPathIsTarget() throws {
        let target = try RequestTarget(parsing: Array("/a%20b/c".utf8), method: "GET")
        #expect(target.path == "/a b/c")
        #expect(target.rawPath == Array("/a%20b/c".utf8))
        #expect(target.query.isEmpty)
        let withQuery = try RequestTarget(parsing: Array("/a?b=1".utf8), method: "GET")
        #expect(withQuery.rawPath == Array("/a".utf8))
        #expect(withQuery.query == Array("b=1".utf8))
    }
}
