/// Sets up the protocol handler of each accepted connection: called on the connection's
/// loop right after accept, before any byte is read. It assigns `connection.delegate`.
public protocol ConnectionInitializer: Sendable {
    func initialize(_ connection: Connection)
}
