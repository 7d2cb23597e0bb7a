import DequeModule
import Logging
import RingwayCore
import RingwayHTTP
import RingwayHTTPCodec
import RingwayRuntime
import RingwayWebSocketCodec

/// Runs one WebSocket connection: the `websocket` scope's messages on one side, RFC 6455
/// frames on the other. The rules live in sans-I/O values: `WebSocketHandshake` builds the
/// responses, `WebSocketConnection` (open → closing → closed) decides what each frame, message
/// and timer means; this class carries out their actions (write, deliver, timers, close) and
/// keeps what needs I/O: the app's receive queue with its backpressure, and the timers.
///
/// Before the machine exists the app answers the handshake: accept (101), close (403) or a
/// denial response. Any of these sent before `receive()` returned `websocket.connect` consumes
/// that connect, so the next `receive()` gives the first client message. An answer that cannot
/// be written (a subprotocol that is not an offered token, an invalid header) throws
/// `WebSocketHandshakeError` and writes nothing; the handshake stays unanswered (403 when the app
/// returns, 500 when it throws).
///
/// Loop-confined like the HTTP handler (the `@unchecked Sendable` invariant); `receive`
/// and `send` called off the loop hop to it.
final class WebSocketConnectionHandler: ConnectionDelegate, MessageChannel, @unchecked Sendable {
    /// The opening handshake, answered by the app.
    private enum Handshake {
        /// Not answered yet.
        case awaiting
        /// A denial response is being collected (`websocket.http.response.*`).
        case denying(status: Int, headers: Headers, body: [UInt8])
        /// 101 sent: `socket` runs the connection.
        case accepted
        /// Answered with an HTTP response, or the client left before an answer.
        case ended
    }

    private let connection: Connection
    private let request: HTTPUpgradeRequest
    private let key: String
    private let configuration: WebSocketConfiguration
    private let offeredSubprotocols: [String]
    private var logger: Logger { request.logger }

    private var handshake = Handshake.awaiting
    /// The connection's rules, from the 101 on.
    private var socket: WebSocketConnection?
    /// The machine's actions, collected while it runs and carried out after (its storage reused).
    private var actions: [WebSocketConnection.Action] = []
    private var pendingInput: [UInt8]
    private var inbound = Deque<ReceiveMessage>()
    private var inboundBytes = 0
    private var connectDelivered = false
    private var disconnect: (code: Int, reason: String)?
    private var waiter: UnsafeContinuation<Void, Never>?
    /// Which wait `waiter` is, for its cancellation handler.
    private var waiterID: UInt64 = 0
    private var lastWaiterID: UInt64 = 0
    private var closeTimer: TimerID?
    private var pingCounter: UInt32 = 0
    private var shuttingDown = false
    /// Storage for message frames, reused once the connection has sent the last one.
    private var frameBuffer = ReusableBuffer()

    init(request: HTTPUpgradeRequest, key: String, configuration: WebSocketConfiguration) {
        self.connection = request.connection
        self.request = request
        self.key = key
        self.configuration = configuration
        self.offeredSubprotocols = WebSocketHandshake.offeredSubprotocols(request.head.headers)
        self.pendingInput = request.leftover
    }

    // MARK: The app

