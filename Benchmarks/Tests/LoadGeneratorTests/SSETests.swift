@testable import LoadGenerator
import Testing

/// The SSE mode counts an event only when it has framed the stream around it: these pin the
/// chunked decoder, the head check and the stream parser down at every split point.
@Suite("SSE stream")
struct SSEStreamTests {
    static let chunkedBody = "5;x=1\r\nid: 1\r\n14\r\n\r\ndata: 00012345\r\n\r\n\r\n"
        + "4\r\n: hi\r\n3\r\n\n\r\n\r\n" + "0\r\nx-trailer: 1\r\n\r\n"

    /// Runs `bytes` through a fresh decoder in two pieces cut at `cut`.
    static func dechunk(_ bytes: [UInt8], cut: Int) -> (body: [UInt8], outcome: ChunkedDecoder.Outcome) {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        var outcome = bytes[..<cut].withUnsafeBytes { decoder.decode($0) { body.append(contentsOf: $0) } }
        if outcome == .more {
            outcome = bytes[cut...].withUnsafeBytes { decoder.decode($0) { body.append(contentsOf: $0) } }
            if case .end(let consumed) = outcome { outcome = .end(consumed: consumed + cut) }
        }
        return (body, outcome)
    }

    @Test("chunked: extensions, an empty chunk body line, trailers; split at every byte")
    func chunkedEverySplit() {
        let bytes = Array((Self.chunkedBody + "HTTP/1.1").utf8)
        let expected = Array("id: 1\r\ndata: 00012345\r\n\r\n: hi\n\r\n".utf8)
        for cut in 0...Self.chunkedBody.utf8.count {
            let (body, outcome) = Self.dechunk(bytes, cut: cut)
            #expect(body == expected, "cut at \(cut)")
            #expect(outcome == .end(consumed: Self.chunkedBody.utf8.count), "cut at \(cut)")
        }
    }

    @Test("chunked: bad size lines and missing CRLF after data are invalid")
    func chunkedInvalid() {
        for text in ["zz\r\n", "\r\n", "3\r\nabcX", "1234567890abcdef0\r\n"] {
            var decoder = ChunkedDecoder()
            #expect(Array(text.utf8).withUnsafeBytes { decoder.decode($0) { _ in } } == .invalid, "\(text)")
        }
    }

    @Test("the head: status, content type without parameters, framing")
    func head() {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\nrest"
        let outcome = Array(text.utf8).withUnsafeBytes { ResponseHead.parse($0) }
        #expect(outcome == .complete(ResponseHead(status: 200, contentType: "text/event-stream", chunked: true), length: text.utf8.count - 4))
        #expect(Array("HTTP/1.1 200 OK\r\ncontent".utf8).withUnsafeBytes { ResponseHead.parse($0) } == .incomplete)
        #expect(Array("HTTP/1.1 2x0 OK\r\n\r\n".utf8).withUnsafeBytes { ResponseHead.parse($0) } == .invalid)
    }

    /// Feeds a whole response to a fresh stream in two pieces; returns the events and the last outcome.
    static func stream(_ text: String, cut: Int) -> (events: [String], outcome: SSEStream.Outcome) {
        let bytes = Array(text.utf8)
        var stream = SSEStream()
        var events: [String] = []
        var outcome = SSEStream.Outcome.more
        for piece in [bytes[..<cut], bytes[cut...]] where outcome == .more {
            outcome = piece.withUnsafeBytes { stream.receive($0) { id, data in events.append("\(id)=\(data)") } }
        }
        return (events, outcome)
    }

    @Test("a chunked event stream, heartbeats ignored, split at every byte")
    func chunkedStream() {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        let text = head + Self.chunkedBody
        for cut in 0...text.utf8.count {
            let (events, outcome) = Self.stream(text, cut: cut)
            #expect(events == ["1=00012345"], "cut at \(cut)")
            #expect(outcome == .ended, "cut at \(cut)")
        }
    }

    @Test("an unframed stream goes on until the connection ends; LF-only lines")
    func identityStream() {
        let text = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n: ping\n\nid: 7\ndata: 42\n\nid: 8\ndata: 43\n\n"
        for cut in 0...text.utf8.count {
            let (events, outcome) = Self.stream(text, cut: cut)
            #expect(events == ["7=42", "8=43"] && outcome == .more, "cut at \(cut)")
        }
    }

    @Test("a refused or wrongly typed stream is reported, not parsed")
    func rejected() {
        #expect(Self.stream("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", cut: 0).outcome == .rejected(status: 404))
        #expect(Self.stream("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nid: 1\ndata: 1\n\n", cut: 0).outcome == .notEventStream)
    }

    @Test("the publish reply, sized or chunked; the publish time in the data")
    func replyAndData() {
        let sized = "HTTP/1.1 202 Accepted\r\ncontent-length: 26\r\n\r\n{\"id\": 3, \"subscribers\":9}"
        #expect(Array(sized.utf8).withUnsafeBytes { PublishReply.parse($0) } == PublishReply(id: 3, subscribers: 9))
        let chunked = "HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n8\r\n{\"id\":12\r\na\r\n,\"subscrib\r\n7\r\ners\":0}\r\n0\r\n\r\n"
        #expect(Array(chunked.utf8).withUnsafeBytes { PublishReply.parse($0) } == PublishReply(id: 12, subscribers: 0))
        #expect(Array("HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\nok".utf8).withUnsafeBytes { PublishReply.parse($0) } == nil)
        #expect(SSEFanOut.decimal("0000123456789") == 123_456_789)
        #expect(SSEFanOut.decimal("12a") == nil && SSEFanOut.decimal("") == nil)
    }
}
