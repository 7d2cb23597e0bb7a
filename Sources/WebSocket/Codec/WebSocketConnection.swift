/// The sans-I/O rules of one open WebSocket connection (RFC 6455 §5.5, §7), in wsproto's style:
/// peer bytes, the application's messages and timer expiries go in; actions come out for the
/// I/O side to carry out (write these frames, deliver this message, arm the close timer, close
/// the transport, report the disconnect).
///
/// ```
///   open ── app close / shutdown ─▶ localClosing ── peer's close ─────▶ closed
///     │                                  └──────── close timer fired ─▶ closed (abortive, 1006)
///     └──── peer's close (echoed) ─▶ remoteClosing ── transport closed ─▶ closed
///   open / localClosing ── protocol error ─▶ closed (our close frame with its code, from open)
///   any ── read ended ─▶ closed (abortive, 1006)
/// ```
///
/// Pings are answered with a pong in `open` and `localClosing`; data that arrives after our
/// close frame is dropped. The application may send messages only in `open`; anything else is
/// refused with `WebSocketConnectionError`, and nothing is written. The handshake comes before
/// this machine: it starts in `open`.
public struct WebSocketConnection: Sendable {
    /// Where the close handshake stands.
    public enum State: Sendable, Equatable {
        /// Messages flow both ways.
        case open
        /// Our close frame went out; waiting (bounded by the close timer) for the peer's.
        case localClosing
        /// The peer's close frame arrived and was echoed; the transport is closing.
        case remoteClosing
        /// Finished: nothing more is read, written or delivered.
        case closed
    }

    /// What the I/O side does, in the order given.
    public enum Action: Sendable, Equatable {
        /// Write these bytes (one or more whole frames).
        case write([UInt8])
        /// Deliver a complete data message (`.text` or `.binary`) to the application.
        case deliver(WebSocketEvent)
        /// Start the close timer; report its expiry with `closeTimerFired()`.
        case armCloseTimer
        /// The close timer is no longer needed.
        case cancelCloseTimer
        /// Close the transport: after the queued writes (graceful) or at once.
        case closeTransport(graceful: Bool)
        /// Tell the application the connection ended, with this close code and reason (1005:
        /// the peer's close had no code; 1006: no close frame at all).
        case disconnected(code: UInt16, reason: String)
    }

    /// The state now.
    public private(set) var state: State = .open
    /// Which end this machine speaks for (a client masks what it sends).
    public let role: WebSocketRole
    private var decoder: WebSocketDecoder
    /// The sending half of permessage-deflate, when negotiated.
    private var deflate: PerMessageDeflate?
    /// A keepalive ping went out and its pong has not come back.
    public private(set) var awaitingPong = false
    private var disconnectReported = false

    /// A machine for a connection whose handshake just completed; `deflate` is what the
    /// handshake negotiated, if anything.
    public init(role: WebSocketRole = .server, limits: WebSocketLimits = .init(), deflate: PerMessageDeflate? = nil) {
        self.role = role
        self.decoder = WebSocketDecoder(role: role, limits: limits, deflate: deflate)
        self.deflate = deflate
    }

    // MARK: - The peer

    /// Bytes from the peer. Protocol errors fail the connection with the RFC's code (1002,
    /// 1007, 1009, 1011) and are returned, for logging.
    @discardableResult
    public mutating func received(_ bytes: UnsafeRawBufferPointer, onAction: (Action) -> Void) -> WebSocketProtocolError? {
        switch state {
        case .open, .localClosing: break
        case .remoteClosing, .closed: return nil
        }
        // The decoder is moved out while it runs, so its events can update the rest of `self`
        // (an empty placeholder: no allocation, and no copy-on-write of the decoder's buffers).
        var decoder = WebSocketDecoder(role: role)
        swap(&decoder, &self.decoder)
        defer { self.decoder = decoder }
        do throws(WebSocketProtocolError) {
            try decoder.parse(bytes) { event in handle(event, onAction: onAction) }
        } catch {
            fail(code: error.closeCode, reason: error.reason, onAction: onAction)
            return error
        }
        return nil
    }

    private mutating func handle(_ event: WebSocketEvent, onAction: (Action) -> Void) {
        switch (state, event) {
        case (.open, .text), (.open, .binary):
            onAction(.deliver(event))
        case (.open, .ping(let payload)), (.localClosing, .ping(let payload)):
            var pong: [UInt8] = []
            WebSocketEncoder.appendControl(.pong, payload: payload, mask: outgoingMask, into: &pong)
            onAction(.write(pong))
        case (_, .pong):
            awaitingPong = false
        case (.open, .close(let code, let reason)):
            // Echo the code (RFC 6455 §5.5.1; an empty close is echoed empty), then close.
            var frame: [UInt8] = []
            if let code {
                WebSocketEncoder.appendClose(code: code, reason: "", mask: outgoingMask, into: &frame)
            } else {
                WebSocketEncoder.appendControl(.close, payload: [UInt8](), mask: outgoingMask, into: &frame)
            }
            state = .remoteClosing
            onAction(.write(frame))
            onAction(.closeTransport(graceful: true))
            report(code: code ?? 1005, reason: reason, onAction: onAction)
        case (.localClosing, .close(let code, let reason)):
            state = .closed
            onAction(.cancelCloseTimer)
            onAction(.closeTransport(graceful: true))
            report(code: code ?? 1005, reason: reason, onAction: onAction)
        case (.localClosing, .text), (.localClosing, .binary):
            break  // after our close frame, data is dropped
        case (.remoteClosing, _), (.closed, _):
            break  // the decoder stops at the peer's close; nothing is read once closed
        }
    }

