@testable import LoadGenerator
import Testing

/// The load generator counts a response only when its scanner finds where it ends: these
/// pin that down for every framing it meets, at every split point.
@Suite("HTTPResponseScanner")
struct HTTPResponseScannerTests {
    static func scan(_ text: String) -> HTTPResponseScanner.Outcome {
        Array(text.utf8).withUnsafeBytes { HTTPResponseScanner.scan($0) }
    }

    @Test("content-length: complete exactly at the end of the body, incomplete one byte short")
    func contentLength() {
        let response = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nServer: x\r\n\r\nHello, World!"
        #expect(Self.scan(response) == .complete(status: 200, length: response.utf8.count))
        #expect(Self.scan(String(response.dropLast())) == .incomplete)
        #expect(Self.scan(response + "HTTP/1.1 200") == .complete(status: 200, length: response.utf8.count))
    }

    @Test("every prefix of two pipelined responses is incomplete until the first ends")
    func everySplit() {
        let first = "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nno!"
        let bytes = Array((first + "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").utf8)
        for cut in 0..<first.utf8.count {
            let outcome = bytes[..<cut].withUnsafeBytes { HTTPResponseScanner.scan($0) }
            #expect(outcome == .incomplete, "cut at \(cut)")
        }
        #expect(bytes.withUnsafeBytes { HTTPResponseScanner.scan($0) } == .complete(status: 404, length: first.utf8.count))
    }

    @Test("chunked bodies with extensions and trailers")
    func chunked() {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nHello\r\n8\r\n, World!\r\n0\r\nx-trailer: 1\r\n\r\n"
        #expect(Self.scan(response) == .complete(status: 200, length: response.utf8.count))
        #expect(Self.scan(String(response.dropLast(2))) == .incomplete)
        #expect(Self.scan("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n") == .invalid)
    }

    @Test("bodiless statuses end at the head; garbage is invalid")
    func bodiless() {
        let head = "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n"
        #expect(Self.scan(head + "\u{81}\u{02}hi") == .complete(status: 101, length: head.utf8.count))
        #expect(Self.scan("HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n") == .complete(status: 204, length: 47))
        #expect(Self.scan("SSH-2.0-OpenSSH\r\n\r\n") == .invalid)
        #expect(Self.scan("HTTP/1.1 200 OK\r\ncontent-length: ten\r\n\r\n") == .invalid)
    }
}

@Suite("WebSocketFrames")
struct WebSocketFramesTests {
    @Test("server frames of every length form, split at every byte", arguments: [0, 125, 126, 65_535, 65_536])
    func lengths(size: Int) {
        var frame: [UInt8] = [0x82]
        switch size {
        case ..<126: frame.append(UInt8(size))
        case ..<65536: frame += [126, UInt8(size >> 8), UInt8(size & 0xFF)]
        default: frame += [127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) }
        }
        frame += [UInt8](repeating: 0x61, count: size)
        for cut in [0, 1, 2, 3, 9, frame.count - 1] where cut < frame.count {
            #expect(frame[..<cut].withUnsafeBytes { WebSocketFrames.scan($0) } == .incomplete)
        }
        #expect(frame.withUnsafeBytes { WebSocketFrames.scan($0) } == .frame(opcode: 2, fin: true, length: frame.count))
    }

    @Test("a masked server frame is invalid; the client frame is masked and sized right")
    func masking() {
        #expect(([0x81, 0x80, 1, 2, 3, 4] as [UInt8]).withUnsafeBytes { WebSocketFrames.scan($0) } == .invalid)
        let frame = WebSocketFrames.maskedBinaryFrame(size: 300)
        #expect(frame[0] == 0x82 && frame[1] == 0x80 | 126)
        #expect(Int(frame[2]) << 8 | Int(frame[3]) == 300)
        #expect(frame.count == 4 + 4 + 300)
    }
}

@Suite("Target")
struct TargetTests {
    @Test func parsing() {
        let target = Target("ws://localhost:9001/ws/echo?x=1")
        #expect(target?.scheme == .ws && target?.host == "127.0.0.1" && target?.port == 9001 && target?.path == "/ws/echo?x=1")
        #expect(Target("http://127.0.0.1:8080")?.path == "/")
        #expect(Target("https://127.0.0.1/") == nil)
        #expect(Target("http://127.0.0.1:0/") == nil)
    }
}
