import DequeModule
import Logging
import RingwayCore
import RingwayHTTP
import RingwayHTTPCodec
import RingwayRuntime
import RingwayWebSocketCodec

/// Runs one WebSocket connection: the `websocket` scope's messages on one side, RFC 6455
/// frames (through the sans-I/O `WebSocketDecoder`/`WebSocketEncoder`) on the other.
///
/// Phases: `connecting` (handshake received, the app decides: accept, close → 403, or a
/// denial response), `open`, `closing` (a close frame went out; waiting for the peer's,
/// bounded by `closeTimeout`), `closed`. Pings are answered automatically; the server pings
/// every `pingInterval` and closes with 1011 when a pong does not come within `pingTimeout`.
///
/// Loop-confined like the HTTP handler (the `@unchecked Sendable` invariant); `receive`
/// and `send` called off the loop hop to it.
final class WebSocketConnectionHandler: ConnectionDelegate, MessageChannel, @unchecked Sendable {
    private enum Phase { case connecting, open, closing, closed }

    private let connection: Connection
    private let request: HTTPUpgradeRequest
    private let key: String
    private let configuration: WebSocketConfiguration
    private var logger: Logger { request.logger }

    private var phase = Phase.connecting
    private var decoder: WebSocketDecoder
    private var deflate: PerMessageDeflate?
    private var pendingInput: [UInt8]
    private var inbound = Deque<ReceiveMessage>()
    private var inboundBytes = 0
    private var connectDelivered = false
    private var disconnect: (code: Int, reason: String)?
    private var waiter: UnsafeContinuation<Void, Never>?
    private var denial: (status: Int, headers: Headers, body: [UInt8])?
    private var awaitingPong = false
    private var pingCounter: UInt32 = 0
    private var shuttingDown = false
    /// Storage for message frames, reused once the connection has sent the last one.
    private var frameBuffer = ReusableBuffer()

    init(request: HTTPUpgradeRequest, key: String, configuration: WebSocketConfiguration) {
        self.connection = request.connection
        self.request = request
        self.key = key
        self.configuration = configuration
        self.decoder = WebSocketDecoder(limits: configuration.limits)
        self.pendingInput = request.leftover
    }

    // MARK: The app

    /// Runs the application's `websocket` scope, then finishes the connection for it.
    func run() async {
        let head = request.head
        let scope = WebSocketScope(
            httpVersion: "1.1", scheme: "ws", path: request.target.path, rawPath: request.target.rawPath,
            queryString: request.target.query, rootPath: request.configuration.rootPath, headers: head.headers,
            subprotocols: WebSocketHandshake.offeredSubprotocols(head.headers),
            client: connection.remoteAddress, server: connection.localAddress, state: request.state)
        var failure: (any Error)?
        do {
            try await request.application(.websocket(scope), Receive(channel: self, exchange: 1), Send(channel: self, exchange: 1))
        } catch is ClientDisconnected {
        } catch {
            failure = error
            logger.error("websocket application error: \(error)", metadata: ["path": "\(scope.path)"])
        }
        switch phase {
        case .connecting:
            // Never accepted: 403 like a websocket.close, 500 when the app failed.
            writeHTTPResponse(status: failure == nil ? 403 : 500, headers: Headers(), body: [])
        case .open:
            startClosing(code: failure == nil ? 1000 : 1011, reason: failure == nil ? "" : "internal error")
        case .closing, .closed:
            break
        }
    }

