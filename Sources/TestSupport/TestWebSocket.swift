import DequeModule
public import Foundation
public import Ringway
import RingwayWebSocketCodec

/// A WebSocket session of a test client, in memory or live: the client side of RFC 6455
/// driven by the same `WebSocketConnection` machine the server runs (in the client role),
/// so masking, pings, the close handshake and protocol errors behave as on the wire.
///
/// ```swift
/// let socket = try await session.websocket("/ws", subprotocols: ["chat"])
/// try await socket.send(text: "hello")
/// #expect(try await socket.receiveText() == "hello")
/// let (code, _) = try await socket.close()
/// ```
public actor TestWebSocket {
    private let transport: any TestTransport
    private var machine = WebSocketConnection(role: .client, limits: WebSocketLimits(maxFrameBytes: 64 << 20, maxMessageBytes: 64 << 20))
    private var inbox = Deque<WebSocketMessage>()
    private var transportOpen = true
    /// The handshake response (101).
    public nonisolated let response: TestResponseHead
    /// The close code and reason, once the socket closed (1006: without a close frame).
    public private(set) var closure: (code: Int, reason: String)?
    /// How long a receive waits by default.
    public var readTimeout: Duration

    init(transport: any TestTransport, response: TestResponseHead, leftover: [UInt8], readTimeout: Duration) {
        self.transport = transport
        self.response = response
        self.readTimeout = readTimeout
        self.pendingInput = leftover
    }

    /// Bytes that came with the 101, read before the transport.
    private var pendingInput: [UInt8]

    /// The subprotocol the server chose, if any.
    public nonisolated var subprotocol: String? { response.header("sec-websocket-protocol") }

    // MARK: Sending

    /// Sends a text message.
    public func send(text: String) async throws {
        var frame: [UInt8] = []
        try machine.send(text: text, into: &frame)
        try await transport.write(frame)
    }

    /// Sends a binary message.
    public func send(bytes: [UInt8]) async throws {
        var frame: [UInt8] = []
        try machine.send(binary: bytes, into: &frame)
        try await transport.write(frame)
    }

    /// Sends `value` encoded as JSON, as a text message.
    public func sendJSON(_ value: some Encodable, encoder: JSONEncoder = JSONEncoder()) async throws {
        try await send(text: String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Sends raw bytes (hostile frames for protocol tests).
    public func send(raw bytes: [UInt8]) async throws {
        try await transport.write(bytes)
    }

    // MARK: Receiving

    /// The next message; throws `TestClientError.websocketClosed` once the socket closed and
    /// `TestClientError.timedOut` when none came within `timeout` (default `readTimeout`).
    public func receive(timeout: Duration? = nil) async throws -> WebSocketMessage {
        while true {
            if let message = inbox.popFirst() { return message }
            if let closure { throw TestClientError.websocketClosed(code: closure.code, reason: closure.reason) }
            try await pump(timeout: timeout ?? readTimeout)
        }
    }

    /// The next message, which must be text.
    public func receiveText(timeout: Duration? = nil) async throws -> String {
        switch try await receive(timeout: timeout) {
        case .text(let text): return text
        case .binary(let bytes): throw TestClientError.unexpectedWebSocketMessage("binary (\(bytes.count) bytes) where text was expected")
        }
    }

    /// The next message, which must be binary.
    public func receiveBytes(timeout: Duration? = nil) async throws -> [UInt8] {
        switch try await receive(timeout: timeout) {
        case .binary(let bytes): return bytes
        case .text(let text): throw TestClientError.unexpectedWebSocketMessage("text '\(text.prefix(80))' where binary was expected")
        }
    }

    /// The next message decoded as JSON (text or binary).
    public func receiveJSON<Value: Decodable>(_ type: Value.Type = Value.self, timeout: Duration? = nil,
                                              decoder: JSONDecoder = JSONDecoder()) async throws -> Value {
        switch try await receive(timeout: timeout) {
        case .text(let text): return try decoder.decode(type, from: Data(text.utf8))
        case .binary(let bytes): return try decoder.decode(type, from: Data(bytes))
        }
    }

    // MARK: Closing

    /// Starts the closing handshake and waits for the server's close; returns its code and reason.
    @discardableResult
    public func close(code: Int = 1000, reason: String = "") async throws -> (code: Int, reason: String) {
        var writes: [[UInt8]] = []
        machine.close(code: UInt16(clamping: code), reason: reason) { collect($0, &writes) }
        try await perform(writes)
        return try await waitForClose()
    }

    /// Waits until the server closes the socket (messages still queued are dropped); its code and reason.
    public func waitForClose(timeout: Duration? = nil) async throws -> (code: Int, reason: String) {
        while closure == nil {
            inbox.removeAll()
            try await pump(timeout: timeout ?? readTimeout)
        }
        return closure!
    }

    /// Drops the connection without a close frame (the client vanished).
    public func reset() async {
        transportOpen = false
        await transport.reset()
    }

    // MARK: The machine

    /// Reads once from the transport and runs the machine over it.
    private func pump(timeout: Duration) async throws {
        var writes: [[UInt8]] = []
        if !pendingInput.isEmpty {
            let bytes = pendingInput
            pendingInput = []
            bytes.withUnsafeBytes { buffer in _ = machine.received(buffer) { collect($0, &writes) } }
        } else if transportOpen, let bytes = try await transport.read(timeout: timeout) {
            bytes.withUnsafeBytes { buffer in _ = machine.received(buffer) { collect($0, &writes) } }
        } else {
            machine.readEnded { collect($0, &writes) }
        }
        try await perform(writes)
    }

    private var closeRequested = false

    private func collect(_ action: WebSocketConnection.Action, _ writes: inout [[UInt8]]) {
        switch action {
        case .write(let bytes): writes.append(bytes)
        case .deliver(.text(let text)): inbox.append(.text(text))
        case .deliver(.binary(let bytes)): inbox.append(.binary(bytes))
        case .deliver: break  // control frames are the machine's
        case .armCloseTimer, .cancelCloseTimer: break  // the read timeout bounds the wait
        case .closeTransport: closeRequested = true
        case .disconnected(let code, let reason): closure = (Int(code), reason)
        }
    }

    private func perform(_ writes: [[UInt8]]) async throws {
        for bytes in writes where transportOpen { try? await transport.write(bytes) }
        if closeRequested && transportOpen {
            transportOpen = false
            await transport.close()
        }
    }
}

/// The server refused the WebSocket handshake; `response` is what it answered (403 for a
/// `websocket.close` before accept, or the app's denial response).
public struct WebSocketRefused: Error, Sendable, CustomStringConvertible {
    /// The refusal, body included.
    public let response: TestResponse
    public var description: String { "the WebSocket handshake was refused with \(response.status)" }
}

extension TestSession {
    /// Opens a WebSocket session to `path`: the upgrade request with `query`, `headers` and the
    /// offered `subprotocols`, then the 101 (checked: accept key). Throws `WebSocketRefused`
    /// with the response when the server answers otherwise.
    public func websocket(_ path: String, query: [(String, String)] = [], headers: Headers = Headers(),
                          subprotocols: [String] = []) async throws -> TestWebSocket {
        let connection = try await connect()
        var random = SystemRandomNumberGenerator()
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }).base64EncodedString()
        var request = TestRequest("GET", path, query: query, headers: headers)
        request.headers.append(name: "upgrade", value: "websocket")
        request.headers.append(name: "connection", value: "Upgrade")
        request.headers.append(name: "sec-websocket-key", value: key)
        request.headers.append(name: "sec-websocket-version", value: "13")
        if !subprotocols.isEmpty { request.headers.append(name: "sec-websocket-protocol", value: subprotocols.joined(separator: ", ")) }
        try await connection.send(request)
        let head = try await connection.readResponseHead()
        guard head.status == 101 else {
            var chunks: [[UInt8]] = []
            while let chunk = try await connection.readBodyChunk() { chunks.append(chunk) }
            await connection.close()
            throw WebSocketRefused(response: TestResponse(status: head.status, headers: head.headers, body: chunks.flatMap { $0 }, bodyChunks: chunks))
        }
        _ = try await connection.readBodyChunk()  // the 101's (empty) end
        guard head.header("sec-websocket-accept") == WebSocketHandshake.acceptValue(for: key) else {
            await connection.reset()
            throw TestClientError.unexpectedWebSocketMessage("the 101 has a wrong sec-websocket-accept")
        }
        return TestWebSocket(transport: connection.rawTransport, response: head, leftover: await connection.takeBuffered(),
                             readTimeout: readTimeout)
    }
}
