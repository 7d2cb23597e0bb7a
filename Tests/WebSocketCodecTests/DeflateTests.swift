import Testing
@testable import RingwayWebSocketCodec

/// Compresses messages as a client would (RFC 7692 §7.2.1): raw deflate, sync flush, tail
/// removed; with `takeover` the window carries over from message to message.
func clientCompress(_ messages: [[UInt8]], takeover: Bool, windowBits: Int = 15) -> [[UInt8]] {
    guard let deflater = ZlibDeflater.make(windowBits: windowBits, level: 6) else {
        Issue.record("no deflater")
        return []
    }
    return messages.map { message in
        var output: [UInt8] = []
        message.withUnsafeBytes { deflater.compress($0, appendingTo: &output) }
        #expect(output.suffix(4) == [0x00, 0x00, 0xFF, 0xFF])
        if !takeover { deflater.reset() }
        return Array(output.dropLast(4))
    }
}

/// Decompresses server messages as a client would: tail added back, window kept unless
/// `takeover` is false. Input goes to zlib `pieceSize` bytes at a time: with small pieces, each
/// call's output is small, so back-references reach past the current call into zlib's window,
/// and one reaching further than `windowBits` allows fails.
func clientDecompress(_ messages: [[UInt8]], takeover: Bool, windowBits: Int = 15, pieceSize: Int = .max) -> [[UInt8]]? {
    guard let inflater = ZlibInflater.make(windowBits: windowBits) else { return nil }
    var result: [[UInt8]] = []
    for message in messages {
        var output: [UInt8] = []
        let input = message + [0x00, 0x00, 0xFF, 0xFF]
        for start in Swift.stride(from: 0, to: input.count, by: min(pieceSize, input.count)) {
            let piece = input[start..<min(start + pieceSize, input.count)]
            let outcome = Array(piece).withUnsafeBytes { inflater.decompress($0, appendingTo: &output, limit: 1 << 30) }
            guard outcome == .ok else { return nil }
        }
        if !takeover { inflater.reset() }
        result.append(output)
    }
    return result
}

/// Splits the encoder's output into (header byte 0, payload) per frame.
func serverFrames(_ bytes: [UInt8]) -> [(first: UInt8, payload: [UInt8])] {
    var frames: [(UInt8, [UInt8])] = []
    var index = 0
    while index < bytes.count {
        let short = Int(bytes[index + 1] & 0x7F)
        let extended = short == 126 ? 2 : short == 127 ? 8 : 0
        let length = extended == 0 ? short : bytes[(index + 2)..<(index + 2 + extended)].reduce(0) { $0 << 8 | Int($1) }
        let start = index + 2 + extended
        frames.append((bytes[index], Array(bytes[start..<start + length])))
        index = start + length
    }
    return frames
}

/// A message of the round trips: text or binary, some under the threshold, much repetition
/// within and between messages (so context takeover shows).
func roundTripMessage(_ index: Int) -> (opcode: WebSocketOpcode, payload: [UInt8]) {
    let record = "{\"id\":\(index),\"name\":\"user-\(index % 7)\",\"tags\":[\"alpha\",\"beta\",\"gamma\"],\"note\":\"κόσμε 😀\"}"
    switch index % 4 {
    case 0: return (.text, Array(String(repeating: record, count: 1 + index % 5).utf8))
    case 1: return (.binary, (0..<(300 + index * 13)).map { UInt8(truncatingIfNeeded: $0 % 17 + index) })
    case 2: return (.text, Array("short \(index)".utf8))  // under the threshold
    default: return (.binary, Array(repeating: UInt8(index), count: index * 50))
    }
}

/// SplitMix64: a small deterministic generator, so every run sees the same data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// permessage-deflate: RFC 7692 vectors, context takeover both ways, window bits, bombs.
@Suite struct DeflateTests {
    // MARK: RFC 7692 §7.2.3 examples

    static let hello: [UInt8] = [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]

    @Test func rfcHelloDecodes() {
        #expect(runAllSplits(clientFrame(.text, Self.hello, rsv: rsv1), deflate: negotiated()) == Outcome(events: [.text("Hello")]))
    }

    @Test func rfcHelloInTwoFragments() {
        // §7.2.3.1: 0x41 0x03 0xf2 0x48 0xcd, then 0x80 0x04 0xc9 0xc9 0x07 0x00 (masked here).
        let input = clientFrame(.text, [0xF2, 0x48, 0xCD], fin: false, rsv: rsv1) + clientFrame(.continuation, [0xC9, 0xC9, 0x07, 0x00])
        #expect(input[0] == 0x41 && input[9] == 0x80)
        #expect(runAllSplits(input, deflate: negotiated()) == Outcome(events: [.text("Hello")]))
    }

