import Testing
@testable import RingwayWebSocketCodec

/// Turns the encoder's server frames into client frames (mask bit, key, masked payload), so the
/// decoder can read them back.
func maskServerFrames(_ bytes: [UInt8], key: [UInt8] = testKey) -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let second = bytes[index + 1]
        #expect(second & 0x80 == 0, "server frames are never masked")
        let extended = switch second & 0x7F {
        case 126: 2
        case 127: 8
        default: 0
        }
        let headerEnd = index + 2 + extended
        let length = bytes[(index + 2)..<headerEnd].reduce(Int(second & 0x7F) >= 126 ? 0 : Int(second & 0x7F)) { $0 << 8 | Int($1) }
        output += [bytes[index], second | 0x80] + bytes[(index + 2)..<headerEnd] + key
        output += referenceMask(Array(bytes[headerEnd..<headerEnd + length]), key: key)
        index = headerEnd + length
    }
    return output
}

/// Server frames: header shapes, control frames, close frames, round trips through the decoder.
@Suite struct EncoderTests {
    @Test(arguments: [(0, [0x82, 0x00]), (125, [0x82, 0x7D]), (126, [0x82, 0x7E, 0x00, 0x7E]), (65535, [0x82, 0x7E, 0xFF, 0xFF]),
                      (65536, [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]), (1 << 20, [0x82, 0x7F, 0, 0, 0, 0, 0, 0x10, 0, 0])] as [(Int, [UInt8])])
    func binaryHeaderShapes(length: Int, header: [UInt8]) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        var buffer: [UInt8] = []
        var deflate: PerMessageDeflate?
        WebSocketEncoder.appendMessage(payload, opcode: .binary, deflate: &deflate, into: &buffer)
        #expect(Array(buffer.prefix(header.count)) == header)
        #expect(buffer.count == header.count + length)
        #expect(buffer.dropFirst(header.count).elementsEqual(payload))
        #expect(run([maskServerFrames(buffer)[...]]) == Outcome(events: [.binary(payload)]))
    }

    @Test func textFrameAppendsToExistingBytes() {
        var buffer: [UInt8] = [0xAB]
        var deflate: PerMessageDeflate?
        WebSocketEncoder.appendMessage("Hello".utf8, opcode: .text, deflate: &deflate, into: &buffer)
        #expect(buffer == [0xAB, 0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test func controlFrames() {
        var buffer: [UInt8] = []
        WebSocketEncoder.appendControl(.ping, payload: [1, 2, 3], into: &buffer)
        WebSocketEncoder.appendControl(.pong, payload: [UInt8](), into: &buffer)
        #expect(buffer == [0x89, 0x03, 1, 2, 3, 0x8A, 0x00])
        // Over 125 bytes: cut to 125, so the frame stays valid.
        var long: [UInt8] = []
        WebSocketEncoder.appendControl(.pong, payload: Array(repeating: UInt8(7), count: 200), into: &long)
        #expect(long.count == 127 && long[1] == 125)
        #expect(run([maskServerFrames(long)[...]]) == Outcome(events: [.pong(Array(repeating: 7, count: 125))]))
    }

    @Test func closeFrame() {
        var buffer: [UInt8] = []
        WebSocketEncoder.appendClose(code: 1000, reason: "bye", into: &buffer)
        #expect(buffer == [0x88, 0x05, 0x03, 0xE8, 0x62, 0x79, 0x65])
        var empty: [UInt8] = []
        WebSocketEncoder.appendClose(code: 1002, reason: "", into: &empty)
        #expect(empty == [0x88, 0x02, 0x03, 0xEA])
    }

    @Test(arguments: [
        ("ascii", String(repeating: "a", count: 200), 123),
        ("2-byte", String(repeating: "é", count: 100), 122),
        ("3-byte", String(repeating: "€", count: 50), 123),
        ("4-byte", "ab" + String(repeating: "😀", count: 40), 122),
        ("4-byte offset", "abc" + String(repeating: "😀", count: 40), 123),
        ("fits", "short", 5),
    ])
    func closeReasonCutOnAScalarBoundary(name: String, reason: String, expectedBytes: Int) {
        var buffer: [UInt8] = []
        WebSocketEncoder.appendClose(code: 4000, reason: reason, into: &buffer)
        #expect(buffer.count == 2 + 2 + expectedBytes)
        #expect(Int(buffer[1]) == 2 + expectedBytes && buffer[1] <= 125)
        let cut = Array(buffer[4...])
        let decoded = String(validating: cut, as: UTF8.self)
        #expect(decoded != nil && reason.hasPrefix(decoded!), "\(name)")
        #expect(run([maskServerFrames(buffer)[...]]) == Outcome(events: [.close(code: 4000, reason: decoded ?? "")]))
    }

    @Test func roundTripThroughTheDecoder() {
        var buffer: [UInt8] = []
        var deflate: PerMessageDeflate?
        var expected: [WebSocketEvent] = []
        for length in [0, 1, 125, 126, 1000, 65535, 65536, 100_000] {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(0x61 + $0 % 26))) })
            WebSocketEncoder.appendMessage(text.utf8, opcode: .text, deflate: &deflate, into: &buffer)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
            WebSocketEncoder.appendMessage(bytes, opcode: .binary, deflate: &deflate, into: &buffer)
            expected += [.text(text), .binary(bytes)]
        }
        WebSocketEncoder.appendControl(.ping, payload: [9], into: &buffer)
        WebSocketEncoder.appendClose(code: 1001, reason: "away", into: &buffer)
        expected += [.ping([9]), .close(code: 1001, reason: "away")]
        #expect(run([maskServerFrames(buffer)[...]]) == Outcome(events: expected))
    }
}
