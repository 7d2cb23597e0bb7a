import RingwayCore
import RingwayHTTPCodec
import Testing

@Suite("writeHead with the server's own fields")
struct ServerFieldsTests {
    static func head(_ fields: ServerFields, headers: Headers = [("content-type", "text/plain")]) throws -> String {
        var buffer: [UInt8] = Array("left".utf8)
        try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, headers: headers), fields: fields, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("app fields first, then date, server, content-length, connection, appended to what was there")
    func order() throws {
        let fields = ServerFields(date: Array("Tue, 01 Dec 2026 04:00:00 GMT".utf8), server: "Ringway", contentLength: 13, connection: .close)
        #expect(try Self.head(fields) == "leftHTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Tue, 01 Dec 2026 04:00:00 GMT\r\n"
            + "server: Ringway\r\ncontent-length: 13\r\nconnection: close\r\n\r\n")
    }

    @Test("content-length digits", arguments: [0, 7, 9, 10, 13, 99, 100, 65_536, 1_000_000, UInt64(Int64.max), UInt64.max])
    func contentLengthDigits(length: UInt64) throws {
        #expect(try Self.head(ServerFields(contentLength: length), headers: []) == "leftHTTP/1.1 200 OK\r\ncontent-length: \(length)\r\n\r\n")
    }

    @Test("chunked and keep-alive; nothing when a field is absent")
    func chunkedKeepAlive() throws {
        #expect(try Self.head(ServerFields(chunked: true, connection: .keepAlive), headers: [])
            == "leftHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n")
        #expect(try Self.head(ServerFields(), headers: []) == "leftHTTP/1.1 200 OK\r\n\r\n")
    }

    @Test("a server value with CR LF or an invalid app field throws and leaves the buffer as it was")
    func invalidValues() {
        var buffer: [UInt8] = Array("left".utf8)
        #expect(throws: HTTPSerializerError.self) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200), fields: ServerFields(server: "x\r\nset-cookie: a"), into: &buffer)
        }
        #expect(buffer == Array("left".utf8))
        #expect(throws: HTTPSerializerError.self) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 200, headers: [("bad name", "v")]), fields: ServerFields(), into: &buffer)
        }
        #expect(buffer == Array("left".utf8))
    }
}
