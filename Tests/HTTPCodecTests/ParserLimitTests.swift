import Testing
import RingwayCore
@testable import RingwayHTTPCodec

@Suite struct ParserLimitTests {
    private let small = HTTPParserLimits(
        maxTargetLength: 16,
        maxHeadBytes: 96,
        maxHeaderCount: 3,
        maxBodyBytes: 10,
        maxChunkLineLength: 16,
        maxTrailerBytes: 32
    )

    private func request(target: String = "/", fields: [String] = []) -> [UInt8] {
        [UInt8]("GET \(target) HTTP/1.1\r\nHost: a\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n")
    }

    // MARK: 414

    @Test func targetAtTheLimitIsAccepted() {
        let outcome = runAllSplits(request(target: "/" + String(repeating: "a", count: 15)), limits: small)
        #expect(outcome.error == nil)
        #expect(outcome.events.count == 2)
    }

    @Test func targetOverTheLimitIs414() {
        let outcome = runAllSplits(request(target: "/" + String(repeating: "a", count: 16)), limits: small)
        #expect(outcome.error == HTTPParserError(.targetTooLong))
        #expect(outcome.error?.status == 414)
    }

    @Test func targetLongerThanTheWholeHeadLimitIs414() {
        let outcome = runAllSplits(request(target: "/" + String(repeating: "a", count: 200)), limits: small)
        #expect(outcome.error?.status == 414)
    }

    @Test func defaultLimitsAccept8192AndReject8193ByteTargets() {
        let accepted = runAllSplits(request(target: "/" + String(repeating: "a", count: 8191)), stride: 211)
        #expect(accepted.error == nil)
        let rejected = runAllSplits(request(target: "/" + String(repeating: "a", count: 8192)), stride: 211)
        #expect(rejected.error?.status == 414)
        let huge = runAllSplits(request(target: "/" + String(repeating: "a", count: 20000)), stride: 1009)
        #expect(huge.error?.status == 414)
    }

    // MARK: 431

    @Test func headAtTheByteLimitIsAcceptedAndOneMoreIs431() {
        let base = request(fields: ["X: "]).count
        let exact = request(fields: ["X: " + String(repeating: "v", count: 96 - base)])
        #expect(exact.count == 96)
        #expect(runAllSplits(exact, limits: small).error == nil)
        let over = request(fields: ["X: " + String(repeating: "v", count: 97 - base)])
        let outcome = runAllSplits(over, limits: small)
        #expect(outcome.error == HTTPParserError(.headTooLarge))
        #expect(outcome.error?.status == 431)
    }

    @Test func headOverDefaultByteLimitIs431() {
        let fields = (0..<40).map { "X-\($0): " + String(repeating: "v", count: 500) }
        let outcome = runAllSplits(request(fields: fields), stride: 509)
        #expect(outcome.error == HTTPParserError(.headTooLarge))
        #expect(outcome.error?.status == 431)
    }

    @Test func headerCountAtTheLimitIsAcceptedAndOneMoreIs431() {
        #expect(runAllSplits(request(fields: ["A: 1", "B: 2"]), limits: small).error == nil)
        let outcome = runAllSplits(request(fields: ["A: 1", "B: 2", "C: 3"]), limits: small)
        #expect(outcome.error == HTTPParserError(.tooManyHeaders))
        #expect(outcome.error?.status == 431)
    }

    @Test func defaultHeaderCountLimitIs100() {
        let ninetyNine = (0..<99).map { "X\($0): v" }
        #expect(runAllSplits(request(fields: ninetyNine), stride: 53).error == nil)
        let outcome = runAllSplits(request(fields: ninetyNine + ["Y: v"]), stride: 53)
        #expect(outcome.error == HTTPParserError(.tooManyHeaders))
    }

    // MARK: 413

    @Test func contentLengthOverTheLimitIs413() {
        let atLimit = runAllSplits([UInt8]("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"), limits: small)
        #expect(atLimit.error == nil)
        #expect(atLimit.events.count == 3)
        let outcome = runAllSplits([UInt8]("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n01234567890"), limits: small)
        #expect(outcome.error == HTTPParserError(.bodyTooLarge))
        #expect(outcome.error?.status == 413)
        #expect(outcome.events.isEmpty)
        let defaults = run([[UInt8]("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n")[...]])
        #expect(defaults.error?.status == 413)
    }

    @Test func chunkedBodyOverTheLimitIs413() {
        let prefix = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let atLimit = runAllSplits([UInt8](prefix + "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"), limits: small)
        #expect(atLimit.error == nil)
        let outcome = runAllSplits([UInt8](prefix + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), limits: small)
        #expect(outcome.error == HTTPParserError(.bodyTooLarge))
        #expect(outcome.error?.status == 413)
        #expect(outcome.events.dropFirst() == [body("hello")])
        let huge = runAllSplits([UInt8](prefix + "FFFFFFFFFFFFFFFF\r\n"))
        #expect(huge.error?.status == 413)
    }

    // MARK: Chunk lines and trailers

    @Test func chunkLineLimit() {
        let prefix = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let exact = runAllSplits([UInt8](prefix + "1;" + String(repeating: "e", count: 14) + "\r\nx\r\n0\r\n\r\n"), limits: small)
        #expect(exact.error == nil)
        let over = runAllSplits([UInt8](prefix + "1;" + String(repeating: "e", count: 15) + "\r\nx\r\n0\r\n\r\n"), limits: small)
        #expect(over.error == HTTPParserError(.chunkLineTooLong))
        #expect(over.error?.status == 400)
    }

    @Test func trailerLimits() {
        let prefix = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        let exact = runAllSplits([UInt8](prefix + "X: " + String(repeating: "t", count: 25) + "\r\n\r\n"), limits: small)
        #expect(exact.error == nil)
        let tooLarge = runAllSplits([UInt8](prefix + "X: " + String(repeating: "t", count: 26) + "\r\n\r\n"), limits: small)
        #expect(tooLarge.error == HTTPParserError(.trailersTooLarge))
        #expect(tooLarge.error?.status == 431)
        let tooMany = runAllSplits([UInt8](prefix + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), limits: small)
        #expect(tooMany.error == HTTPParserError(.trailersTooLarge))
    }
}
