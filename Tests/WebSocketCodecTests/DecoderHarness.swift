import Testing
@testable import RingwayWebSocketCodec

/// Everything observable from one run of the decoder over some input.
struct Outcome: Equatable, CustomStringConvertible {
    var events: [WebSocketEvent] = []
    var error: WebSocketProtocolError?

    var description: String {
        "events: \(events.map(describe)), error: \(error.map(\.description) ?? "none")"
    }
}

/// An event, with long payloads abbreviated.
func describe(_ event: WebSocketEvent) -> String {
    switch event {
    case .text(let text): "text(\(text.utf8.count) bytes: \(text.prefix(40).debugDescription))"
    case .binary(let bytes): "binary(\(bytes.count) bytes)"
    case .ping(let bytes): "ping(\(bytes.count) bytes)"
    case .pong(let bytes): "pong(\(bytes.count) bytes)"
    case .close(let code, let reason): "close(\(code.map(String.init) ?? "nil"), \(reason.debugDescription))"
    }
}

/// The masking key test frames use unless they pass their own.
let testKey: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

/// How a test frame spells its payload length.
enum LengthForm {
    /// The shortest form, as RFC 6455 requires.
    case shortest
    /// 126 and a 16-bit length, whatever the length.
    case extended16
    /// 127 and a 64-bit length, whatever the length.
    case extended64
}

/// XORs byte by byte: the reference for `applyWebSocketMask`, and the client's masking here.
func referenceMask(_ bytes: [UInt8], key: [UInt8], phase: Int = 0) -> [UInt8] {
    bytes.enumerated().map { $0.element ^ key[($0.offset + phase) % 4] }
}

/// A frame as a client would send it, built without the code under test.
func clientFrame(
    _ opcode: UInt8,
    _ payload: [UInt8],
    fin: Bool = true,
    rsv: UInt8 = 0,
    masked: Bool = true,
    key: [UInt8] = testKey,
    length form: LengthForm = .shortest,
    declaredLength: UInt64? = nil
) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
    let maskBit: UInt8 = masked ? 0x80 : 0
    let length = declaredLength ?? UInt64(payload.count)
    switch form {
    case .shortest where length < 126:
        bytes.append(maskBit | UInt8(length))
    case .shortest where length < 0x1_0000:
        bytes.append(maskBit | 126)
        bytes += [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
    case .extended16:
        bytes.append(maskBit | 126)
        bytes += [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
    case .shortest, .extended64:
        bytes.append(maskBit | 127)
        bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) }
    }
    if masked {
        bytes += key
        bytes += referenceMask(payload, key: key)
    } else {
        bytes += payload
    }
    return bytes
}

func clientFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true, key: [UInt8] = testKey, length form: LengthForm = .shortest) -> [UInt8] {
    clientFrame(opcode.rawValue, payload, fin: fin, rsv: rsv, masked: masked, key: key, length: form)
}

func clientFrame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
    clientFrame(opcode, Array(text.utf8), fin: fin, rsv: rsv)
}

/// A close frame's payload: the code in network order, then the reason bytes.
func closePayload(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
}

let rsv1: UInt8 = 0x40
let rsv2: UInt8 = 0x20
let rsv3: UInt8 = 0x10

func feed(_ decoder: inout WebSocketDecoder, _ piece: ArraySlice<UInt8>, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
    try Array(piece).withBytes { (bytes) throws(WebSocketProtocolError) in try decoder.parse(bytes, onEvent: onEvent) }
}

/// Feeds `pieces` in order to a new decoder. Checks on the way that once an error is thrown,
/// every later call (and one more valid frame) throws the same error without emitting anything,
/// and that nothing is emitted after a close event.
///
/// `deflate` must not have been used: each run's decoder then makes its own zlib stream.
func run(_ pieces: [ArraySlice<UInt8>], limits: WebSocketLimits = .init(), deflate: PerMessageDeflate? = nil) -> Outcome {
    var decoder = WebSocketDecoder(limits: limits, deflate: deflate)
    var outcome = Outcome()
    let probe = clientFrame(.text, "after")[...]
    for (index, piece) in pieces.enumerated() {
        do {
            try feed(&decoder, piece) { outcome.events.append($0) }
        } catch {
            outcome.error = error
            let emitted = outcome.events.count
            for later in pieces[(index + 1)...] + [probe] {
                #expect(throws: error) { try feed(&decoder, later) { outcome.events.append($0) } }
            }
            #expect(outcome.events.count == emitted, "events emitted after an error")
            return outcome
        }
    }
    if case .close = outcome.events.last {
        let emitted = outcome.events.count
        #expect(throws: Never.self) { try feed(&decoder, probe) { outcome.events.append($0) } }
        #expect(outcome.events.count == emitted, "events emitted after a close frame")
    }
    return outcome
}

/// Runs `input` whole, split in two at every position (or every `stride`-th one, plus the first
/// 16 to cover headers), and one byte at a time; expects every run to give the outcome of the
/// whole run, which it returns.
@discardableResult
func runAllSplits(
    _ input: [UInt8],
    limits: WebSocketLimits = .init(),
    deflate: PerMessageDeflate? = nil,
    stride step: Int = 1,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Outcome {
    let whole = run([input[...]], limits: limits, deflate: deflate)
    let cuts = Set(Array(1..<min(16, max(1, input.count))) + Array(Swift.stride(from: 1, to: input.count, by: step)))
    for cut in cuts.sorted() {
        let split = run([input[..<cut], input[cut...]], limits: limits, deflate: deflate)
        if split != whole {
            Issue.record("split at \(cut) differs: \(split) vs whole \(whole)", sourceLocation: sourceLocation)
            return whole
        }
    }
    let bytewise = run(input.indices.map { input[$0...$0] }, limits: limits, deflate: deflate)
    #expect(bytewise == whole, "byte-at-a-time run differs: \(bytewise) vs whole \(whole)", sourceLocation: sourceLocation)
    return whole
}

/// Expects `input`, however split, to fail with `code`; returns the error.
@discardableResult
func expectFailure(
    _ input: [UInt8],
    _ code: UInt16,
    limits: WebSocketLimits = .init(),
    deflate: PerMessageDeflate? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> WebSocketProtocolError? {
    let outcome = runAllSplits(input, limits: limits, deflate: deflate, sourceLocation: sourceLocation)
    #expect(outcome.error?.closeCode == code, "\(outcome)", sourceLocation: sourceLocation)
    if let reason = outcome.error?.reason {
        #expect(reason.utf8.count <= 123, sourceLocation: sourceLocation)
    }
    return outcome.error
}

/// A permessage-deflate state as negotiated from `offer` with the default configuration.
func negotiated(_ offer: String = "permessage-deflate", _ configuration: PerMessageDeflate.Configuration = .init()) -> PerMessageDeflate {
    guard let (_, deflate) = PerMessageDeflate.negotiate(offer: offer, configuration: configuration) else {
        Issue.record("offer \(offer) declined")
        return PerMessageDeflate.negotiate(offer: "permessage-deflate", configuration: .init())!.deflate
    }
    return deflate
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}
