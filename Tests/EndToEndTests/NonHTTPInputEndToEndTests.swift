import Ringway
import RingwayTestSupport
import Testing

/// A client speaking TLS or HTTP/2 to the plain HTTP/1.1 port is answered 400 and closed as
/// soon as its first bytes arrive. The header timeout is 60 s and the client waits at most
/// 10 s, so only the immediate rejection can answer these tests.
@Suite("Non-HTTP/1 clients on a live server")
struct NonHTTPInputEndToEndTests {
    static let patient = HTTPServerConfiguration(headerTimeout: .seconds(60))
    static let app = App { _, _, send in
        try await send(.httpResponseStart(status: 200))
        try await send(.httpResponseBody(body: Array("served".utf8)))
    }

    /// Sends `bytes` and nothing else; expects a 400 response whose text names what arrived,
    /// and then the close.
    static func expectRejected(_ bytes: [UInt8], port: Int, naming words: String) async throws {
        let client = try LiveClient(port: port)
        try await client.send(raw: bytes)
        let response = try await client.readResponse()
        #expect(response.status == 400)
        #expect(response.text.contains(words), "\(response.text)")
        #expect(response.header("connection") == "close")
        #expect(await client.isClosedByPeer())
    }

    @Test("a TLS ClientHello gets 400 and a close at once", arguments: BackendKind.concrete)
    func tlsClientHello(backend: BackendKind) async throws {
        try await withServer(Self.app, backend: backend, http: Self.patient) { (_: Server, port: Int) async throws in
            try await Self.expectRejected(NonHTTPInput.clientHello, port: port, naming: "TLS handshake arrived on a plain-HTTP port")
            // The server goes on serving plain HTTP.
            #expect(try await LiveClient(port: port).get("/").text == "served")
        }
    }

    @Test("the HTTP/2 prior-knowledge preface gets 400 and a close at once", arguments: BackendKind.concrete)
    func http2Preface(backend: BackendKind) async throws {
        try await withServer(Self.app, backend: backend, http: Self.patient) { (_: Server, port: Int) async throws in
            try await Self.expectRejected(NonHTTPInput.http2Preface, port: port, naming: "HTTP/2 connection preface")
        }
    }

    @Test("binary bytes get 400 and a close at once", arguments: BackendKind.concrete)
    func binary(backend: BackendKind) async throws {
        try await withServer(Self.app, backend: backend, http: Self.patient) { (_: Server, port: Int) async throws in
            try await Self.expectRejected([0x00, 0xFF, 0x13], port: port, naming: "byte 0x00")
        }
    }
}

/// The inputs, shared with the codec's unit tests (kept here too: the targets do not share files).
enum NonHTTPInput {
    /// The first bytes of a TLS 1.3 ClientHello: record header, handshake header, random.
    static let clientHello: [UInt8] = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03,
        0x5E, 0x11, 0x8A, 0x2C, 0x97, 0x40, 0x6D, 0xB3, 0x0F, 0xE2, 0x41, 0x7C, 0x19, 0xA5, 0xD8, 0x63,
        0x20, 0x8E, 0x4B, 0xF1, 0x02, 0xC6, 0x3A, 0x95, 0x7D, 0x28, 0xEE, 0x54, 0x0B, 0xB9, 0x66, 0x13,
    ]
    /// The HTTP/2 connection preface and an empty SETTINGS frame (what `curl --http2-prior-knowledge` opens with).
    static let http2Preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 0x04, 0, 0, 0, 0, 0]
}
