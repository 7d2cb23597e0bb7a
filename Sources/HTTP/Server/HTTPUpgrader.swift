package import Logging
package import RingwayHTTPCodec
package import RingwayRuntime

/// Takes over a connection whose request asked to switch protocols (`Connection: upgrade`
/// plus `Upgrade: <name>`), e.g. WebSocket. The HTTP handler stops reading HTTP at the end
/// of that request's head and hands over the bytes it already read after it.
package protocol HTTPUpgrader: Sendable {
    /// The `upgrade` token this upgrader serves, lower case (`"websocket"`).
    var protocolName: String { get }
    /// Runs the upgraded protocol; returns once it is finished and the connection closed
    /// (or closing). Called in the connection's task, on its loop.
    func upgrade(_ request: HTTPUpgradeRequest) async
}

/// Everything an upgrader needs from the HTTP side of the connection. Every field is
/// `Sendable`, so the request is too.
package struct HTTPUpgradeRequest: Sendable {
    /// The connection; its `delegate` is the upgrader's to replace.
    package let connection: Connection
    /// The request head that asked for the upgrade.
    package let head: HTTPRequestHead
    /// Its target, split and percent-decoded.
    package let target: RequestTarget
    /// Bytes the client sent after the head, already read from the socket.
    package let leftover: [UInt8]
    /// The application to run.
    package let application: any Application
    /// The lifespan state for the scope.
    package let state: ScopeState
    /// The HTTP configuration (`rootPath`, `serverHeader`).
    package let configuration: HTTPServerConfiguration
    /// The server's logger.
    package let logger: Logger
    /// Whether the server is draining (an upgrade should then be refused).
    package let shuttingDown: Bool
    /// The server's graceful-shutdown signal, for the new protocol's scope.
    package let shutdownSignal: ShutdownSignal?
}
