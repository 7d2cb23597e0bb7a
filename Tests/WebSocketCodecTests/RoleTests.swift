import Testing
@testable import RingwayWebSocketCodec

/// Decodes `bytes` whole with a decoder in `role`.
private func decode(_ bytes: [UInt8], role: WebSocketRole, limits: WebSocketLimits = .init()) -> Outcome {
    var decoder = WebSocketDecoder(role: role, limits: limits)
    var outcome = Outcome()
    do {
        try feed(&decoder, bytes[...]) { outcome.events.append($0) }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// The client role: the decoder reads only unmasked (server) frames, the encoder masks with the
/// key it is given; the server role, the default, is unchanged.
@Suite struct RoleTests {
    /// Each frame kind, as a server sends it (unmasked) and as a client does (masked with `testKey`).
    static let frames: [(name: String, server: [UInt8], client: [UInt8], event: WebSocketEvent)] = [
        ("text", [0x81, 0x02, 0x68, 0x69], clientFrame(.text, "hi"), .text("hi")),
        ("binary", [0x82, 0x03, 1, 2, 3], clientFrame(.binary, [1, 2, 3]), .binary([1, 2, 3])),
        ("ping", [0x89, 0x01, 9], clientFrame(.ping, [9]), .ping([9])),
        ("pong", [0x8A, 0x00], clientFrame(.pong, []), .pong([])),
        ("close", [0x88, 0x02, 0x03, 0xE8], clientFrame(.close, closePayload(1000)), .close(code: 1000, reason: "")),
    ]

    @Test(arguments: frames.indices)
    func eachRoleAcceptsItsPeersFramesOnly(index: Int) {
        let frame = Self.frames[index]
        #expect(decode(frame.client, role: .server) == Outcome(events: [frame.event]), "\(frame.name)")
        #expect(decode(frame.server, role: .client) == Outcome(events: [frame.event]), "\(frame.name)")
        #expect(decode(frame.server, role: .server).error == WebSocketProtocolError(closeCode: 1002, reason: "client frame not masked"))
        #expect(decode(frame.client, role: .client).error == WebSocketProtocolError(closeCode: 1002, reason: "server frame masked"))
    }

    @Test func defaultRoleIsServer() {
        #expect(WebSocketDecoder().role == .server)
    }

    /// Masked frames match a client frame built byte by byte, for every length form.
    @Test(arguments: [0, 5, 125, 126, 65535, 65536])
    func maskedMessageMatchesReference(length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var buffer: [UInt8] = [0xAB]
        WebSocketEncoder.appendMessage(payload, opcode: .binary, mask: 0x37FA_213D, into: &buffer)
        #expect(buffer == [0xAB] + clientFrame(.binary, payload))
        var deflate: PerMessageDeflate?
        var viaDeflateOverload: [UInt8] = []
        WebSocketEncoder.appendMessage(payload, opcode: .binary, deflate: &deflate, mask: 0x37FA_213D, into: &viaDeflateOverload)
        #expect(viaDeflateOverload == clientFrame(.binary, payload))
        #expect(decode(viaDeflateOverload, role: .server) == Outcome(events: [.binary(payload)]))
    }

    @Test func maskedControlAndCloseFrames() {
        var buffer: [UInt8] = []
        WebSocketEncoder.appendControl(.ping, payload: [1, 2, 3], mask: 0x37FA_213D, into: &buffer)
        #expect(buffer == clientFrame(.ping, [1, 2, 3]))
        buffer = []
        WebSocketEncoder.appendClose(code: 1001, reason: "bye", mask: 0x37FA_213D, into: &buffer)
        #expect(buffer == clientFrame(.close, closePayload(1001, Array("bye".utf8))))
        #expect(decode(buffer, role: .server) == Outcome(events: [.close(code: 1001, reason: "bye")]))
    }

    /// A client's compressed frame: header with the mask bit and key, the deflated payload
    /// masked; a server decoder with permessage-deflate reads it back.
    @Test func maskedCompressedMessageRoundTrips() throws {
        let configuration = PerMessageDeflate.Configuration(threshold: 0)
        let (_, sending) = try #require(PerMessageDeflate.negotiate(offer: "permessage-deflate", configuration: configuration))
        let (_, receiving) = try #require(PerMessageDeflate.negotiate(offer: "permessage-deflate", configuration: configuration))
        var deflate: PerMessageDeflate? = sending
        let text = String(repeating: "compress me ", count: 40)
        var buffer: [UInt8] = []
        WebSocketEncoder.appendMessage(text.utf8, opcode: .text, deflate: &deflate, mask: 0x0102_0304, into: &buffer)
        #expect(buffer[0] == 0xC1, "FIN, RSV1, text")
        #expect(buffer[1] & 0x80 != 0, "masked")
        var decoder = WebSocketDecoder(role: .server, deflate: receiving)
        var events: [WebSocketEvent] = []
        try feed(&decoder, buffer[...]) { events.append($0) }
        #expect(events == [.text(text)])
    }

    /// Server frames from the encoder read back in the client role, with no masking at all.
    @Test func serverFramesDecodeInClientRole() {
        var buffer: [UInt8] = []
        WebSocketEncoder.appendMessage("hello".utf8, opcode: .text, into: &buffer)
        WebSocketEncoder.appendControl(.ping, payload: [7], into: &buffer)
        WebSocketEncoder.appendClose(code: 1000, reason: "", into: &buffer)
        #expect(decode(buffer, role: .client) == Outcome(events: [.text("hello"), .ping([7]), .close(code: 1000, reason: "")]))
    }

    /// A server frame must not grow a buffer reserved for `maxHeaderLength` plus the payload.
    @Test func serverFrameFitsItsReservation() {
        let payload = [UInt8](repeating: 1, count: 300)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(payload.count + WebSocketEncoder.maxHeaderLength)
        let capacity = buffer.capacity
        WebSocketEncoder.appendMessage(payload, opcode: .binary, into: &buffer)
        #expect(buffer.capacity == capacity)
    }

    @Test func randomKeysDiffer() {
        let keys = Set((0..<8).map { _ in WebSocketEncoder.randomMaskKey() })
        #expect(keys.count > 1)
    }
}
