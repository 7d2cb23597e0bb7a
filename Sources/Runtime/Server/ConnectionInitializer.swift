/// Sets up the protocol handler of each accepted connection: called on the connection's
/// loop right after accept, before any byte is read. It assigns `connection.delegate`.
package protocol ConnectionInitializer: Sendable {
    func initialize(_ connection: Connection)
    /// Bytes written to a connection refused because the server is at
    /// `ServerConfiguration.maxConnections` (e.g. an HTTP 503), before it is closed.
    var overloadResponse: [UInt8] { get }
}

extension ConnectionInitializer {
    package var overloadResponse: [UInt8] { [] }
}
