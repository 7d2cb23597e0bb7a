public import RingwayCore
public import RingwayRuntime

/// A convenience view of one `websocket` scope for applications:
///
/// ```swift
/// guard let socket = WebSocket(scope, receive, send) else { return }
/// try await socket.accept()
/// for try await message in socket.messages {
///     if case .text(let text) = message { try await socket.send(text: text) }
/// }
/// ```
///
/// It speaks the same ASGI messages underneath, so it mixes freely with raw `receive`/`send`.
public struct WebSocket: Sendable {
    /// The connection's scope (path, headers, offered subprotocols…).
    public let scope: WebSocketScope
    private let receive: Receive
    private let send: Send

    /// Nil when `scope` is not a WebSocket scope.
    public init?(_ scope: Scope, _ receive: Receive, _ send: Send) {
        guard case .websocket(let socket) = scope else { return nil }
        self.scope = socket
        self.receive = receive
        self.send = send
    }

    /// Accepts the handshake (101), whether or not `websocket.connect` was received already
    /// (by the app or a router before it): the answer consumes the connect, so the next
    /// `receive()` gives the first client message. Throws `WebSocketHandshakeError`, with
    /// nothing sent, for a subprotocol the client did not offer or that is not a token, or an
    /// invalid header.
    public func accept(subprotocol: String? = nil, headers: Headers = Headers()) async throws {
        try await send(.websocketAccept(subprotocol: subprotocol, headers: headers))
    }

    /// Refuses the handshake with 403, whether or not `websocket.connect` was received already.
    public func reject() async throws {
        try await send(.websocketClose())
    }

    /// The client's messages, ending (without error) at `websocket.disconnect`.
    public var messages: Messages { Messages(receive: receive) }

    /// Sends a text message.
    public func send(text: String) async throws { try await send(.websocketSend(.text(text))) }

    /// Sends a binary message.
    public func send(bytes: [UInt8]) async throws { try await send(.websocketSend(.binary(bytes))) }

    /// Sends a message framed once for many sockets (see `PreparedWebSocketMessage`).
    public func send(_ prepared: PreparedWebSocketMessage) async throws { try await send(.websocketSendPrepared(prepared)) }

    /// Starts the closing handshake.
    public func close(code: Int = 1000, reason: String = "") async throws {
        try await send(.websocketClose(code: code, reason: reason))
    }

    /// The messages of a socket as an `AsyncSequence`.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = WebSocketMessage
        let receive: Receive

        public func makeAsyncIterator() -> Iterator { Iterator(receive: receive) }

        public struct Iterator: AsyncIteratorProtocol {
            let receive: Receive
            var finished = false

            public mutating func next() async throws -> WebSocketMessage? {
                guard !finished else { return nil }
                while true {
                    switch try await receive() {
                    case .websocketReceive(let message): return message
                    case .websocketDisconnect:
                        finished = true
                        return nil
                    default: continue  // a stray websocket.connect
                    }
                }
            }
        }
    }
}
