/// Incremental, sans-I/O decoder for the frames a peer sends (RFC 6455, with RFC 7692
/// permessage-deflate): bytes in, `WebSocketEvent`s out. In the server role (the default) it
/// reads a client's frames, which must be masked; in the client role a server's, which must not.
///
/// ```
///   header ─┬─ control ─▶ payload (≤ 125 B) ─▶ ping / pong ─────────────────────▶ header
///           │                               └─▶ close ─▶ closed (later bytes ignored)
///           └─ data ────▶ payload (unmasked, inflated, UTF-8 checked into `message`)
///                            ─▶ FIN ? text / binary ─▶ header : header (next fragment)
///   any ── a rule broken ─▶ failed (terminal: every later call throws the same error)
/// ```
///
/// A header that arrives whole is parsed in place; only a split one is collected in
/// `partialHeader`. Payload bytes are unmasked as they are copied into the message (or, when
/// compressed, into a stack buffer on their way to zlib), so input split at any byte gives the
/// same events and the same error. Every rule is checked as early as the bytes allow: a bad
/// first header byte fails before the rest of the header arrives, an oversized frame before its
/// payload, invalid UTF-8 at the fragment that holds it.
///
/// Rules (a broken one throws its close code): every frame masked (server role) or none (client
/// role); RSV2/RSV3 clear; RSV1 only on the first frame of a data message and only with
/// permessage-deflate; no reserved opcode;
/// control frames unfragmented with at most 125 bytes; a continuation only inside a message and
/// a new message only outside one (control frames may come between fragments); lengths in
/// shortest form; close payloads empty or a valid code plus a UTF-8 reason (all 1002, bad UTF-8
/// 1007); frames over `maxFrameBytes` and messages over `maxMessageBytes` (decompressed) 1009.
public struct WebSocketDecoder: Sendable {
    /// The bounds this decoder enforces.
    public let limits: WebSocketLimits
    /// The end this decoder reads for: `.server` reads masked client frames.
    public let role: WebSocketRole

    var deflate: PerMessageDeflate?
    var state: State = .header
    /// Header bytes received so far when a header arrives in pieces (at most 14).
    private var partialHeader: [UInt8] = []
    /// The frame whose payload is being read.
    var frame = WebSocketFrameHeader(fin: true, rsv1: false, opcode: .binary, maskKey: 0, payloadLength: 0)
    /// Payload bytes of `frame` still due.
    var remaining = 0
    /// Key byte for the next payload byte of `frame`.
    var maskPhase = 0
    /// Opcode of the data message in progress (text or binary), nil between messages.
    var messageOpcode: WebSocketOpcode?
    /// Whether the message in progress is compressed (RSV1 on its first frame).
    var messageIsCompressed = false
    /// The message in progress, unmasked and decompressed.
    var message: [UInt8] = []
    /// UTF-8 state at the end of `message`, for a text message.
    var utf8 = UTF8Validator()
    /// The payload of the control frame being read.
    var control: [UInt8] = []

    enum State: Sendable {
        /// Expecting (the rest of) a frame header.
        case header
        /// Reading `frame`'s payload.
        case payload
        /// The peer's close frame was decoded.
        case closed
        /// Terminal.
        case failed(WebSocketProtocolError)
    }

    /// A decoder for one connection; pass the `PerMessageDeflate` from the handshake, if any.
    public init(role: WebSocketRole = .server, limits: WebSocketLimits = .init(), deflate: PerMessageDeflate? = nil) {
        self.role = role
        self.limits = limits
        self.deflate = deflate
    }

    /// Decodes all of `input`, calling `onEvent` for each event in order. After the peer's close
    /// frame the rest of the input, and any later input, is ignored. After a thrown error the
    /// decoder is failed for good: no event is emitted for the bytes after the error, and every
    /// later call throws the same error.
    public mutating func parse(_ input: UnsafeRawBufferPointer, onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
        switch state {
        case .failed(let error): throw error
        case .closed: return
        case .header, .payload: break
        }
        var index = 0
        do throws(WebSocketProtocolError) {
            while index < input.count {
                switch state {
                case .header: index = try readHeader(input, from: index, onEvent: onEvent)
                case .payload: index = try readPayload(input, from: index, onEvent: onEvent)
                case .closed, .failed: return
                }
            }
        } catch {
            state = .failed(error)
            partialHeader = []
            message = []
            control = []
            throw error
        }
    }

    // MARK: - Header

