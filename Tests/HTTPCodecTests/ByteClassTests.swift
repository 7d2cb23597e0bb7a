import Testing
@testable import RingwayHTTPCodec

/// The bit masks in `ASCII` against the RFC character sets spelled out.
@Suite struct ByteClassTests {
    private static let alphanumerics = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    @Test func tokenMask() {
        let token = Self.alphanumerics.union("!#$%&'*+-.^_`|~".utf8)
        for byte in UInt8.min...UInt8.max { #expect(ASCII.isToken(byte) == token.contains(byte), "byte \(byte)") }
    }

    @Test func hostMask() {
        let host = Self.alphanumerics.union("-._~!$&'()*+,;=:[]%".utf8)
        for byte in UInt8.min...UInt8.max { #expect(ASCII.isHost(byte) == host.contains(byte), "byte \(byte)") }
    }

    @Test func schemeMask() {
        let scheme = Self.alphanumerics.union("+-.".utf8)
        for byte in UInt8.min...UInt8.max { #expect(ASCII.isScheme(byte) == scheme.contains(byte), "byte \(byte)") }
    }

    @Test func hexValues() {
        #expect(ASCII.hexValue(UInt8(ascii: "0")) == 0)
        #expect(ASCII.hexValue(UInt8(ascii: "9")) == 9)
        #expect(ASCII.hexValue(UInt8(ascii: "a")) == 10)
        #expect(ASCII.hexValue(UInt8(ascii: "F")) == 15)
        #expect(ASCII.hexValue(UInt8(ascii: "g")) == nil)
        #expect(ASCII.hexValue(UInt8(ascii: "G")) == nil)
        #expect(ASCII.hexValue(UInt8(ascii: "/")) == nil)
        #expect(ASCII.hexValue(UInt8(ascii: ":")) == nil)
        #expect(ASCII.hexValue(UInt8(ascii: "@")) == nil)
    }

    @Test func errorStatuses() {
        #expect(HTTPParserError(.targetTooLong).status == 414)
        #expect(HTTPParserError(.headTooLarge).status == 431)
        #expect(HTTPParserError(.tooManyHeaders).status == 431)
        #expect(HTTPParserError(.trailersTooLarge).status == 431)
        #expect(HTTPParserError(.bodyTooLarge).status == 413)
        #expect(HTTPParserError(.unsupportedTransferCoding).status == 501)
        #expect(HTTPParserError(.unsupportedVersion).status == 505)
        #expect(HTTPParserError(.obsFold).status == 400)
        #expect(HTTPParserError(.obsFold).description == "HTTP request rejected with 400: a header line starts with whitespace (obsolete line folding is not accepted)")
    }
}

extension ByteClassTests {
    @Test func tokenTableMatchesTheMask() {
        #expect(ASCII.tokenTable.utf8CodeUnitCount == 256)
        for byte in UInt8.min...UInt8.max {
            let bytes: [UInt8] = [byte]
            let isTokenInTable = bytes.withUnsafeBytes { ASCII.firstNonToken(in: $0, from: 0) == 1 }
            #expect(isTokenInTable == ASCII.isToken(byte), "byte \(byte)")
        }
    }
}
