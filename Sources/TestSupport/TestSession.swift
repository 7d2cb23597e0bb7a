public import Ringway

/// A test client's view of one running server — in memory (from `TestClient.withSession`)
/// or live (`TestSession.live(port:)`) — with one API for both: requests, raw connections,
/// WebSocket sessions, and (in memory) the virtual clock.
public final class TestSession: Sendable {
    private enum Target: Sendable {
        case memory(InMemoryNetwork, VirtualClock, [EventLoop])
        case live(host: String, port: Int)
    }

    private let target: Target
    private let recorder: ServerErrorRecorder?
    /// How long reads wait for the server (a bound that fails a hung test, not a deadline of the server).
    public let readTimeout: Duration

    init(memory network: InMemoryNetwork, clock: VirtualClock, loops: [EventLoop], recorder: ServerErrorRecorder?,
         readTimeout: Duration = .seconds(10)) {
        target = .memory(network, clock, loops)
        self.recorder = recorder
        self.readTimeout = readTimeout
    }

    private init(host: String, port: Int, readTimeout: Duration) {
        target = .live(host: host, port: port)
        recorder = nil
        self.readTimeout = readTimeout
    }

    /// A session against a live server at `host:port` (numeric address).
    public static func live(host: String = "127.0.0.1", port: Int, readTimeout: Duration = .seconds(10)) -> TestSession {
        TestSession(host: host, port: port, readTimeout: readTimeout)
    }

    /// Whether the server runs in memory (and the virtual clock is available).
    public var isInMemory: Bool {
        if case .memory = target { return true }
        return false
    }

    /// Opens a connection. `receiveWindow`: unread bytes the client buffers before the
    /// server's sends stall (change it later with `setReceiveWindow`).
    public func connect(receiveWindow: Int = 4 << 20) async throws -> TestConnection {
        switch target {
        case .memory(let network, _, _):
            let fd = network.connect(window: receiveWindow)
            return TestConnection(transport: InMemoryTransport(network: network, fd: fd), host: "testserver", readTimeout: readTimeout)
        case .live(let host, let port):
            let client = try LiveClient(host: host, port: port, timeout: readTimeout)
            return TestConnection(transport: SocketTransport(client: client), host: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)",
                                  readTimeout: readTimeout)
        }
    }

    /// Sends `request` on a new connection, reads the response and closes. Rethrows an
    /// error the application threw meanwhile (in memory, unless `raiseServerErrors` is off).
    public func request(_ request: TestRequest) async throws -> TestResponse {
        let connection = try await connect()
        let response: TestResponse
        do {
            response = try await connection.request(request)
        } catch {
            await connection.close()
            if let serverError = takeServerError() { throw serverError }
            throw error
        }
        await connection.close()
        if let serverError = takeServerError() { throw serverError }
        return response
    }

    /// `GET path`.
    public func get(_ path: String, query: [(String, String)] = [], headers: Headers = Headers()) async throws -> TestResponse {
        try await request(.get(path, query: query, headers: headers))
    }

    /// `POST path` with a body.
    public func post(_ path: String, body: [UInt8], headers: Headers = Headers()) async throws -> TestResponse {
        try await request(.post(path, body: body, headers: headers))
    }

    /// The first error the application threw that no request has rethrown yet.
    public func takeServerError() -> (any Error)? { recorder?.takeFirst() }

    /// Moves the server's virtual clock forward by `delay` and waits until the loop has run
    /// the timers that became due (header, body, idle and send timeouts fire at once).
    public func advanceClock(by delay: Duration) async throws {
        guard case .memory(_, _, let loops) = target else { throw TestClientError.noVirtualClock }
        for loop in loops {
            try await settle(loop)
            loop.advanceClock(by: delay)
            try await settle(loop)
        }
    }

    /// Waits until the loop has handled what the client sent so far: two loop turns (the
    /// first delivers pending completions, the second runs the work they queued).
    private func settle(_ loop: EventLoop) async throws {
        for _ in 0..<3 { try await loop.submit {} }
    }
}