    /// Reads a header, in place when it is whole in `input`, else collecting it in `partialHeader`.
    private mutating func readHeader(_ input: UnsafeRawBufferPointer, from start: Int, onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) -> Int {
        if partialHeader.isEmpty, input.count - start >= 2 {
            let opcode = try checkStart(input[start], input[start + 1])
            let length = WebSocketFrameHeader.length(secondByte: input[start + 1])
            if input.count - start >= length {
                try beginFrame(WebSocketFrameHeader(parsing: input.slice(start..<start + length), opcode: opcode), onEvent: onEvent)
                return start + length
            }
        }
        var index = start
        if partialHeader.count < 2 {
            let count = min(2 - partialHeader.count, input.count - index)
            partialHeader.append(contentsOf: input.slice(index..<index + count))
            index += count
            guard partialHeader.count == 2 else { return index }
        }
        // Checked again on every piece (the check has no side effects), so the error is the same
        // wherever the input was split.
        let opcode = try checkStart(partialHeader[0], partialHeader[1])
        let length = WebSocketFrameHeader.length(secondByte: partialHeader[1])
        let count = min(length - partialHeader.count, input.count - index)
        partialHeader.append(contentsOf: input.slice(index..<index + count))
        index += count
        guard partialHeader.count == length else { return index }
        let header = try partialHeader.withBytes { (bytes) throws(WebSocketProtocolError) in
            try WebSocketFrameHeader(parsing: bytes, opcode: opcode)
        }
        partialHeader.removeAll(keepingCapacity: true)
        try beginFrame(header, onEvent: onEvent)
        return index
    }

    /// Checks what the first two header bytes decide (RFC 6455 §5.2–5.5, RFC 7692 §6) and
    /// returns the opcode.
    private func checkStart(_ first: UInt8, _ second: UInt8) throws(WebSocketProtocolError) -> WebSocketOpcode {
        typealias Bits = WebSocketFrameHeader
        guard first & Bits.rsv2And3Bits == 0 else { throw .protocolError("RSV2 or RSV3 set") }
        guard let opcode = WebSocketOpcode(rawValue: first & Bits.opcodeBits) else {
            throw .protocolError("reserved opcode \(first & Bits.opcodeBits)")
        }
        switch role {
        case .server: guard second & Bits.maskBit != 0 else { throw .protocolError("client frame not masked") }
        case .client: guard second & Bits.maskBit == 0 else { throw .protocolError("server frame masked") }
        }
        let rsv1 = first & Bits.rsv1Bit != 0
        if opcode.isControl {
            guard first & Bits.finBit != 0 else { throw .protocolError("fragmented control frame") }
            guard second & Bits.lengthBits <= 125 else { throw .protocolError("control frame payload over 125 bytes") }
            guard !rsv1 else { throw .protocolError("RSV1 set on a control frame") }
        } else if opcode == .continuation {
            guard messageOpcode != nil else { throw .protocolError("continuation frame outside a message") }
            guard !rsv1 else { throw .protocolError("RSV1 set on a continuation frame") }
        } else {
            guard messageOpcode == nil else { throw .protocolError("new message before the fragmented one ended") }
            guard !rsv1 || deflate != nil else { throw .protocolError("RSV1 set without permessage-deflate") }
        }
        return opcode
    }

    /// Checks the frame's size against the limits and starts reading its payload.
    private mutating func beginFrame(_ header: WebSocketFrameHeader, onEvent: (WebSocketEvent) -> Void) throws(WebSocketProtocolError) {
        guard header.payloadLength <= UInt64(max(0, limits.maxFrameBytes)) else { throw .messageTooBig("frame over the size limit") }
        let length = Int(header.payloadLength)
        if header.opcode.isControl {
            control.reserveCapacity(length)
        } else {
            if header.opcode != .continuation {
                messageOpcode = header.opcode
                messageIsCompressed = header.rsv1
                utf8 = UTF8Validator()
            }
            // Uncompressed, the wire size is the message size (`message.count` is within the limit);
            // compressed, the decompressor checks the output as it grows.
            if !messageIsCompressed {
                guard length <= limits.maxMessageBytes - message.count else { throw .messageTooBig("message over the size limit") }
                // Exact room for a single-frame message; later fragments grow it geometrically (reserving
                // exactly per fragment would copy the message once per fragment).
                if message.isEmpty { message.reserveCapacity(length) }
            }
        }
        frame = header
        remaining = length
        maskPhase = 0
        state = .payload
        if length == 0 { try endFrame(onEvent: onEvent) }
    }
}
