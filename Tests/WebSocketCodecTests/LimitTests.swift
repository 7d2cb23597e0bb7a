import Testing
@testable import RingwayWebSocketCodec

/// `WebSocketLimits` and `maxDecompressedBytes`: over them, 1009 before the excess is read.
@Suite struct LimitTests {
    static let small = WebSocketLimits(maxFrameBytes: 100, maxMessageBytes: 150)

    @Test func controlFramesCountAsFrames() {
        expectFailure(clientFrame(.ping, Array(repeating: 0, count: 101)), 1009, limits: Self.small)
    }

    @Test func frameAtAndOverTheLimit() {
        let atLimit = Array(repeating: UInt8(1), count: 100)
        #expect(runAllSplits(clientFrame(.binary, atLimit), limits: Self.small) == Outcome(events: [.binary(atLimit)]))
        let error = expectFailure(clientFrame(.binary, atLimit + [1]), 1009, limits: Self.small)
        #expect(error?.reason == "frame over the size limit")
    }

    @Test func oversizedFrameRefusedFromItsHeader() {
        // 2^40 bytes declared, none sent: refused as soon as the header is complete.
        let header = clientFrame(WebSocketOpcode.binary.rawValue, [], declaredLength: 1 << 40)
        let outcome = runAllSplits(header)
        #expect(outcome.error?.closeCode == 1009)
        let continuation = clientFrame(.text, "a", fin: false) + clientFrame(WebSocketOpcode.continuation.rawValue, [], declaredLength: 200)
        #expect(runAllSplits(continuation, limits: Self.small).error?.closeCode == 1009)
    }

    @Test func messageAtAndOverTheLimit() {
        let fine = clientFrame(.binary, Array(repeating: 1, count: 100), fin: false) + clientFrame(.continuation, Array(repeating: 2, count: 50))
        #expect(runAllSplits(fine, limits: Self.small).events == [.binary(Array(repeating: 1, count: 100) + Array(repeating: 2, count: 50))])
        let over = clientFrame(.binary, Array(repeating: 1, count: 100), fin: false) + clientFrame(.continuation, Array(repeating: 2, count: 51))
        let error = expectFailure(over, 1009, limits: Self.small)
        #expect(error?.reason == "message over the size limit")
        // Refused at the second frame's header, before its payload.
        #expect(run([over[..<(106 + 6)]], limits: Self.small).error == error)
    }

    @Test func controlFramesDoNotCountTowardsTheMessage() {
        let input = clientFrame(.text, String(repeating: "a", count: 100), fin: false) + clientFrame(.ping, Array(repeating: 0, count: 125))
            + clientFrame(.continuation, String(repeating: "b", count: 50))
        let outcome = runAllSplits(input, limits: WebSocketLimits(maxFrameBytes: 125, maxMessageBytes: 150))
        #expect(outcome == Outcome(events: [.ping(Array(repeating: 0, count: 125)), .text(String(repeating: "a", count: 100) + String(repeating: "b", count: 50))]))
    }

    @Test func textLimitCountsBytesNotCharacters() {
        let text = String(repeating: "€", count: 50)  // 150 bytes
        #expect(runAllSplits(clientFrame(.text, text), limits: WebSocketLimits(maxFrameBytes: 150, maxMessageBytes: 150)).events == [.text(text)])
        expectFailure(clientFrame(.text, text), 1009, limits: WebSocketLimits(maxFrameBytes: 150, maxMessageBytes: 149))
    }

    @Test func decompressedSizeIsLimited() throws {
        let text = String(repeating: "abcdefgh", count: 1000)  // 8000 bytes, compresses to a few dozen
        let compressed = try #require(clientCompress([Array(text.utf8)], takeover: false).first)
        #expect(compressed.count < 100)
        let frame = clientFrame(.text, compressed, rsv: rsv1)
        // The wire size is well within both limits; the decompressed size is what counts.
        let limits = WebSocketLimits(maxFrameBytes: 1000, maxMessageBytes: 8000)
        #expect(runAllSplits(frame, limits: limits, deflate: negotiated()).events == [.text(text)])
        let error = expectFailure(frame, 1009, limits: WebSocketLimits(maxFrameBytes: 1000, maxMessageBytes: 7999), deflate: negotiated())
        #expect(error?.reason == "decompressed message over the size limit")
        // `maxDecompressedBytes` applies too, whichever is smaller.
        expectFailure(frame, 1009, limits: limits, deflate: negotiated("permessage-deflate", .init(maxDecompressedBytes: 7999)))
    }
}
