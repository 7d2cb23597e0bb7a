import Testing
@testable import RingwayWebSocketCodec

/// Frame headers: every length form, masking, reserved opcodes, length encoding rules.
@Suite struct FrameShapeTests {
    /// RFC 6455 §5.7: a single-frame masked text message.
    @Test func rfcMaskedHello() {
        let input: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        let outcome = runAllSplits(input)
        #expect(outcome == Outcome(events: [.text("Hello")]))
    }

    @Test(arguments: [0, 1, 125, 126, 127, 1000, 65535])
    func lengthsUpTo16Bits(length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let input = clientFrame(.binary, payload)
        let headerLength = length < 126 ? 6 : 8
        #expect(input.count == headerLength + length)
        let outcome = runAllSplits(input, stride: length > 2000 ? 1021 : 1)
        #expect(outcome == Outcome(events: [.binary(payload)]))
    }

    @Test(arguments: [65536, 70001])
    func lengthsWith64Bits(length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let input = clientFrame(.binary, payload)
        #expect(input[1] == 0x80 | 127)
        #expect(input.count == 14 + length)
        let outcome = runAllSplits(input, stride: 4099)
        #expect(outcome == Outcome(events: [.binary(payload)]))
    }

    @Test func textIn16BitFrame() {
        let text = String(repeating: "κόσμε ", count: 30)  // 330 bytes, mostly 2-byte scalars
        let outcome = runAllSplits(clientFrame(.text, text))
        #expect(outcome == Outcome(events: [.text(text)]))
    }

    @Test func everyMaskingKeyByteMatters() {
        for key: [UInt8] in [[0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [1, 2, 3, 4], [0x80, 0x00, 0x7F, 0x01]] {
            let payload = Array("masked with \(key)".utf8)
            let outcome = runAllSplits(clientFrame(.binary, payload, key: key))
            #expect(outcome == Outcome(events: [.binary(payload)]))
        }
    }

    @Test func severalFramesInOneBuffer() {
        let input = clientFrame(.text, "one") + clientFrame(.binary, [1, 2, 3]) + clientFrame(.ping, "p") + clientFrame(.pong, []) + clientFrame(.text, "")
        let outcome = runAllSplits(input)
        #expect(outcome == Outcome(events: [.text("one"), .binary([1, 2, 3]), .ping([0x70]), .pong([]), .text("")]))
    }

    @Test func unmaskedFramesAreRefused() {
        #expect(expectFailure(clientFrame(.text, Array("Hello".utf8), masked: false), 1002)?.reason == "client frame not masked")
        expectFailure(clientFrame(.binary, [], masked: false), 1002)
        expectFailure(clientFrame(.ping, [], masked: false), 1002)
        expectFailure(clientFrame(.close, [], masked: false), 1002)
        // RFC 6455 §5.7's unmasked ping, as a server would receive it.
        expectFailure([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], 1002)
        // After a valid frame, the event for it is still delivered.
        let outcome = run([(clientFrame(.text, "ok") + clientFrame(.text, Array("x".utf8), masked: false))[...]])
        #expect(outcome.events == [.text("ok")])
        #expect(outcome.error?.closeCode == 1002)
    }

    @Test(arguments: [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] as [UInt8])
    func reservedOpcodes(opcode: UInt8) {
        let error = expectFailure(clientFrame(opcode, [1, 2]), 1002)
        #expect(error?.reason == "reserved opcode \(opcode)")
        // Also after a valid frame, and when the frame is empty and not final.
        let outcome = runAllSplits(clientFrame(.ping, []) + clientFrame(opcode, [], fin: false))
        #expect(outcome.events == [.ping([])])
        #expect(outcome.error == error)
    }

    @Test func lengthsMustBeInShortestForm() {
        expectFailure(clientFrame(.binary, [1, 2, 3, 4, 5], length: .extended16), 1002)
        expectFailure(clientFrame(.binary, Array(repeating: 9, count: 125), length: .extended16), 1002)
        expectFailure(clientFrame(.binary, [], length: .extended64), 1002)
        expectFailure(clientFrame(.binary, Array(repeating: 9, count: 200), length: .extended64), 1002)
        // Refused from the header: no payload needed.
        expectFailure(clientFrame(WebSocketOpcode.binary.rawValue, [], length: .extended64, declaredLength: 65535), 1002)
        expectFailure(clientFrame(WebSocketOpcode.binary.rawValue, [], length: .extended16, declaredLength: 125), 1002)
        // The shortest forms at each boundary are accepted.
        let at126 = Array(repeating: UInt8(9), count: 126)
        #expect(run([clientFrame(.binary, at126, length: .extended16)[...]]) == Outcome(events: [.binary(at126)]))
        let at65536 = Array(repeating: UInt8(9), count: 65536)
        #expect(run([clientFrame(.binary, at65536, length: .extended64)[...]]) == Outcome(events: [.binary(at65536)]))
    }

    @Test func sixtyFourBitLengthWithTopBitSet() {
        let header = clientFrame(WebSocketOpcode.binary.rawValue, [], declaredLength: 1 << 63)
        #expect(header[1] == 0x80 | 127)
        let error = expectFailure(header, 1002)
        #expect(error?.reason == "64-bit payload length with the top bit set")
        expectFailure(clientFrame(WebSocketOpcode.binary.rawValue, [], declaredLength: UInt64.max), 1002)
    }

    @Test func errorDescriptionNamesCodeAndReason() {
        let error = WebSocketProtocolError(closeCode: 1002, reason: "client frame not masked")
        #expect(error.description == "WebSocket peer error, closing with 1002: client frame not masked")
    }
}