    @Test func rfcSharedWindow() {
        // §7.2.3.2: the second "Hello" refers back into the first message.
        let input = clientFrame(.text, Self.hello, rsv: rsv1) + clientFrame(.text, [0xF2, 0x00, 0x11, 0x00, 0x00], rsv: rsv1)
        #expect(runAllSplits(input, deflate: negotiated()) == Outcome(events: [.text("Hello"), .text("Hello")]))
        // A decoder told the client resets its window cannot read it: the reset really happens.
        let reset = run([input[...]], deflate: negotiated("permessage-deflate; client_no_context_takeover"))
        #expect(reset.events == [.text("Hello")])
        #expect(reset.error?.closeCode == 1002)
    }

    @Test func rfcBFinalBlock() {
        // §7.2.3.3: a block with BFINAL set, then an empty one; the next message still decodes.
        let input = clientFrame(.text, [0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00], rsv: rsv1) + clientFrame(.text, Self.hello, rsv: rsv1)
        #expect(runAllSplits(input, deflate: negotiated()) == Outcome(events: [.text("Hello"), .text("Hello")]))
    }

    @Test func rfcStoredBlock() {
        // §7.2.3.4: "Hello" in an uncompressed (stored) block.
        let input = clientFrame(.binary, [0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00], rsv: rsv1)
        #expect(runAllSplits(input, deflate: negotiated()) == Outcome(events: [.binary(Array("Hello".utf8))]))
    }

    @Test func emptyCompressedMessage() {
        #expect(runAllSplits(clientFrame(.text, [0x00], rsv: rsv1), deflate: negotiated()) == Outcome(events: [.text("")]))
        #expect(runAllSplits(clientFrame(.binary, [], rsv: rsv1), deflate: negotiated()) == Outcome(events: [.binary([])]))
        var buffer: [UInt8] = []
        var deflate: PerMessageDeflate? = negotiated("permessage-deflate", .init(threshold: 0))
        WebSocketEncoder.appendMessage([UInt8](), opcode: .binary, deflate: &deflate, into: &buffer)
        #expect(buffer == [0xC2, 0x01, 0x00])
    }

    @Test func encoderMatchesTheRFC() {
        var deflate: PerMessageDeflate? = negotiated("permessage-deflate", .init(threshold: 0))
        var buffer: [UInt8] = []
        WebSocketEncoder.appendMessage("Hello".utf8, opcode: .text, deflate: &deflate, into: &buffer)
        WebSocketEncoder.appendMessage("Hello".utf8, opcode: .text, deflate: &deflate, into: &buffer)
        #expect(buffer == [0xC1, 0x07] + Self.hello + [0xC1, 0x05, 0xF2, 0x00, 0x11, 0x00, 0x00])
        // Without server context takeover both messages compress alike.
        var fresh: PerMessageDeflate? = negotiated("permessage-deflate; server_no_context_takeover", .init(threshold: 0))
        var resetBuffer: [UInt8] = []
        WebSocketEncoder.appendMessage("Hello".utf8, opcode: .text, deflate: &fresh, into: &resetBuffer)
        WebSocketEncoder.appendMessage("Hello".utf8, opcode: .text, deflate: &fresh, into: &resetBuffer)
        #expect(resetBuffer == [0xC1, 0x07] + Self.hello + [0xC1, 0x07] + Self.hello)
    }

    @Test func invalidCompressedData() {
        // BTYPE 11 is reserved.
        let error = expectFailure(clientFrame(.binary, [0xFF, 0xFF, 0xFF], rsv: rsv1), 1002, deflate: negotiated())
        #expect(error?.reason == "compressed payload is not valid deflate data")
    }

    @Test func invalidUTF8InsideCompressedText() throws {
        let compressed = try #require(clientCompress([Array("κόσμε".utf8) + [0xED, 0xA0, 0x80]], takeover: false).first)
        expectFailure(clientFrame(.text, compressed, rsv: rsv1), 1007, deflate: negotiated())
        let truncated = try #require(clientCompress([[0x61, 0xF0, 0x9F]], takeover: false).first)
        expectFailure(clientFrame(.text, truncated, rsv: rsv1), 1007, deflate: negotiated())
    }

