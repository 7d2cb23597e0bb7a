public import RingwayHTTPCodec

/// The application's answer to a WebSocket handshake cannot be written as given: `send`
/// throws this and nothing goes out. The handshake stays unanswered, so the application may
/// answer again; if it returns (or throws) without answering, the client gets 403 (or 500).
public struct WebSocketHandshakeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The subprotocol is not a token (RFC 6455 §4.1: e.g. it holds CR, LF, a space or a comma).
        case invalidSubprotocol(String)
        /// The subprotocol is not one the client offered (RFC 6455 §4.2.2: the client would fail
        /// the connection).
        case subprotocolNotOffered(String)
        /// A status or header the application supplied cannot be written (see `HTTPSerializerError`).
        case invalidResponse(HTTPSerializerError)
        /// A header the server writes itself (`upgrade`, `connection`, `sec-websocket-accept`,
        /// `sec-websocket-protocol`, `sec-websocket-extensions`, framing fields): the
        /// application may not set it (use the `subprotocol` parameter for the protocol).
        case reservedHeader(String)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .invalidSubprotocol(let value): "WebSocket subprotocol \(value.debugDescription) is not a token; nothing was sent"
        case .subprotocolNotOffered(let value): "WebSocket subprotocol \(value.debugDescription) was not offered by the client; nothing was sent"
        case .invalidResponse(let error): "WebSocket handshake response: \(error); nothing was sent"
        case .reservedHeader(let name): "WebSocket handshake response: the server writes \(name.debugDescription) itself; nothing was sent"
        }
    }
}
