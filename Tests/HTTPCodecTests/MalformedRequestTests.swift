import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// One row of the malformed-input table: the bytes, the status and the cause expected.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: [UInt8]
    var status: Int
    var kind: HTTPParserError.Kind

    var testDescription: String { name }

    init(_ name: String, _ input: String, _ status: Int, _ kind: HTTPParserError.Kind) {
        self.name = name
        self.input = [UInt8](input)
        self.status = status
        self.kind = kind
    }

    init(_ name: String, bytes: [UInt8], _ status: Int, _ kind: HTTPParserError.Kind) {
        self.name = name
        self.input = bytes
        self.status = status
        self.kind = kind
    }
}

private let get = "GET / HTTP/1.1\r\nHost: a\r\n"
private let chunkedPost = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

/// The rows of HTTP-REFERENCE.md's table that concern parsing, and their neighbours.
let malformedCases: [MalformedCase] = [
    // Content-Length and Transfer-Encoding.
    .init("CL then TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, .contentLengthWithTransferEncoding),
    .init("TE then CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, .contentLengthWithTransferEncoding),
    .init("two CL, different", get + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, .conflictingContentLength),
    .init("two CL, same", get + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n", 400, .duplicateContentLength),
    .init("CL list 1, 2", get + "Content-Length: 1, 2\r\n\r\n", 400, .conflictingContentLength),
    .init("CL list 5, 5", get + "Content-Length: 5, 5\r\n\r\n", 400, .duplicateContentLength),
    .init("CL +1", get + "Content-Length: +1\r\n\r\n", 400, .invalidContentLength),
    .init("CL -1", get + "Content-Length: -1\r\n\r\n", 400, .invalidContentLength),
    .init("CL 0x5", get + "Content-Length: 0x5\r\n\r\n", 400, .invalidContentLength),
    .init("CL 1_0", get + "Content-Length: 1_0\r\n\r\n", 400, .invalidContentLength),
    .init("CL 1 0", get + "Content-Length: 1 0\r\n\r\n", 400, .invalidContentLength),
    .init("CL empty", get + "Content-Length: \r\n\r\n", 400, .invalidContentLength),
    .init("CL trailing comma", get + "Content-Length: 5,\r\n\r\n", 400, .invalidContentLength),
    .init("CL 2^64", get + "Content-Length: 18446744073709551616\r\n\r\n", 400, .contentLengthOverflow),
    .init("CL 30 digits", get + "Content-Length: 999999999999999999999999999999\r\n\r\n", 400, .contentLengthOverflow),
    .init("TE chunked, gzip", get + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, .chunkedNotLast),
    .init("TE chunked twice", get + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, .chunkedNotLast),
    .init("TE chunked then gzip line", get + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400, .chunkedNotLast),
    .init("TE xchunked", get + "Transfer-Encoding: xchunked\r\n\r\n", 501, .unsupportedTransferCoding),
    .init("TE gzip", get + "Transfer-Encoding: gzip\r\n\r\n", 501, .unsupportedTransferCoding),
    .init("TE gzip, chunked", get + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, .unsupportedTransferCoding),
    .init("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, .transferEncodingInHTTP10),
    .init("TE space before colon", get + "Transfer-Encoding : chunked\r\n\r\n", 400, .whitespaceBeforeColon),
    .init("TE with VT", get + "Transfer-Encoding: \u{0B}chunked\r\n\r\n", 400, .invalidHeaderValue),
    .init("TE with FF", get + "Transfer-Encoding: chunked\u{0C}\r\n\r\n", 400, .invalidHeaderValue),
    .init("TE with NUL", get + "Transfer-Encoding: chun\u{00}ked\r\n\r\n", 400, .invalidHeaderValue),
    .init("TE leading comma", get + "Transfer-Encoding: , chunked\r\n\r\n", 400, .invalidTransferEncoding),
    .init("TE empty", get + "Transfer-Encoding: \r\n\r\n", 400, .invalidTransferEncoding),
    .init("TE with parameter", get + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, .invalidTransferEncoding),
    // Chunk sizes and data.
    .init("chunk size 0x5", chunkedPost + "0x5\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size +5", chunkedPost + "+5\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size -1", chunkedPost + "-1\r\nh\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size leading space", chunkedPost + " 5\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size trailing space", chunkedPost + "5 \r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size empty", chunkedPost + "\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size not hex", chunkedPost + "g\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk size 17 digits", chunkedPost + "00000000000000005\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkSize),
    .init("chunk data too long", chunkedPost + "5\r\nhelloXX\r\n0\r\n\r\n", 400, .invalidChunkData),
    .init("chunk data too short", chunkedPost + "5\r\nhel\r\n0\r\n\r\n", 400, .invalidChunkData),
    .init("no CRLF after chunk data", chunkedPost + "5\r\nhello0\r\n\r\n", 400, .invalidChunkData),
    .init("CR without LF after chunk data", chunkedPost + "5\r\nhello\rX0\r\n\r\n", 400, .invalidChunkData),
    .init("bare CR in chunk line", chunkedPost + "5\r;a\r\nhello\r\n0\r\n\r\n", 400, .bareCR),
    .init("bare LF after chunk size", chunkedPost + "5\nhello\r\n0\r\n\r\n", 400, .bareLF),
    .init("empty chunk extension", chunkedPost + "5;\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkExtension),
    .init("control char in chunk extension", chunkedPost + "5;a=\u{01}\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkExtension),
    .init("unterminated quoted extension", chunkedPost + "5;a=\"x\r\nhello\r\n0\r\n\r\n", 400, .invalidChunkExtension),
    .init("64 KiB chunk extension", chunkedPost + "5;a=" + String(repeating: "x", count: 65536) + "\r\nhello\r\n0\r\n\r\n", 400, .chunkLineTooLong),
    .init("obs-fold in trailers", chunkedPost + "0\r\nX: a\r\n b\r\n\r\n", 400, .obsFold),
    .init("bare LF in trailers", chunkedPost + "0\r\nX: a\n\r\n", 400, .bareLF),
    .init("space before colon in trailers", chunkedPost + "0\r\nX : a\r\n\r\n", 400, .whitespaceBeforeColon),
    // Line structure.
    .init("bare CR in header value", get + "X: a\rb\r\n\r\n", 400, .bareCR),
    .init("bare CR in target", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400, .bareCR),
    .init("bare CR after version", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, .bareCR),
    .init("bare CR before request", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .bareCR),
    .init("bare LF ending request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, .bareLF),
    .init("bare LF ending the head", get + "\n", 400, .bareLF),
    .init("bare LF before request", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .bareLF),
    .init("obs-fold", get + "X-A: b\r\n  c\r\n\r\n", 400, .obsFold),
    .init("obs-fold with tab", get + "X-A: b\r\n\tc\r\n\r\n", 400, .obsFold),
    .init("whitespace before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, .whitespaceBeforeFirstHeader),
    // Field lines.
    .init("NUL in header value", get + "X: a\u{00}b\r\n\r\n", 400, .invalidHeaderValue),
    .init("DEL in header value", get + "X: a\u{7F}b\r\n\r\n", 400, .invalidHeaderValue),
    .init("ESC in header value", get + "X: \u{1B}[31m\r\n\r\n", 400, .invalidHeaderValue),
    .init("header name with @", get + "X@Y: a\r\n\r\n", 400, .invalidHeaderName),
    .init("header name with (", get + "X(Y): a\r\n\r\n", 400, .invalidHeaderName),
    .init("header name with space inside", get + "X Y: a\r\n\r\n", 400, .invalidHeaderName),
    .init("header name non-ASCII", get + "X-\u{E9}: a\r\n\r\n", 400, .invalidHeaderName),
    .init("empty header name", get + ": a\r\n\r\n", 400, .emptyHeaderName),
    .init("header line without colon", get + "NoColon\r\n\r\n", 400, .missingColon),
    .init("tab before colon", get + "X\t: a\r\n\r\n", 400, .whitespaceBeforeColon),
    // Host.
    .init("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400, .missingHost),
    .init("two Host lines", get + "Host: b\r\n\r\n", 400, .duplicateHost),
    .init("Host with userinfo", "GET / HTTP/1.1\r\nHost: user:pw@example.com\r\n\r\n", 400, .invalidHost),
    .init("Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, .invalidHost),
    .init("Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, .invalidHost),
    // Request line.
    .init("version HTTP/1.32", "GET / HTTP/1.32\r\nHost: a\r\n\r\n", 400, .invalidVersion),
    .init("version HTTP/01.01", "GET / HTTP/01.01\r\nHost: a\r\n\r\n", 400, .invalidVersion),
    .init("version http/1.1", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, .invalidVersion),
    .init("version HTTP/1.1 + space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, .invalidVersion),
    .init("version HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400, .invalidVersion),
    .init("version HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, .unsupportedVersion),
    .init("version HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, .unsupportedVersion),
    .init("version HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505, .unsupportedVersion),
    .init("space inside target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
    .init("two spaces after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
    .init("control char in target", "GET /\u{01} HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
    .init("non-ASCII target", "GET /caf\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
    .init("method not a token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidMethod),
    .init("request line starts with space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidMethod),
    .init("no version", "GET /\r\nHost: a\r\n\r\n", 400, .invalidRequestLine),
    .init("method only", "GET\r\n\r\n", 400, .invalidRequestLine),
    .init("* target with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, .asteriskFormWithoutOptions),
    .init("authority-form with GET", "GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400, .authorityFormWithoutConnect),
    .init("CONNECT with origin-form", "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400, .connectWithoutAuthorityForm),
    .init("CONNECT without port", "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", 400, .invalidTarget),
    .init("absolute-form with userinfo", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, .invalidTarget),
    .init("pipelined garbage after a valid request", get + "\r\nGARBAGE\r\n\r\n", 400, .invalidRequestLine),
]

@Suite struct MalformedRequestTests {
    @Test func tableIsLargeEnough() {
        #expect(malformedCases.count >= 60)
    }

    @Test(arguments: malformedCases)
    func rejected(_ testCase: MalformedCase) {
        // The 64 KiB row is split at sampled positions only, to keep the run short.
        let outcome = runAllSplits(testCase.input, stride: testCase.input.count > 4096 ? 997 : 1)
        #expect(outcome.error?.kind == testCase.kind)
        #expect(outcome.error?.status == testCase.status)
        #expect(outcome.error.map { !$0.description.isEmpty } == true)
    }

    @Test func nothingIsEmittedForARequestAfterAnError() {
        let valid = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        let inputs = [
            get + "X: \u{00}\r\n\r\n" + valid,
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n" + valid,
            chunkedPost + "5\r\nhelloXX\r\n" + valid,
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n" + valid,
        ]
        for input in inputs {
            let outcome = runAllSplits([UInt8](input))
            #expect(outcome.error != nil)
            for case .head(let head) in outcome.events { #expect(head.target != [UInt8]("/next")) }
        }
    }

    @Test func eventsBeforeTheErrorAreKept() {
        let outcome = runAllSplits([UInt8](get + "\r\n" + "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"))
        #expect(outcome.events == [head("GET", "/", [("host", "a")]), .end(nil)])
        #expect(outcome.error == HTTPParserError(.duplicateHost))
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello",
        chunkedPost + "5\r\nhel",
        chunkedPost + "5\r\nhello\r\n",
        chunkedPost + "5\r\nhello\r\n0\r\nX: y\r\n",
        chunkedPost + "5;ext",
    ])
    func closeMidRequestIsUnexpectedEOF(_ input: String) {
        let outcome = runAllSplits([UInt8](input))
        #expect(outcome.error == HTTPParserError(.unexpectedEOF))
        #expect(outcome.error?.status == 400)
    }

    @Test func closeBetweenRequestsIsClean() throws {
        var parser = HTTPRequestParser()
        try feed(&parser, [UInt8](get + "\r\n\r")[...]) { _ in }
        try parser.finish()
    }
}