    /// The first problem in the stream is reported however the input is split, even when
    /// decompression of a larger piece runs into a later one first.
    @Test func firstErrorWinsInsideCompressedText() throws {
        let invalid = Array("κόσμε".utf8) + [0xC0, 0x80]
        // Invalid UTF-8, then more than the limit.
        let long = try #require(clientCompress([invalid + Array(repeating: 0x61, count: 5000)], takeover: false).first)
        let limits = WebSocketLimits(maxFrameBytes: 1 << 20, maxMessageBytes: 1000)
        expectFailure(clientFrame(.text, long, rsv: rsv1), 1007, limits: limits, deflate: negotiated())
        // Invalid UTF-8 exactly at the limit: the limit comes first.
        let atLimit = try #require(clientCompress([Array(repeating: 0x61, count: 1000) + [0xFF]], takeover: false).first)
        expectFailure(clientFrame(.text, atLimit, rsv: rsv1), 1009, limits: limits, deflate: negotiated())
        // Invalid UTF-8, then corrupt deflate data: after the flush's empty stored block, a block
        // of reserved type 3.
        let corrupt = try #require(clientCompress([invalid], takeover: false).first) + [0x00, 0x00, 0xFF, 0xFF, 0xFF]
        expectFailure(clientFrame(.text, corrupt, rsv: rsv1), 1007, deflate: negotiated())
        // Binary messages have no UTF-8 to check: the corruption is reported.
        expectFailure(clientFrame(.binary, corrupt, rsv: rsv1), 1002, deflate: negotiated())
    }

    @Test func thresholdDecidesCompression() {
        var deflate: PerMessageDeflate? = negotiated("permessage-deflate", .init(threshold: 10))
        var buffer: [UInt8] = []
        WebSocketEncoder.appendMessage(Array(repeating: UInt8(0x61), count: 9), opcode: .text, deflate: &deflate, into: &buffer)
        #expect(buffer.first == 0x81)
        buffer = []
        WebSocketEncoder.appendMessage(Array(repeating: UInt8(0x61), count: 10), opcode: .text, deflate: &deflate, into: &buffer)
        #expect(buffer.first == 0xC1)
        #expect(deflate?.threshold == 10)
    }

    // MARK: Round trips, 100 messages each way

