public import Logging
public import RingwayHTTPCodec
public import RingwayRuntime

/// Takes over a connection whose request asked to switch protocols (`Connection: upgrade`
/// plus `Upgrade: <name>`), e.g. WebSocket. The HTTP handler stops reading HTTP at the end
/// of that request's head and hands over the bytes it already read after it.
public protocol HTTPUpgrader: Sendable {
    /// The `upgrade` token this upgrader serves, lower case (`"websocket"`).
    var protocolName: String { get }
    /// Runs the upgraded protocol; returns once it is finished and the connection closed
    /// (or closing). Called in the connection's task, on its loop.
    func upgrade(_ request: HTTPUpgradeRequest) async
}

/// Everything an upgrader needs from the HTTP side of the connection. Every field is
/// `Sendable`, so the request is too.
public struct HTTPUpgradeRequest: Sendable {
    /// The connection; its `delegate` is the upgrader's to replace.
    public let connection: Connection
    /// The request head that asked for the upgrade.
    public let head: HTTPRequestHead
    /// Its target, split and percent-decoded.
    public let target: RequestTarget
    /// Bytes the client sent after the head, already read from the socket.
    public let leftover: [UInt8]
    /// The application to run.
    public let application: any Application
    /// The lifespan state for the scope.
    public let state: ScopeState
    /// The HTTP configuration (`rootPath`, `serverHeader`).
    public let configuration: HTTPServerConfiguration
    /// The server's logger.
    public let logger: Logger
    /// Whether the server is draining (an upgrade should then be refused).
    public let shuttingDown: Bool
}
