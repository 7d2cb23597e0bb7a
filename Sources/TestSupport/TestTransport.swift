import RingwayRuntime
import Synchronization

/// One byte stream from a test client to a server: the in-memory pipe of a `TestClient`
/// session or a loopback socket to a live server. Everything above it — requests, response
/// reading, WebSocket frames — is shared, so both transports speak the wire the same way.
protocol TestTransport: Sendable {
    /// Sends bytes; throws `TestClientError.connectionClosed` once the server closed or the client reset.
    func write(_ bytes: [UInt8]) async throws
    /// The next bytes from the server; nil once it closed its side. Throws
    /// `TestClientError.timedOut` after `timeout` without bytes (in memory; a loopback socket
    /// uses the read timeout its session was opened with).
    func read(timeout: Duration) async throws -> [UInt8]?
    /// Half-closes the client's side: the server reads an end of stream.
    func shutdownWrite() async
    /// Closes abruptly (an RST): the server's reads and writes fail.
    func reset() async
    /// Closes normally.
    func close() async
    /// How many unread bytes the client buffers before the server's sends stall.
    func setReceiveWindow(_ bytes: Int) async
}

/// The client end of an in-memory connection.
struct InMemoryTransport: TestTransport {
    let network: InMemoryNetwork
    let fd: Int32
    private static let nextRead = Atomic<UInt64>(0)

    func write(_ bytes: [UInt8]) async throws {
        guard network.clientWrite(fd, bytes) else { throw TestClientError.connectionClosed }
    }

    func read(timeout: Duration) async throws -> [UInt8]? {
        let id = Self.nextRead.add(1, ordering: .relaxed).newValue
        // A safety bound so a test of an app that never answers fails instead of hanging;
        // the virtual clock does not move it (it is not one of the server's deadlines).
        let guardTask = Task { [network, fd] in
            try await Task.sleep(for: timeout)
            network.cancelRead(fd, id: id, error: TestClientError.timedOut(timeout))
        }
        defer { guardTask.cancel() }
        do {
            return try await network.clientRead(fd, id: id)
        } catch is InMemoryConnectionReset {
            throw TestClientError.connectionReset
        }
    }

    func shutdownWrite() async { network.clientShutdownWrite(fd) }
    func reset() async { network.clientReset(fd) }
    func close() async { network.clientClose(fd) }
    func setReceiveWindow(_ bytes: Int) async { network.setWindow(fd, bytes) }
}

/// The client end of a loopback socket to a live server.
struct SocketTransport: TestTransport {
    let client: LiveClient

    func write(_ bytes: [UInt8]) async throws {
        do { try await client.send(raw: bytes) } catch { throw TestClientError.connectionClosed }
    }

    func read(timeout: Duration) async throws -> [UInt8]? {
        do {
            return try await client.readSome()
        } catch LiveClientError.timeout {
            throw TestClientError.timedOut(timeout)
        } catch LiveClientError.closed {
            return nil
        }
    }

    func shutdownWrite() async { client.shutdownWrite() }
    func reset() async { client.abort() }
    func close() async { client.close() }
    func setReceiveWindow(_ bytes: Int) async { client.setReceiveBuffer(bytes) }
}