    /// Server → client: the encoder's output read by a client-side inflater and by the decoder.
    @Test(arguments: [false, true])
    func serverToClientRoundTrip(noContextTakeover: Bool) throws {
        let offer = noContextTakeover ? "permessage-deflate; server_no_context_takeover; client_no_context_takeover" : "permessage-deflate"
        var deflate: PerMessageDeflate? = negotiated(offer)
        var buffer: [UInt8] = []
        var expected: [WebSocketEvent] = []
        for index in 0..<100 {
            let (opcode, payload) = roundTripMessage(index)
            WebSocketEncoder.appendMessage(payload, opcode: opcode, deflate: &deflate, into: &buffer)
            expected.append(opcode == .text ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload))
        }
        let frames = serverFrames(buffer)
        #expect(frames.count == 100)
        for (index, frame) in frames.enumerated() {
            let (opcode, payload) = roundTripMessage(index)
            #expect(frame.first & 0x0F == opcode.rawValue)
            #expect(frame.first & 0x40 != 0 ? payload.count >= 256 : payload.count < 256, "RSV1 exactly from the threshold")
        }
        let compressed = frames.filter { $0.first & 0x40 != 0 }.map(\.payload)
        let originals = (0..<100).map { roundTripMessage($0).payload }.filter { $0.count >= 256 }
        let decodedAll = clientDecompress(compressed, takeover: !noContextTakeover) == originals
        #expect(decodedAll)
        // Each message decodes on its own only when the server reset its window every time.
        let independently = compressed.map { clientDecompress([$0], takeover: false)?.first }
        #expect(independently.elementsEqual(originals.map(Optional.some)) == noContextTakeover)
        // And the decoder reads the same frames, masked, back into the messages.
        let peer = negotiated(noContextTakeover ? "permessage-deflate; client_no_context_takeover" : "permessage-deflate")
        #expect(run([maskServerFrames(buffer)[...]], deflate: peer) == Outcome(events: expected))
    }

    /// Client → server: messages compressed as a client would, read by the decoder, fed in pieces.
    @Test(arguments: [false, true])
    func clientToServerRoundTrip(noContextTakeover: Bool) throws {
        let messages = (0..<100).map { roundTripMessage($0) }
        let compressed = clientCompress(messages.map(\.payload), takeover: !noContextTakeover)
        var input: [UInt8] = []
        for (index, (message, payload)) in zip(messages, compressed).enumerated() {
            if index % 3 == 0 {
                // Some messages fragmented, with a ping between the fragments.
                let half = payload.count / 2
                input += clientFrame(message.opcode, Array(payload[..<half]), fin: false, rsv: rsv1)
                input += clientFrame(.ping, [UInt8(index)])
                input += clientFrame(.continuation, Array(payload[half...]))
            } else {
                input += clientFrame(message.opcode, payload, rsv: rsv1)
            }
        }
        let expected: [WebSocketEvent] = messages.enumerated().flatMap { index, message -> [WebSocketEvent] in
            let event: WebSocketEvent = message.opcode == .text ? .text(String(decoding: message.payload, as: UTF8.self)) : .binary(message.payload)
            return index % 3 == 0 ? [.ping([UInt8(index)]), event] : [event]
        }
        let deflate = negotiated(noContextTakeover ? "permessage-deflate; client_no_context_takeover" : "permessage-deflate")
        #expect(run([input[...]], deflate: deflate) == Outcome(events: expected))
        let pieces = Swift.stride(from: 0, to: input.count, by: 997).map { input[$0..<min($0 + 997, input.count)] }
        #expect(run(pieces, deflate: deflate) == Outcome(events: expected))
        // With context takeover, repeated content costs less the second time.
        if !noContextTakeover {
            let independent = clientCompress(messages.map(\.payload), takeover: false)
            #expect(compressed.map(\.count).reduce(0, +) < independent.map(\.count).reduce(0, +))
        }
    }

    // MARK: Window bits

    @Test(arguments: [8, 9, 10, 15])
    func serverWindowBitsAreHonoured(bits: Int) throws {
        var deflate: PerMessageDeflate? = negotiated("permessage-deflate; server_max_window_bits=\(bits)")
        #expect(deflate?.serverMaxWindowBits == bits)
        // Pseudo-random letters, repeated 270–450 bytes later: beyond an 8-bit window, within a
        // 10-bit one, so a compressor using a larger window than negotiated makes references the
        // client cannot follow. 16 letters compress even without matches.
        var generator = SplitMix64(state: 42)
        var buffer: [UInt8] = []
        var originals: [[UInt8]] = []
        for index in 0..<100 {
            let block = (0..<(250 + index % 10 * 20)).map { _ in UInt8(0x61 + generator.next() % 16) }
            let payload = block + Array(repeating: 0x20, count: 20) + block
            WebSocketEncoder.appendMessage(payload, opcode: .binary, deflate: &deflate, into: &buffer)
            originals.append(payload)
        }
        let frames = serverFrames(buffer)
        #expect(frames.allSatisfy { $0.first == 0xC2 })
        let decoded = clientDecompress(frames.map(\.payload), takeover: true, windowBits: bits, pieceSize: 1)
        let decodedAll = decoded == originals
        #expect(decodedAll, "zlib could not decode the messages with a \(bits)-bit window")
        // zlib's inflate tolerates some references beyond its window; the reference decoder
        // measures them: none may reach further back than the negotiated window.
        let stream = frames.flatMap { frame -> [UInt8] in frame.payload + [0x00, 0x00, 0xFF, 0xFF] }
        let reference = try ReferenceInflater(decoding: stream)
        let referenceMatches = reference.output == originals.flatMap { $0 }
        #expect(referenceMatches)
        #expect(reference.longestDistance <= 1 << bits, "a reference \(reference.longestDistance) bytes back")
        #expect(reference.longestDistance > 0)
        let total = frames.map(\.payload.count).reduce(0, +)
        #expect(total < originals.map(\.count).reduce(0, +), "compression happened")
    }

    // MARK: Bombs

    /// 50 MiB of zeros compress to about 50 KiB; decoding stops at the limit, while the frame is
    /// still arriving, instead of inflating it all.
    @Test func decompressionBomb() throws {
        guard let deflater = ZlibDeflater.make(windowBits: 15, level: 6) else { throw BombError.noDeflater }
        var compressed: [UInt8] = []
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<50 { zeros.withUnsafeBytes { deflater.compress($0, appendingTo: &compressed) } }
        compressed.removeLast(4)
        #expect(compressed.count < 100_000)
        let frame = clientFrame(.binary, compressed, rsv: rsv1)

        let pieces = Swift.stride(from: 0, to: frame.count, by: 1024).map { frame[$0..<min($0 + 1024, frame.count)] }
        var decoder = WebSocketDecoder(deflate: negotiated())
        var failedAt: Int?
        var events: [WebSocketEvent] = []
        for (index, piece) in pieces.enumerated() {
            do {
                try feed(&decoder, piece) { events.append($0) }
            } catch {
                #expect(error.closeCode == 1009)
                failedAt = index
                break
            }
        }
        #expect(events.isEmpty)
        // 16 MiB (the default limit) is about a third of the stream.
        let failure = try #require(failedAt)
        #expect(failure < pieces.count / 2, "failed at piece \(failure) of \(pieces.count)")

        // A smaller configured limit stops it sooner.
        let strict = negotiated("permessage-deflate", .init(maxDecompressedBytes: 1 << 20))
        let outcome = run(pieces, deflate: strict)
        #expect(outcome.error?.closeCode == 1009)
    }

    enum BombError: Error { case noDeflater }
}