    /// The transport's read side ended (EOF or an error) before the close handshake finished.
    public mutating func readEnded(onAction: (Action) -> Void) {
        switch state {
        case .open:
            onAction(.closeTransport(graceful: false))
        case .localClosing:
            onAction(.cancelCloseTimer)
            onAction(.closeTransport(graceful: false))
        case .remoteClosing, .closed:
            break  // already closing gracefully behind the echoed close, or closed
        }
        state = .closed
        report(code: 1006, reason: "", onAction: onAction)
    }

    /// The transport is closed (by us or under us).
    public mutating func transportClosed(onAction: (Action) -> Void) {
        state = .closed
        report(code: 1006, reason: "", onAction: onAction)
    }

    // MARK: - The application

    /// Appends the frame for an application text message to `buffer`. Refused, with `buffer`
    /// unchanged, unless the connection is open.
    public mutating func send(text: String, into buffer: inout [UInt8]) throws(WebSocketConnectionError) {
        try checkCanSend()
        WebSocketEncoder.appendMessage(text.utf8, opcode: .text, deflate: &deflate, mask: outgoingMask, into: &buffer)
    }

    /// Appends the frame for an application binary message to `buffer`. Refused, with `buffer`
    /// unchanged, unless the connection is open.
    public mutating func send(binary: [UInt8], into buffer: inout [UInt8]) throws(WebSocketConnectionError) {
        try checkCanSend()
        WebSocketEncoder.appendMessage(binary, opcode: .binary, deflate: &deflate, mask: outgoingMask, into: &buffer)
    }

    /// Whether a message framed elsewhere (a prepared broadcast frame) may be written now.
    public func checkCanSend() throws(WebSocketConnectionError) {
        guard state == .open else { throw WebSocketConnectionError(state: state) }
    }

    /// Starts the closing handshake (the application's close, or the server shutting down):
    /// our close frame, then the close timer. Nothing happens once closing has begun.
    public mutating func close(code: UInt16, reason: String, onAction: (Action) -> Void) {
        guard state == .open else { return }
        var frame: [UInt8] = []
        WebSocketEncoder.appendClose(code: code, reason: reason, mask: outgoingMask, into: &frame)
        state = .localClosing
        onAction(.write(frame))
        onAction(.armCloseTimer)
    }

    /// The close timer expired: if the peer's close has not come, give up on it.
    public mutating func closeTimerFired(onAction: (Action) -> Void) {
        guard state == .localClosing else { return }
        state = .closed
        onAction(.closeTransport(graceful: false))
        report(code: 1006, reason: "close handshake timed out", onAction: onAction)
    }

    // MARK: - Keepalive

    /// Sends a keepalive ping with `payload`, if open; its pong is then awaited.
    public mutating func ping(_ payload: some Collection<UInt8>, onAction: (Action) -> Void) {
        guard state == .open else { return }
        var frame: [UInt8] = []
        WebSocketEncoder.appendControl(.ping, payload: payload, mask: outgoingMask, into: &frame)
        awaitingPong = true
        onAction(.write(frame))
    }

    /// The keepalive deadline passed: fails the connection with 1011 if the pong has not come.
    /// Returns whether it did.
    @discardableResult
    public mutating func pingTimeoutFired(onAction: (Action) -> Void) -> Bool {
        guard state == .open, awaitingPong else { return false }
        fail(code: WebSocketCloseCode.internalError, reason: "keepalive ping timeout", onAction: onAction)
        return true
    }

    // MARK: - Internals

    /// A fresh key per frame for a client; none for a server.
    private var outgoingMask: UInt32? { role == .client ? WebSocketEncoder.randomMaskKey() : nil }

    /// Fails the connection (RFC 6455 §7.1.7): our close frame with `code` unless one already
    /// went out, then close.
    private mutating func fail(code: UInt16, reason: String, onAction: (Action) -> Void) {
        switch state {
        case .open:
            var frame: [UInt8] = []
            WebSocketEncoder.appendClose(code: code, reason: reason, mask: outgoingMask, into: &frame)
            onAction(.write(frame))
        case .localClosing:
            onAction(.cancelCloseTimer)
        case .remoteClosing, .closed:
            return
        }
        state = .closed
        onAction(.closeTransport(graceful: true))
        report(code: code, reason: reason, onAction: onAction)
    }

    /// Reports the end once: the first cause wins.
    private mutating func report(code: UInt16, reason: String, onAction: (Action) -> Void) {
        guard !disconnectReported else { return }
        disconnectReported = true
        onAction(.disconnected(code: code, reason: reason))
    }
}
