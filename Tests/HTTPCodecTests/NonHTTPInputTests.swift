import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// Bytes that cannot start an HTTP/1.x request — TLS, the HTTP/2 preface, binary — are
/// rejected as soon as they show what they are, with a cause that names them.
@Suite("Non-HTTP/1 input")
struct NonHTTPInputTests {
    /// The first bytes of a real TLS 1.3 ClientHello: record header (handshake, TLS 1.0
    /// legacy version, length), then the handshake header and the start of its body.
    static let clientHello: [UInt8] = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03,
        0x5E, 0x11, 0x8A, 0x2C, 0x97, 0x40, 0x6D, 0xB3, 0x0F, 0xE2, 0x41, 0x7C, 0x19, 0xA5, 0xD8, 0x63,
        0x20, 0x8E, 0x4B, 0xF1, 0x02, 0xC6, 0x3A, 0x95, 0x7D, 0x28, 0xEE, 0x54, 0x0B, 0xB9, 0x66, 0x13,
        0x20, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03,
    ]
    /// The HTTP/2 connection preface and an empty SETTINGS frame, as `--http2-prior-knowledge` sends them.
    static let http2Preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 0x04, 0, 0, 0, 0, 0]

    @Test("a TLS ClientHello is a 400 naming TLS, at every split")
    func clientHello() throws {
        let outcome = runAllSplits(Self.clientHello)
        #expect(outcome.events.isEmpty)
        let error = try #require(outcome.error)
        #expect(error.kind == .tlsHandshake)
        #expect(error.status == 400)
        #expect(error.description.contains("TLS handshake arrived on a plain-HTTP port"))
        #expect(error.description.contains("use http://"))
    }

    @Test("the record header's three bytes are enough: no waiting for a line end")
    func threeBytesSuffice() {
        for minor: UInt8 in 0...4 {
            #expect(run([[0x16, 0x03, minor][...]], finish: false).error?.kind == .tlsHandshake)
        }
    }

    @Test("0x16 not followed by a TLS version is binary data 0x16")
    func notTLS() {
        #expect(runAllSplits([0x16, 0x41, 0x42]).error?.kind == .binaryData(0x16))
        #expect(runAllSplits([0x16, 0x03, 0x05]).error?.kind == .binaryData(0x16))
        // A lone 0x16 then EOF: it was never a request.
        #expect(run([[0x16][...]]).error?.kind == .binaryData(0x16))
    }

    @Test("a request line starting with a control or non-ASCII byte is rejected at that byte",
          arguments: [UInt8(0x00), 0x01, 0x03, 0x1B, 0x7F, 0x80, 0xC3, 0xFF])
    func binaryFirstByte(byte: UInt8) {
        let outcome = run([[byte][...]], finish: false)
        #expect(outcome.error?.kind == .binaryData(byte))
        #expect(outcome.error?.status == 400)
        let hex = String(byte, radix: 16, uppercase: true)
        #expect(outcome.error?.description.contains("byte 0x\(hex.count == 1 ? "0" + hex : hex)") == true)
    }

    @Test("a printable non-token first byte is an invalid method, at once")
    func printableNonToken() {
        for byte in Array(" (\"@[".utf8) {
            #expect(run([[byte][...]], finish: false).error?.kind == .invalidMethod)
        }
    }

    @Test("the HTTP/2 preface is a 400 naming HTTP/2, at every split")
    func preface() {
        let outcome = runAllSplits(Self.http2Preface)
        #expect(outcome.events.isEmpty)
        #expect(outcome.error?.kind == .http2Preface)
        #expect(outcome.error?.status == 400)
        #expect(outcome.error?.description.contains("HTTP/2 connection preface") == true)
    }

    @Test("PRI is a token: only the exact preface line is HTTP/2")
    func priIsAMethod() {
        let served = runAllSplits(Array("PRI / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(served.error == nil)
        #expect(served.events == [head("PRI", "/", [("host", "a")]), .end(nil)])
        // Another HTTP/2.0 request line stays "version not supported".
        #expect(runAllSplits(Array("GET * HTTP/2.0\r\nHost: a\r\n\r\n".utf8)).error?.kind == .unsupportedVersion)
        #expect(runAllSplits(Array("PRI / HTTP/2.0\r\nHost: a\r\n\r\n".utf8)).error?.kind == .unsupportedVersion)
    }

    @Test("TLS after a served request and after empty lines is still named")
    func afterARequest() {
        let outcome = runAllSplits(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n".utf8) + Self.clientHello)
        #expect(outcome.events == [head("GET", "/", [("host", "a")]), .end(nil)])
        #expect(outcome.error?.kind == .tlsHandshake)
    }
}
