import Testing
@testable import RingwayWebSocketCodec

/// Control frames (RFC 6455 §5.5) and close frames (§5.5.1, §7.4).
@Suite struct ControlFrameTests {
    @Test func pingAndPongPayloads() {
        let full = (0..<125).map { UInt8($0) }
        let input = clientFrame(.ping, []) + clientFrame(.ping, full) + clientFrame(.pong, full) + clientFrame(.pong, [0xFF])
        #expect(runAllSplits(input) == Outcome(events: [.ping([]), .ping(full), .pong(full), .pong([0xFF])]))
    }

    @Test(arguments: [WebSocketOpcode.ping, .pong, .close])
    func controlPayloadOver125Bytes(opcode: WebSocketOpcode) {
        let error = expectFailure(clientFrame(opcode, Array(repeating: 0x61, count: 126)), 1002)
        #expect(error?.reason == "control frame payload over 125 bytes")
        // Refused from the header alone, with no payload sent.
        #expect(run([clientFrame(opcode, Array(repeating: 0x61, count: 126))[..<2]]).error == error)
        // Even a short payload spelled with a 16-bit length.
        expectFailure(clientFrame(opcode, [1], length: .extended16), 1002)
    }

    @Test(arguments: [WebSocketOpcode.ping, .pong, .close])
    func fragmentedControlFrame(opcode: WebSocketOpcode) {
        let error = expectFailure(clientFrame(opcode, [1], fin: false), 1002)
        #expect(error?.reason == "fragmented control frame")
        // Autobahn 5.1/5.2: a fragmented ping or pong followed by a continuation.
        expectFailure(clientFrame(opcode, [1], fin: false) + clientFrame(.continuation, [2]), 1002)
    }

    @Test func emptyClose() {
        #expect(runAllSplits(clientFrame(.close, [])) == Outcome(events: [.close(code: nil, reason: "")]))
    }

    @Test func closeWithCodeAndReason() {
        let reason = "going away — bye 👋"
        let outcome = runAllSplits(clientFrame(.close, closePayload(1001, Array(reason.utf8))))
        #expect(outcome == Outcome(events: [.close(code: 1001, reason: reason)]))
        let longest = String(repeating: "r", count: 123)
        #expect(run([clientFrame(.close, closePayload(1000, Array(longest.utf8)))[...]]) == Outcome(events: [.close(code: 1000, reason: longest)]))
    }

    @Test func closePayloadOfOneByte() {
        let error = expectFailure(clientFrame(.close, [0x03]), 1002)
        #expect(error?.reason == "close payload of 1 byte")
    }

    static let validCodes: [UInt16] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
    static let invalidCodes: [UInt16] = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 5001, 65535]

    @Test(arguments: validCodes)
    func validCloseCode(code: UInt16) {
        let outcome = runAllSplits(clientFrame(.close, closePayload(code, Array("r".utf8))))
        #expect(outcome == Outcome(events: [.close(code: code, reason: "r")]))
    }

    @Test(arguments: invalidCodes)
    func invalidCloseCode(code: UInt16) {
        let error = expectFailure(clientFrame(.close, closePayload(code)), 1002)
        #expect(error?.reason == "invalid close code \(code)")
    }

    @Test func closeReasonMustBeUTF8() {
        for reason: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xCE, 0xBA, 0xE1, 0xBD]] {
            let error = expectFailure(clientFrame(.close, closePayload(1000, reason)), 1007)
            #expect(error?.reason == "close reason is not valid UTF-8")
        }
    }

    @Test func bytesAfterCloseAreIgnored() {
        let input = clientFrame(.ping, "1") + clientFrame(.close, closePayload(1000, Array("bye".utf8))) + clientFrame(.ping, "2") + [0xFF, 0xFF, 0x00]
        #expect(runAllSplits(input) == Outcome(events: [.ping([0x31]), .close(code: 1000, reason: "bye")]))
    }
}