    func receive(exchange: UInt64) async throws -> ReceiveMessage {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.receive(exchange: exchange) }
        }
        if !connectDelivered {
            connectDelivered = true
            return .websocketConnect
        }
        while true {
            if let message = inbound.popFirst() {
                if case .websocketReceive(let content) = message {
                    inboundBytes -= content.byteCount
                    if inboundBytes <= configuration.maxBufferedBytes / 2 && phase == .open { connection.resumeReceiving() }
                }
                return message
            }
            if let disconnect { return .websocketDisconnect(code: disconnect.code, reason: disconnect.reason) }
            await withUnsafeContinuation { waiter = $0 }
        }
    }

    func send(_ message: SendMessage, exchange: UInt64) async throws {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.send(message, exchange: exchange) }
        }
        switch message {
        case .websocketAccept(let subprotocol, let headers):
            guard phase == .connecting, denial == nil else { throw misuse(message, "the handshake was already answered") }
            accept(subprotocol: subprotocol, headers: headers)
        case .websocketSend(let content):
            try checkOpen(for: message)
            var buffer: [UInt8]
            switch content {
            case .text(let text):
                buffer = frameBuffer.take(capacity: text.utf8.count + WebSocketEncoder.maxHeaderLength)
                WebSocketEncoder.appendMessage(text.utf8, opcode: .text, deflate: &deflate, into: &buffer)
            case .binary(let bytes):
                buffer = frameBuffer.take(capacity: bytes.count + WebSocketEncoder.maxHeaderLength)
                WebSocketEncoder.appendMessage(bytes, opcode: .binary, deflate: &deflate, into: &buffer)
            }
            connection.write(buffer)
            frameBuffer.keep(buffer)
            if !connection.isWritable { try await connection.waitUntilWritable() }
        case .websocketSendPrepared(let prepared):
            try checkOpen(for: message)
            // The shared frame itself: no encoding, no copy (the array is immutable, so the
            // send queue holds a reference to the same storage as every other socket's).
            connection.write(prepared.frame)
            if !connection.isWritable { try await connection.waitUntilWritable() }
        case .websocketClose(let code, let reason):
            switch phase {
            case .connecting:
                guard denial == nil else { throw misuse(message, "a denial response is in progress") }
                writeHTTPResponse(status: 403, headers: Headers(), body: [])
            case .open:
                startClosing(code: code, reason: reason)
            case .closing, .closed:
                break
            }
        case .websocketHTTPResponseStart(let status, let headers):
            guard phase == .connecting, denial == nil else { throw misuse(message, "only before websocket.accept, once") }
            denial = (status, headers, [])
        case .websocketHTTPResponseBody(let body, let moreBody):
            guard phase == .connecting, denial != nil else { throw misuse(message, "websocket.http.response.start must come first") }
            denial!.body += body
            if !moreBody, let (status, headers, body) = denial {
                writeHTTPResponse(status: status, headers: headers, body: body)
            }
        default:
            throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "websocket"))
        }
    }

    private func checkOpen(for message: SendMessage) throws {
        guard phase == .open else {
            if phase == .connecting { throw misuse(message, "websocket.accept must come first") }
            throw ClientDisconnected()
        }
    }

    private func misuse(_ message: SendMessage, _ detail: String) -> MessageOrderError {
        MessageOrderError(.unexpectedMessage(type: message.type, scope: "websocket (\(detail))"))
    }

    // MARK: Handshake

    private func accept(subprotocol: String?, headers: Headers) {
        var response = "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
        response += "sec-websocket-accept: \(WebSocketHandshake.acceptValue(for: key))\r\n"
        if let subprotocol { response += "sec-websocket-protocol: \(subprotocol)\r\n" }
        if configuration.deflate.enabled, let offer = request.head.headers["sec-websocket-extensions"],
           let (value, negotiated) = PerMessageDeflate.negotiate(offer: offer, configuration: configuration.deflate) {
            deflate = negotiated
            response += "sec-websocket-extensions: \(value)\r\n"
        }
        if let server = request.configuration.serverHeader { response += "server: \(server)\r\n" }
        var bytes = Array(response.utf8)
        for field in headers where isSafeHeader(field) {
            bytes += field.name + Array(": ".utf8) + field.value + [13, 10]
        }
        bytes += [13, 10]
        connection.write(bytes)
        phase = .open
        decoder = WebSocketDecoder(limits: configuration.limits, deflate: deflate)
        scheduleKeepalive()
        if shuttingDown { startClosing(code: 1001, reason: "server shutting down") }
        let early = pendingInput
        pendingInput = []
        if !early.isEmpty { early.withUnsafeBytes { connectionReceived($0) } }
    }

    private func isSafeHeader(_ field: Headers.Element) -> Bool {
        !field.name.isEmpty && !field.name.contains(where: { $0 <= 32 || $0 == 58 || $0 >= 127 })
            && !field.value.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 })
    }

    private func writeHTTPResponse(status: Int, headers: Headers, body: [UInt8]) {
        var head = "HTTP/1.1 \(status) \(HTTPResponseSerializer.reasonPhrase(for: status))\r\n"
        head += "content-length: \(body.count)\r\nconnection: close\r\n"
        var bytes = Array(head.utf8)
        for field in headers where isSafeHeader(field) && !Headers.asciiCaseInsensitiveEqual(field.name, "content-length".utf8) {
            bytes += field.name + Array(": ".utf8) + field.value + [13, 10]
        }
        bytes += [13, 10] + body
        connection.write(bytes)
        phase = .closed
        connection.close(graceful: true)
        deliverDisconnect(code: 1006, reason: "")
    }

    // MARK: Frames (loop thread)

    func connectionReceived(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .connecting:
            pendingInput.append(contentsOf: bytes)
            return
        case .closed:
            return
        case .open, .closing:
            break
        }
        do {
            try decoder.parse(bytes) { event in handle(event) }
        } catch {
            logger.debug("websocket protocol error from \(connection.remoteAddress?.description ?? "?"): \(error)")
            failConnection(code: error.closeCode, reason: error.reason)
        }
        if inboundBytes > configuration.maxBufferedBytes { connection.pauseReceiving() }
    }

    private func handle(_ event: WebSocketEvent) {
        switch event {
        case .text(let text):
            guard phase == .open else { return }
            inboundBytes += text.utf8.count
            enqueue(.websocketReceive(.text(text)))
        case .binary(let bytes):
            guard phase == .open else { return }
            inboundBytes += bytes.count
            enqueue(.websocketReceive(.binary(bytes)))
        case .ping(let payload):
            guard phase == .open || phase == .closing else { return }
            var pong: [UInt8] = []
            WebSocketEncoder.appendControl(.pong, payload: payload, into: &pong)
            connection.write(pong)
        case .pong:
            awaitingPong = false
        case .close(let code, let reason):
            let received = code.map(Int.init) ?? 1005
            if phase == .open {
                // Echo the code (RFC 6455 §5.5.1; an empty close is echoed empty), then close.
                var frame: [UInt8] = []
                if let code {
                    WebSocketEncoder.appendClose(code: code, reason: "", into: &frame)
                } else {
                    WebSocketEncoder.appendControl(.close, payload: [], into: &frame)
                }
                connection.write(frame)
            }
            phase = .closed
            connection.close(graceful: true)
            deliverDisconnect(code: received, reason: reason)
        }
    }

    private func enqueue(_ message: ReceiveMessage) {
        inbound.append(message)
        wake()
    }

    private func wake() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        }
    }

    private func deliverDisconnect(code: Int, reason: String) {
        if disconnect == nil { disconnect = (code, reason) }
        wake()
    }

    /// Sends our close frame and waits (bounded) for the peer's.
    private func startClosing(code: Int, reason: String) {
        guard phase == .open else { return }
        var frame: [UInt8] = []
        WebSocketEncoder.appendClose(code: UInt16(clamping: code), reason: reason, into: &frame)
        connection.write(frame)
        phase = .closing
        connection.loop.scheduleTimer(after: configuration.closeTimeout) { [weak self] in
            guard let self, self.phase == .closing else { return }
            self.phase = .closed
            self.connection.close(graceful: false)
            self.deliverDisconnect(code: 1006, reason: "close handshake timed out")
        }
    }

    /// A protocol violation: close with its code, right away.
    private func failConnection(code: UInt16, reason: String) {
        guard phase == .open || phase == .closing else { return }
        if phase == .open {
            var frame: [UInt8] = []
            WebSocketEncoder.appendClose(code: code, reason: reason, into: &frame)
            connection.write(frame)
        }
        phase = .closed
        connection.close(graceful: true)
        deliverDisconnect(code: Int(code), reason: reason)
    }

    func connectionReadEnded(error: Int32) {
        if phase != .closed {
            phase = .closed
            connection.close(graceful: false)
        }
        deliverDisconnect(code: 1006, reason: "")
    }

    func connectionShutdownRequested() {
        shuttingDown = true
        if phase == .open { startClosing(code: 1001, reason: "server shutting down") }
    }

    func connectionClosed() {
        phase = .closed
        deliverDisconnect(code: 1006, reason: "")
    }

    // MARK: Keepalive

    private func scheduleKeepalive() {
        guard let interval = configuration.pingInterval else { return }
        connection.loop.scheduleTimer(after: interval) { [weak self] in
            guard let self, self.phase == .open else { return }
            self.pingCounter &+= 1
            var frame: [UInt8] = []
            withUnsafeBytes(of: self.pingCounter.bigEndian) { WebSocketEncoder.appendControl(.ping, payload: Array($0), into: &frame) }
            self.connection.write(frame)
            self.awaitingPong = true
            self.connection.loop.scheduleTimer(after: self.configuration.pingTimeout) { [weak self] in
                guard let self, self.phase == .open, self.awaitingPong else { return }
                self.logger.debug("websocket peer did not answer a ping within \(self.configuration.pingTimeout); closing")
                self.failConnection(code: 1011, reason: "keepalive ping timeout")
            }
            self.scheduleKeepalive()
        }
    }
}

extension WebSocketMessage {
    /// Payload size, for buffering limits.
    var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}
