extension WebSocketDecoder {
    /// Bytes of compressed payload unmasked per step, in a stack buffer, on their way to zlib.
    private static let inflateStep = 16 << 10

    /// Reads as much of `frame`'s payload as `input` holds.
    mutating func readPayload(_ input: UnsafeRawBufferPointer, from start: Int, onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) -> Int {
        let count = min(remaining, input.count - start)
        let piece = input.slice(start..<start + count)
        if frame.opcode.isControl {
            maskPhase = Self.appendUnmasking(piece, key: frame.maskKey, phase: maskPhase, to: &control)
        } else if messageIsCompressed {
            try inflate(piece)
        } else {
            let before = message.count
            maskPhase = Self.appendUnmasking(piece, key: frame.maskKey, phase: maskPhase, to: &message)
            try checkText(from: before)
        }
        remaining -= count
        if remaining == 0 { try endFrame(onEvent: onEvent) }
        return start + count
    }

    /// The frame's payload is complete: handles a control frame, or the message on its last frame.
    mutating func endFrame(onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
        state = .header
        if frame.opcode.isControl {
            try endControlFrame(onEvent: onEvent)
        } else if frame.fin {
            try endMessage(onEvent: onEvent)
        }
    }

    /// Unmasks a piece of a compressed payload and decompresses it into `message`.
    private mutating func inflate(_ piece: UnsafeRawBufferPointer) throws(WebSocketProtocolError) {
        let key = frame.maskKey
        let limit = limits.maxMessageBytes
        try checkingText { (decoder) throws(WebSocketProtocolError) in
            var offset = 0
            while offset < piece.count {
                let count = min(piece.count - offset, Self.inflateStep)
                try withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { (chunk) throws(WebSocketProtocolError) in
                    // `chunk` has exactly `count` bytes, and `offset + count <= piece.count`.
                    chunk.copyMemory(from: piece.slice(offset..<offset + count))
                    decoder.maskPhase = applyWebSocketMask(chunk, key: key, phase: decoder.maskPhase)
                    // `messageIsCompressed` implies `deflate` is set: `checkStart` refuses RSV1 without it.
                    try decoder.deflate!.decompress(UnsafeRawBufferPointer(chunk), appendingTo: &decoder.message, limit: limit)
                }
                offset += count
            }
        }
    }

    /// Runs `decompression`, then checks the text it appended to `message`. When decompression
    /// fails, invalid UTF-8 in what it appended before failing is reported instead: that is what
    /// the same bytes give when they arrive in smaller pieces.
    private mutating func checkingText(_ decompression: (inout Self) throws(WebSocketProtocolError) -> Void) throws(WebSocketProtocolError) {
        let before = message.count
        do throws(WebSocketProtocolError) {
            try decompression(&self)
        } catch {
            try checkText(from: before)
            throw error
        }
        try checkText(from: before)
    }

    /// Checks that `message[start...]` continues valid UTF-8, if the message is text.
    private mutating func checkText(from start: Int) throws(WebSocketProtocolError) {
        guard messageOpcode == .text, start < message.count else { return }
        var validator = utf8
        let valid = message.withUnsafeBytes { validator.consume(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        utf8 = validator
        guard valid else { throw .invalidPayload("text message is not valid UTF-8") }
    }

    private mutating func endMessage(onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
        if messageIsCompressed {
            let limit = limits.maxMessageBytes
            // `messageIsCompressed` implies `deflate` is set (see `inflate`).
            try checkingText { (decoder) throws(WebSocketProtocolError) in
                try decoder.deflate!.finishMessage(appendingTo: &decoder.message, limit: limit)
            }
        }
        let opcode = messageOpcode
        messageOpcode = nil
        messageIsCompressed = false
        if opcode == .text {
            guard utf8.isComplete else { throw .invalidPayload("text message ends inside a UTF-8 sequence") }
            let text = String(decoding: message, as: UTF8.self)
            message = []
            onEvent(.text(text))
        } else {
            // Hand the buffer over whole: once `message` lets go, the event holds the only reference.
            let bytes = message
            message = []
            onEvent(.binary(bytes))
        }
    }

    private mutating func endControlFrame(onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
        let payload = control
        control = []
        switch frame.opcode {
        case .ping:
            onEvent(.ping(payload))
        case .pong:
            onEvent(.pong(payload))
        default:
            let event = try Self.closeEvent(payload)
            state = .closed
            message = []
            onEvent(event)
        }
    }

    /// The event for a close frame's payload (RFC 6455 §5.5.1, §7.4).
    static func closeEvent(_ payload: [UInt8]) throws(WebSocketProtocolError) -> WebSocketEvent {
        guard !payload.isEmpty else { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw .protocolError("close payload of 1 byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isValidReceived(code) else { throw .protocolError("invalid close code \(code)") }
        var validator = UTF8Validator()
        let valid = payload.withUnsafeBytes { validator.consume(UnsafeRawBufferPointer(rebasing: $0[2...])) }
        guard valid, validator.isComplete else { throw .invalidPayload("close reason is not valid UTF-8") }
        return .close(code: code, reason: String(decoding: payload[2...], as: UTF8.self))
    }

    /// Appends `piece` to `bytes` and unmasks the appended part in place; returns the next phase.
    @inline(__always)
    private static func appendUnmasking(_ piece: UnsafeRawBufferPointer, key: UInt32, phase: Int, to bytes: inout [UInt8]) -> Int {
        let start = bytes.count
        bytes.append(contentsOf: piece)
        return bytes.withUnsafeMutableBytes { applyWebSocketMask(UnsafeMutableRawBufferPointer(rebasing: $0[start...]), key: key, phase: phase) }
    }
}