    /// Runs the application's `websocket` scope, then finishes the connection for it.
    func run() async {
        let head = request.head
        var scope = WebSocketScope(
            httpVersion: "1.1", scheme: "ws", path: request.target.path, rawPath: request.target.rawPath,
            queryString: request.target.query, rootPath: request.configuration.rootPath, headers: head.headers,
            subprotocols: offeredSubprotocols,
            client: connection.remoteAddress, server: connection.localAddress, state: request.state)
        scope.shutdownSignal = request.shutdownSignal
        var failure: (any Error)?
        do {
            try await request.application(.websocket(scope), Receive(channel: self, exchange: 1), Send(channel: self, exchange: 1))
        } catch is ClientDisconnected {
        } catch {
            failure = error
            if let answer = error as? any HTTPResponseError, (400...599).contains(answer.status), !isAccepted {
                logger.debug("websocket application answered \(answer.status) by throwing: \(error)", metadata: ["path": "\(scope.path)"])
            } else {
                logger.error("websocket application error: \(error)", metadata: ["path": "\(scope.path)"])
            }
        }
        switch handshake {
        case .awaiting, .denying:
            // Never accepted: 403 like a websocket.close, 500 when the app failed, or the
            // response the thrown error asks for (as a denial response would send it).
            if let answer = failure as? any HTTPResponseError, (400...599).contains(answer.status),
               let bytes = try? WebSocketHandshake.finalResponse(status: answer.status, headers: answer.headers, body: answer.body) {
                writeFinal(bytes)
            } else {
                writeFinalResponse(status: failure == nil ? 403 : 500)
            }
        case .accepted:
            drive { $0.close(code: failure == nil ? 1000 : 1011, reason: failure == nil ? "" : "internal error", onAction: $1) }
        case .ended:
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
                    if inboundBytes <= configuration.maxBufferedBytes / 2 && socket?.state == .open { connection.resumeReceiving() }
                }
                return message
            }
            if let disconnect { return .websocketDisconnect(code: disconnect.code, reason: disconnect.reason) }
            try await waitForInbound()
        }
    }

    /// Parks `receive` until a message or the disconnect arrives; a cancelled task throws
    /// `CancellationError` at once. One `receive` waits at a time: a second concurrent one
    /// is refused (it could never be woken in order).
    private func waitForInbound() async throws {
        if Task.isCancelled { throw CancellationError() }
        guard waiter == nil else { throw MessageOrderError(.concurrentReceive) }
        lastWaiterID &+= 1
        let id = lastWaiterID
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                waiterID = id
                waiter = continuation
            }
        } onCancel: {
            // Any thread: the waiter is loop-confined state.
            connection.loop.execute { self.cancelWaiter(id) }
        }
        if Task.isCancelled { throw CancellationError() }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let waiter, waiterID == id else { return }  // resumed already
        self.waiter = nil
        waiter.resume()
    }

    func send(_ message: SendMessage, exchange: UInt64) async throws {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.send(message, exchange: exchange) }
        }
        switch message {
        case .websocketAccept(let subprotocol, let headers):
            guard case .awaiting = handshake else { throw misuse(message, "the handshake was already answered") }
            try accept(subprotocol: subprotocol, headers: headers)
            connectDelivered = true
        case .websocketSend(let content):
            try checkAccepted(for: message)
            var buffer: [UInt8]
            do throws(WebSocketConnectionError) {
                switch content {
                case .text(let text):
                    buffer = frameBuffer.take(capacity: text.utf8.count + WebSocketEncoder.maxHeaderLength)
                    try socket!.send(text: text, into: &buffer)
                case .binary(let bytes):
                    buffer = frameBuffer.take(capacity: bytes.count + WebSocketEncoder.maxHeaderLength)
                    try socket!.send(binary: bytes, into: &buffer)
                }
            } catch {
                // Closing or closed: the app learns that the client is gone, as ASGI has it.
                throw ClientDisconnected()
            }
            connection.write(buffer)
            frameBuffer.keep(buffer)
            if !connection.isWritable { try await connection.waitUntilWritable() }
        case .websocketSendPrepared(let prepared):
            try checkAccepted(for: message)
            do { try socket!.checkCanSend() } catch { throw ClientDisconnected() }
            // The shared frame itself: no encoding, no copy (the array is immutable, so the
            // send queue holds a reference to the same storage as every other socket's).
            connection.write(prepared.frame)
            if !connection.isWritable { try await connection.waitUntilWritable() }
        case .websocketClose(let code, let reason):
            switch handshake {
            case .awaiting:
                connectDelivered = true
                writeFinalResponse(status: 403)
            case .denying:
                throw misuse(message, "a denial response is in progress")
            case .accepted:
                drive { $0.close(code: UInt16(clamping: code), reason: reason, onAction: $1) }
            case .ended:
                break
            }
        case .websocketHTTPResponseStart(let status, let headers):
            guard case .awaiting = handshake else { throw misuse(message, "only before websocket.accept, once") }
            // Checked now, so the app learns of a bad status or header at the start.
            do throws(HTTPSerializerError) {
                _ = try WebSocketHandshake.finalResponse(status: status, headers: headers, body: [])
            } catch {
                throw WebSocketHandshakeError(.invalidResponse(error))
            }
            handshake = .denying(status: status, headers: headers, body: [])
            connectDelivered = true
        case .websocketHTTPResponseBody(let body, let moreBody):
            guard case .denying(let status, let headers, var collected) = handshake else {
                throw misuse(message, "websocket.http.response.start must come first")
            }
            collected += body
            handshake = .denying(status: status, headers: headers, body: collected)
            if !moreBody { writeFinalResponse(status: status, headers: headers, body: collected) }
        default:
            throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "websocket"))
        }
    }

    /// A message for an open socket: before the 101 it is misuse; after an HTTP answer the client is gone.
    private func checkAccepted(for message: SendMessage) throws {
        switch handshake {
        case .accepted: return
        case .awaiting, .denying: throw misuse(message, "websocket.accept must come first")
        case .ended: throw ClientDisconnected()
        }
    }

    private func misuse(_ message: SendMessage, _ detail: String) -> MessageOrderError {
        MessageOrderError(.unexpectedMessage(type: message.type, scope: "websocket (\(detail))"))
    }

    // MARK: Handshake

    private func accept(subprotocol: String?, headers: Headers) throws(WebSocketHandshakeError) {
        var negotiated: (response: String, deflate: PerMessageDeflate)?
        if configuration.deflate.enabled, let offer = request.head.headers["sec-websocket-extensions"] {
            negotiated = PerMessageDeflate.negotiate(offer: offer, configuration: configuration.deflate)
        }
        let response = try WebSocketHandshake.switchingProtocols(
            key: key, subprotocol: subprotocol, offered: offeredSubprotocols, extensions: negotiated?.response,
            server: request.configuration.serverHeader, headers: headers)
        connection.write(response)
        handshake = .accepted
        socket = WebSocketConnection(limits: configuration.limits, deflate: negotiated?.deflate)
        scheduleKeepalive()
        if shuttingDown { drive { $0.close(code: 1001, reason: "server shutting down", onAction: $1) } }
        let early = pendingInput
        pendingInput = []
        if !early.isEmpty { early.withUnsafeBytes { connectionReceived($0) } }
    }

    /// Whether the 101 went out.
    private var isAccepted: Bool {
        if case .accepted = handshake { return true }
        return false
    }

    /// Answers the handshake with a complete HTTP response and closes.
    private func writeFinalResponse(status: Int, headers: Headers = Headers(), body: [UInt8] = []) {
        // The denial's status and headers were checked at websocket.http.response.start; the
        // server's own 403/500 have none that could fail.
        writeFinal((try? WebSocketHandshake.finalResponse(status: status, headers: headers, body: body)) ?? [])
    }

    /// Writes a serialized final response to the handshake and closes.
    private func writeFinal(_ bytes: [UInt8]) {
        connection.write(bytes)
        handshake = .ended
        connection.close(graceful: true)
        deliverDisconnect(code: 1006, reason: "")
    }

    // MARK: The machine's actions

    /// Runs `step` on the machine, then carries out the actions it produced, in order. Actions
    /// are collected first so that nothing carried out can reach the machine while it runs.
    private func drive(_ step: (inout WebSocketConnection, (WebSocketConnection.Action) -> Void) -> Void) {
        guard socket != nil else { return }
        step(&socket!) { actions.append($0) }
        performActions()
    }

    private func performActions() {
        var batch: [WebSocketConnection.Action] = []
        swap(&batch, &actions)
        for action in batch { perform(action) }
        batch.removeAll(keepingCapacity: true)
        if actions.isEmpty { actions = batch }
    }

    private func perform(_ action: WebSocketConnection.Action) {
        switch action {
        case .write(let bytes):
            connection.write(bytes)
        case .deliver(.text(let text)):
            inboundBytes += text.utf8.count
            enqueue(.websocketReceive(.text(text)))
        case .deliver(.binary(let bytes)):
            inboundBytes += bytes.count
            enqueue(.websocketReceive(.binary(bytes)))
        case .deliver:
            break  // the machine delivers data messages only
        case .armCloseTimer:
            closeTimer = connection.loop.scheduleTimer(after: configuration.closeTimeout) { [weak self] in
                guard let self else { return }
                self.closeTimer = nil
                self.drive { $0.closeTimerFired(onAction: $1) }
            }
        case .cancelCloseTimer:
            if let closeTimer {
                self.closeTimer = nil
                connection.loop.cancelTimer(closeTimer)
            }
        case .closeTransport(let graceful):
            connection.close(graceful: graceful)
        case .disconnected(let code, let reason):
            deliverDisconnect(code: Int(code), reason: reason)
        }
    }

    // MARK: Frames (loop thread)

    func connectionReceived(_ bytes: UnsafeRawBufferPointer) {
        guard socket != nil else {
            switch handshake {
            case .awaiting, .denying: pendingInput.append(contentsOf: bytes)  // read once accepted
            case .accepted, .ended: break
            }
            return
        }
        var error: WebSocketProtocolError?
        drive { error = $0.received(bytes, onAction: $1) }
        if let error {
            logger.debug("websocket protocol error from \(connection.remoteAddress?.description ?? "?"): \(error)")
        }
        if inboundBytes > configuration.maxBufferedBytes { connection.pauseReceiving() }
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

    func connectionReadEnded(error: Int32) {
        if socket != nil {
            drive { $0.readEnded(onAction: $1) }
            return
        }
        if case .ended = handshake {} else {
            handshake = .ended
            connection.close(graceful: false)
        }
        deliverDisconnect(code: 1006, reason: "")
    }

    func connectionShutdownRequested() {
        shuttingDown = true
        drive { $0.close(code: 1001, reason: "server shutting down", onAction: $1) }
    }

    func connectionClosed() {
        if socket != nil {
            drive { $0.transportClosed(onAction: $1) }
            return
        }
        handshake = .ended
        deliverDisconnect(code: 1006, reason: "")
    }

    // MARK: Keepalive

    private func scheduleKeepalive() {
        guard let interval = configuration.pingInterval else { return }
        connection.loop.scheduleTimer(after: interval) { [weak self] in
            guard let self, self.socket?.state == .open else { return }
            self.pingCounter &+= 1
            let counter = self.pingCounter
            self.drive { socket, onAction in
                withUnsafeBytes(of: counter.bigEndian) { socket.ping($0, onAction: onAction) }
            }
            self.connection.loop.scheduleTimer(after: self.configuration.pingTimeout) { [weak self] in
                guard let self else { return }
                var failed = false
                self.drive { failed = $0.pingTimeoutFired(onAction: $1) }
                if failed { self.logger.debug("websocket peer did not answer a ping within \(self.configuration.pingTimeout); closing") }
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
