import Testing
@testable import RingwayWebSocketCodec

/// RSV1–3 (RFC 6455 §5.2, RFC 7692 §6): RSV1 marks a compressed message, only on its first frame
/// and only when permessage-deflate was negotiated; RSV2 and RSV3 are never set.
@Suite struct ReservedBitTests {
    /// "Hello" compressed (RFC 7692 §7.2.3.1).
    static let compressedHello: [UInt8] = [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]

    @Test func rsv2AndRsv3AreAlwaysRefused() {
        for rsv in [rsv2, rsv3, rsv2 | rsv3, rsv1 | rsv2] {
            for opcode in [WebSocketOpcode.text, .binary, .ping, .close] {
                let input = clientFrame(opcode, [], rsv: rsv)
                #expect(expectFailure(input, 1002)?.reason == "RSV2 or RSV3 set")
                expectFailure(input, 1002, deflate: negotiated())
            }
        }
    }

    @Test func rsv1WithoutDeflate() {
        let error = expectFailure(clientFrame(.text, Self.compressedHello, rsv: rsv1), 1002)
        #expect(error?.reason == "RSV1 set without permessage-deflate")
        expectFailure(clientFrame(.binary, Self.compressedHello, rsv: rsv1), 1002)
        expectFailure(clientFrame(.text, [], fin: false, rsv: rsv1), 1002)
    }

    @Test func rsv1WithDeflateOnFirstFrame() {
        let outcome = runAllSplits(clientFrame(.text, Self.compressedHello, rsv: rsv1), deflate: negotiated())
        #expect(outcome == Outcome(events: [.text("Hello")]))
        let binary = runAllSplits(clientFrame(.binary, Self.compressedHello, rsv: rsv1), deflate: negotiated())
        #expect(binary == Outcome(events: [.binary(Array("Hello".utf8))]))
    }

    @Test func rsv1OnContinuation() {
        let input = clientFrame(.text, [0xF2, 0x48], fin: false, rsv: rsv1) + clientFrame(.continuation, [0xCD, 0xC9, 0xC9, 0x07, 0x00], rsv: rsv1)
        let error = expectFailure(input, 1002, deflate: negotiated())
        #expect(error?.reason == "RSV1 set on a continuation frame")
        // Uncompressed first frame, RSV1 on the second: still refused.
        expectFailure(clientFrame(.text, "a", fin: false) + clientFrame(.continuation, "b", rsv: rsv1), 1002, deflate: negotiated())
    }

    @Test(arguments: [WebSocketOpcode.ping, .pong, .close])
    func rsv1OnControlFrame(opcode: WebSocketOpcode) {
        let error = expectFailure(clientFrame(opcode, [], rsv: rsv1), 1002, deflate: negotiated())
        #expect(error?.reason == "RSV1 set on a control frame")
        expectFailure(clientFrame(opcode, [], rsv: rsv1), 1002)
    }

    @Test func uncompressedMessagesStillAllowedWithDeflate() {
        let input = clientFrame(.text, "plain") + clientFrame(.text, Self.compressedHello, rsv: rsv1) + clientFrame(.binary, [1, 2])
        #expect(runAllSplits(input, deflate: negotiated()) == Outcome(events: [.text("plain"), .text("Hello"), .binary([1, 2])]))
    }
}
