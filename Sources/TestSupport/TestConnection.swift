public import RingwayCore

/// One client connection of a test session — in memory or over a loopback socket, with the
/// same API: send requests (one by one or pipelined), read responses whole or as their body
/// arrives, write raw bytes, and inject faults (half-close, reset, a slow reader).
///
/// ```swift
/// let connection = try await session.connect()
/// try await connection.send(.get("/events"))
/// let head = try await connection.readResponseHead()
/// while let chunk = try await connection.readBodyChunk() { … }   // as the server writes it
/// ```
public actor TestConnection {
    private let transport: any TestTransport
    private let host: String
    private var reader = HTTPResponseReader()
    private var serverClosed = false
    private var pendingMethods: [String] = []
    private var streamingMethod: String?
    /// Trailers of the last response whose body was read to the end.
    public private(set) var lastTrailers = Headers()
    /// How long a read waits for the server before throwing `TestClientError.timedOut`.
    public var readTimeout: Duration

    init(transport: any TestTransport, host: String, readTimeout: Duration) {
        self.transport = transport
        self.host = host
        self.readTimeout = readTimeout
    }

    // MARK: Writing

    /// Writes a request; its response is read by `readResponse`/`readResponseHead` in order
    /// (several may be in flight: pipelining).
    public func send(_ request: TestRequest) async throws {
        pendingMethods.append(request.method)
        for piece in request.serialized(host: host) { try await transport.write(piece) }
    }

    /// Writes raw bytes.
    public func send(raw bytes: [UInt8]) async throws {
        try await transport.write(bytes)
    }

    /// Writes raw text (UTF-8).
    public func send(raw text: String) async throws {
        try await transport.write(Array(text.utf8))
    }

    /// Sends `request` and reads its whole response.
    public func request(_ request: TestRequest) async throws -> TestResponse {
        try await send(request)
        return try await readResponse()
    }

    // MARK: Reading

    /// Reads the next response whole (interim 1xx responses are listed in `informational`).
    /// `method` defaults to the method of the oldest request sent and not yet answered.
    public func readResponse(method: String? = nil) async throws -> TestResponse {
        let head = try await readResponseHead(method: method)
        var chunks: [[UInt8]] = []
        while let chunk = try await readBodyChunk() { chunks.append(chunk) }
        var response = TestResponse(status: head.status, headers: head.headers, body: chunks.flatMap { $0 }, bodyChunks: chunks)
        response.trailers = lastTrailers
        response.informational = head.informational
        return response
    }

    /// Reads the status line and headers of the next response; its body follows through
    /// `readBodyChunk()`, as the server writes it (for streams such as Server-Sent Events).
    public func readResponseHead(method: String? = nil) async throws -> TestResponseHead {
        precondition(streamingMethod == nil, "read the previous response's body to its end first")
        let method = method ?? (pendingMethods.isEmpty ? "GET" : pendingMethods.removeFirst())
        var informational: [Int] = []
        while true {
            switch try await nextEvent(method: method) {
            case .informational(let status, _):
                informational.append(status)
            case .head(let status, let headers):
                streamingMethod = method
                return TestResponseHead(status: status, headers: headers, informational: informational)
            case .body, .end:
                preconditionFailure("response reader produced a body before a head")
            }
        }
    }

    /// The next piece of the body being read, as it arrived; nil at its end (then
    /// `lastTrailers` holds its trailers).
    public func readBodyChunk() async throws -> [UInt8]? {
        guard let method = streamingMethod else { return nil }
        switch try await nextEvent(method: method) {
        case .body(let bytes):
            return bytes
        case .end(let trailers):
            lastTrailers = trailers
            streamingMethod = nil
            return nil
        case .head, .informational:
            preconditionFailure("response reader produced a head inside a body")
        }
    }

    private func nextEvent(method: String) async throws -> HTTPResponseReader.Event {
        while true {
            if let event = try reader.next(method: method) { return event }
            guard !serverClosed else { throw TestClientError.connectionClosed }
            if let bytes = try await transport.read(timeout: readTimeout) {
                reader.feed(bytes)
            } else {
                serverClosed = true
                reader.finish()
            }
        }
    }

    /// Reads raw bytes: what is buffered, else the next bytes to arrive; nil once the server closed.
    public func readRaw() async throws -> [UInt8]? {
        let buffered = reader.takeRemaining()
        if !buffered.isEmpty { return buffered }
        guard !serverClosed else { return nil }
        guard let bytes = try await transport.read(timeout: readTimeout) else {
            serverClosed = true
            return nil
        }
        return bytes
    }

    /// Reads until the server closes the connection; every byte read.
    public func readUntilClosed() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try await readRaw() { bytes += chunk }
        return bytes
    }

    /// Whether the server closed the connection: reads until its end (true) or until bytes
    /// arrive or the read timeout passes (false).
    public func isClosedByServer() async -> Bool {
        if serverClosed { return true }
        do {
            guard let bytes = try await transport.read(timeout: readTimeout) else {
                serverClosed = true
                return true
            }
            reader.feed(bytes)
            return false
        } catch TestClientError.connectionReset {
            return true
        } catch {
            return false
        }
    }

    // MARK: Faults

    /// Half-closes: the server reads an end of stream, the client can still read.
    public func shutdownWrite() async { await transport.shutdownWrite() }

    /// Resets the connection (the client vanished): the server's reads and writes fail.
    public func reset() async { await transport.reset() }

    /// Closes the connection normally.
    public func close() async { await transport.close() }

    /// Buffers at most `bytes` unread bytes, so the server's sends stall until the client
    /// reads (a slow reader). In memory exactly; over a socket as far as `SO_RCVBUF` allows.
    public func setReceiveWindow(_ bytes: Int) async { await transport.setReceiveWindow(bytes) }

    /// The bytes read past the last response (after a 101: the first bytes of the new protocol).
    func takeBuffered() -> [UInt8] { reader.takeRemaining() }

    /// The transport, for protocols that take over the connection (WebSocket).
    nonisolated var rawTransport: any TestTransport { transport }
}

/// The status line and headers of a response whose body is read incrementally.
public struct TestResponseHead: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields as on the wire, names lowercased.
    public var headers: Headers
    /// Interim 1xx responses that came before (e.g. `[100]`).
    public var informational: [Int]

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers[name] }
}
