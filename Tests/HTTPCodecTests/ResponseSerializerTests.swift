import Testing
import RingwayCore
@testable import RingwayHTTPCodec

@Suite struct ResponseSerializerTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func headBytesAreExact() throws {
        var buffer: [UInt8] = []
        let head = HTTPResponseHead(status: 200, headers: [("Content-Type", "text/plain"), ("X-A", "1")])
        try HTTPResponseSerializer.writeHead(head, extraHeaders: [("content-length", "5"), ("connection", "close")], into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\n")
    }

    @Test func reasonPhrases() throws {
        var buffer: [UInt8] = []
        try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 404, headers: []), extraHeaders: [], into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 404 Not Found\r\n\r\n")
        buffer = []
        try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 299, headers: []), extraHeaders: [], into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 299 Unknown\r\n\r\n")
        buffer = []
        try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, reason: "Très bien", headers: []), extraHeaders: [], into: &buffer)
        #expect(text(buffer) == "HTTP/1.1 200 Très bien\r\n\r\n")
        #expect(HTTPResponseSerializer.reasonPhrase(for: 101) == "Switching Protocols")
        #expect(HTTPResponseSerializer.reasonPhrase(for: 413) == "Content Too Large")
        #expect(HTTPResponseSerializer.reasonPhrase(for: 431) == "Request Header Fields Too Large")
        #expect(HTTPResponseSerializer.reasonPhrase(for: 505) == "HTTP Version Not Supported")
        #expect(HTTPResponseSerializer.reasonPhrase(for: 999) == "Unknown")
    }

    @Test(arguments: [
        (Headers([("X-Evil", "a\r\nSet-Cookie: pwned=1")]), HTTPSerializerError.Kind.invalidFieldValue(name: "X-Evil")),
        (Headers([("X-Evil", "a\nb")]), .invalidFieldValue(name: "X-Evil")),
        (Headers([("X-Evil", "a\rb")]), .invalidFieldValue(name: "X-Evil")),
        (Headers([("X-Evil", "a\u{00}b")]), .invalidFieldValue(name: "X-Evil")),
        (Headers([("Ok", "1"), ("Bad Name", "v")]), .invalidFieldName(index: 1)),
        (Headers([("X\r\nSet-Cookie", "v")]), .invalidFieldName(index: 0)),
        (Headers([("", "v")]), .invalidFieldName(index: 0)),
    ])
    func injectionIsRejectedAndTheBufferLeftAlone(_ headers: Headers, _ kind: HTTPSerializerError.Kind) {
        var buffer: [UInt8] = [1, 2, 3]
        #expect(throws: HTTPSerializerError(kind)) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, headers: headers), extraHeaders: [], into: &buffer)
        }
        #expect(buffer == [1, 2, 3])
    }

    @Test func extraHeadersAreValidatedToo() {
        var buffer: [UInt8] = []
        let error = #expect(throws: HTTPSerializerError.self) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, headers: [("A", "1")]), extraHeaders: [("B", "1"), ("C;", "2")], into: &buffer)
        }
        #expect(error?.kind == .invalidFieldName(index: 2))
        #expect(error?.description.contains("#2") == true)
        #expect(buffer.isEmpty)
    }

    @Test func invalidStatusAndReason() {
        var buffer: [UInt8] = []
        #expect(throws: HTTPSerializerError(.invalidStatus(42))) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 42, headers: []), extraHeaders: [], into: &buffer)
        }
        #expect(throws: HTTPSerializerError(.invalidStatus(1000))) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 1000, headers: []), extraHeaders: [], into: &buffer)
        }
        #expect(throws: HTTPSerializerError(.invalidReasonPhrase)) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, reason: "OK\r\nX: y", headers: []), extraHeaders: [], into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test func chunkEncoding() {
        var buffer: [UInt8] = []
        HTTPResponseSerializer.writeChunk([UInt8]("hello"), into: &buffer)
        #expect(text(buffer) == "5\r\nhello\r\n")
        buffer = []
        HTTPResponseSerializer.writeChunk([UInt8](), into: &buffer)
        #expect(buffer.isEmpty)
        HTTPResponseSerializer.writeChunk([UInt8](repeating: 0x61, count: 255), into: &buffer)
        #expect(text(Array(buffer.prefix(4))) == "ff\r\n")
        #expect(buffer.count == 4 + 255 + 2)
        buffer = []
        HTTPResponseSerializer.writeChunk([UInt8](repeating: 0x61, count: 4096)[...], into: &buffer)
        #expect(text(Array(buffer.prefix(6))) == "1000\r\n")
        #expect(text(Array(buffer.suffix(2))) == "\r\n")
    }

    @Test func chunkHeaderAlone() {
        for (size, line) in [(1, "1\r\n"), (15, "f\r\n"), (16, "10\r\n"), (1 << 20, "100000\r\n"), (3_000_000_000, "b2d05e00\r\n")] {
            var buffer: [UInt8] = Array("x".utf8)
            HTTPResponseSerializer.writeChunkHeader(size: size, into: &buffer)
            #expect(text(buffer) == "x" + line)
        }
    }

    @Test func lastChunkAndTrailers() throws {
        var buffer: [UInt8] = []
        try HTTPResponseSerializer.writeLastChunk(trailers: nil, into: &buffer)
        #expect(text(buffer) == "0\r\n\r\n")
        buffer = []
        try HTTPResponseSerializer.writeLastChunk(trailers: [("X-Sum", "1"), ("X-Other", "two")], into: &buffer)
        #expect(text(buffer) == "0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\n")
        buffer = [9]
        let error = #expect(throws: HTTPSerializerError.self) {
            try HTTPResponseSerializer.writeLastChunk(trailers: [("X", "a\r\nb")], into: &buffer)
        }
        #expect(error == HTTPSerializerError(.invalidFieldValue(name: "X"), inTrailers: true))
        #expect(error?.description.contains("trailer") == true)
        #expect(buffer == [9])
    }

    @Test func serializedChunksParseBack() throws {
        var wire = [UInt8]("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        HTTPResponseSerializer.writeChunk([UInt8]("hello "), into: &wire)
        HTTPResponseSerializer.writeChunk([UInt8](repeating: 0x7A, count: 300), into: &wire)
        try HTTPResponseSerializer.writeLastChunk(trailers: [("X-Sum", "42")], into: &wire)
        let outcome = runAllSplits(wire, stride: 7)
        #expect(outcome.error == nil)
        #expect(outcome.events.dropFirst() == [
            .body([UInt8]("hello ") + [UInt8](repeating: 0x7A, count: 300)),
            .end(Headers([("x-sum", "42")])),
        ])
    }
}
