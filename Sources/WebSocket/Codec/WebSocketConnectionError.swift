/// The application sent a WebSocket message the connection's state does not allow (a message
/// after the close handshake began): a local error, nothing was written.
public struct WebSocketConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state the connection was in.
    public var state: WebSocketConnection.State

    public init(state: WebSocketConnection.State) { self.state = state }

    public var description: String { "cannot send a WebSocket message: the connection is \(state)" }
}
