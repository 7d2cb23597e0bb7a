import DequeModule
public import Ringway

/// A Server-Sent Events stream read by the test client: the response head, then events as
/// they arrive, parsed by the same WHATWG parser (`SSEParser`) that browsers follow.
///
/// ```swift
/// let stream = try await session.eventStream("/sse/topics/news")
/// #expect(stream.head.header("content-type") == "text/event-stream")
/// let event = try await stream.nextEvent()   // (type: "message", data: "…", lastEventID: "1")
/// ```
public actor TestEventStream {
    /// One dispatched event.
    public struct Event: Sendable, Equatable {
        /// The event type (`message` unless the server set `event:`).
        public var type: String
        /// The data, lines joined with LF.
        public var data: String
        /// The last event id the stream set (what a reconnecting client sends back).
        public var lastEventID: String

        public init(type: String, data: String, lastEventID: String) {
            self.type = type
            self.data = data
            self.lastEventID = lastEventID
        }
    }

    /// The response's status line and headers.
    public nonisolated let head: TestResponseHead
    /// The connection it is read from (to close or reset it, or stop reading).
    public nonisolated let connection: TestConnection
    private var parser = SSEParser()
    private var outputs = Deque<SSEParser.Output>()
    private var ended = false

    init(head: TestResponseHead, connection: TestConnection) {
        self.head = head
        self.connection = connection
    }

    /// The next parser output (event, comment or `retry:`); nil once the body ended.
    public func next() async throws -> SSEParser.Output? {
        while outputs.isEmpty {
            guard !ended, let chunk = try await connection.readBodyChunk() else {
                if !ended { parser.finish() }
                ended = true
                return nil
            }
            parser.feed(chunk) { outputs.append($0) }
        }
        return outputs.removeFirst()
    }

    /// The next event, skipping comments and `retry:` fields; nil once the body ended.
    public func nextEvent() async throws -> Event? {
        while let output = try await next() {
            if case .event(let type, let data, let lastEventID) = output {
                return Event(type: type, data: data, lastEventID: lastEventID)
            }
        }
        return nil
    }

    /// The `retry:` the stream set last (milliseconds), if any.
    public var retry: Int? { parser.retry }

    /// Whether the body has ended (a clean end of the chunked body or of the connection).
    public var isEnded: Bool { ended }
}

extension TestSession {
    /// Opens a connection, asks for `path` as `text/event-stream` (with `Last-Event-ID` when
    /// given) and reads the response head.
    public func eventStream(_ path: String, lastEventID: String? = nil, headers: Headers = Headers(),
                            receiveWindow: Int = 4 << 20) async throws -> TestEventStream {
        let connection = try await connect(receiveWindow: receiveWindow)
        var fields = headers
        fields.append(name: "accept", value: "text/event-stream")
        if let lastEventID { fields.append(name: "last-event-id", value: lastEventID) }
        try await connection.send(TestRequest("GET", path, headers: fields))
        let head = try await connection.readResponseHead()
        return TestEventStream(head: head, connection: connection)
    }
}
