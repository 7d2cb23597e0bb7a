public import Logging
public import RingwayContract
public import RingwayCore
public import RingwaySSECodec
import Synchronization

/// Server-Sent Events for applications: event-stream responses fed by a producer or by a
/// topic of the broadcaster, with heartbeats, prompt disconnects, bounded queues and a
/// clean end on graceful shutdown. One hub serves any number of streams; make one per
/// application and keep it.
///
/// ```swift
/// let sse = ServerSentEvents()
/// let app = App { scope, receive, send in
///     switch scope.path {
///     case "/ticks":
///         try await sse.stream(scope, receive, send) { stream in
///             for n in 1... {
///                 try await stream.send(ServerSentEvent(data: "tick \(n)", id: String(n)))
///                 try await stream.sleep(for: .seconds(1))
///             }
///         }
///     case "/news":
///         try await sse.subscribe(scope, receive, send, to: "news")  // resumes after Last-Event-ID
///     default: ...
///     }
/// }
/// try sse.publish(ServerSentEvent(data: "hello"), to: "news")  // from any task
/// ```
///
/// Every stream starts with `200`, `content-type: text/event-stream`, `cache-control:
/// no-cache` and `x-accel-buffering: no` (so nginx does not buffer it). A producer's stream
/// owns its scope's `receive`: it watches it for the client's disconnect, which ends the
/// stream and cancels the producer at once, even while it sleeps. A topic subscription is a
/// detached body where the server offers one: no task per idle subscriber.
public final class ServerSentEvents: Sendable {
    private struct Registry: ~Copyable {
        var streams: [UInt64: EventStream] = [:]
        var lastID: UInt64 = 0
        /// The heartbeat ticker while any stream is open (cancelled when the last one leaves,
        /// so an idle hub holds no task — and no task holds the hub).
        var ticker: Task<Void, Never>?
    }

    /// The hub's settings.
    public let configuration: SSEConfiguration
    /// The topics `subscribe(_:_:_:to:)` and `publish(_:to:)` use.
    public let broadcaster: SSEBroadcaster
    private let logger: Logger
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let registry = Mutex(Registry())
    /// What a graceful shutdown writes before ending each stream.
    private let shutdownBytes: [UInt8]?
    private let retryBytes: [UInt8]?
    /// Ticks per heartbeat interval: the ticker runs at a quarter of the interval.
    static let ticksPerHeartbeat = 4

    /// A hub with `configuration`; heartbeats, `EventStream.sleep` and the replay window's
    /// age run on `clock` (a test passes a manual one).
    public init(configuration: SSEConfiguration = SSEConfiguration(), clock: some Clock<Duration> = ContinuousClock(),
                logger: Logger = Logger(label: "ringway.sse")) {
        self.configuration = configuration
        self.broadcaster = SSEBroadcaster(configuration: configuration, clock: clock)
        self.logger = logger
        self.sleeper = { try await clock.sleep(for: $0) }
        var shutdown: [UInt8] = []
        if let event = configuration.shutdownEvent {
            do { try SSEEncoder.append(event, into: &shutdown) } catch {
                logger.error("SSEConfiguration.shutdownEvent cannot be sent: \(error)")
            }
        }
        if let retry = configuration.shutdownRetry {
            try? SSEEncoder.appendRetry(milliseconds: retry.wholeMilliseconds, into: &shutdown)
        }
        self.shutdownBytes = shutdown.isEmpty ? nil : shutdown
        if let retry = configuration.retry {
            var bytes: [UInt8] = []
            try? SSEEncoder.appendRetry(milliseconds: retry.wholeMilliseconds, into: &bytes)
            self.retryBytes = bytes
        } else {
            self.retryBytes = nil
        }
    }

    /// Streams open now.
    public var openStreams: Int { registry.withLock { $0.streams.count } }

    /// Subscribers of `topic` now.
    public func subscriberCount(of topic: String) -> Int { broadcaster.subscriberCount(of: topic) }

    /// Publishes `event` to `topic` (see `SSEBroadcaster.publish`).
    @discardableResult
    public func publish(_ event: ServerSentEvent, to topic: String) throws(SSEBroadcastError) -> PublishedEvent {
        try broadcaster.publish(event, to: topic)
    }

    /// Answers an HTTP request with an event stream that `producer` feeds; returns when the
    /// stream has ended (the producer returned, the client left, the server shut down). The
    /// producer is cancelled when the client leaves; its errors are logged, not thrown.
    /// Throws what `send` throws for the response head (e.g. an invalid field in `headers`).
    public func stream(_ scope: Scope, _ receive: Receive, _ send: Send, headers: Headers = Headers(),
                       _ producer: @escaping @Sendable (EventStream) async throws -> Void) async throws {
        try await serve(scope, receive, send, headers: headers, setUp: { _ in }, tearDown: { _ in }, producer: producer)
    }

    /// Answers an HTTP request with the events published to `topic`: after the request's
    /// `Last-Event-ID`, the topic's history from the next id on (with a `history-lost` event
    /// first when some of it is gone), then every new event. Throws
    /// `SSEBroadcastError.tooManyTopics` before anything is sent.
    ///
    /// Where the server offers `http.response.detach` (Ringway's scopes do), this returns as
    /// soon as the stream is open: the server writes the rest with no task waiting, and the
    /// scope's `receive`/`send` are over. Elsewhere (a scope without the extension) it
    /// returns when the stream ended, as `stream` does.
    public func subscribe(_ scope: Scope, _ receive: Receive, _ send: Send, to topic: String,
                          headers: Headers = Headers()) async throws {
        try await serve(scope, receive, send, headers: headers, setUp: { stream in
            _ = try self.broadcaster.subscribe(stream, to: topic, lastEventID: stream.lastEventID, gapEvent: Self.historyLostEvent)
        }, tearDown: { [broadcaster] stream in
            broadcaster.unsubscribe(stream, from: topic)
        }, producer: nil)
    }

    /// `event: history-lost` with the client's id and the oldest id still held, as JSON data.
    static func historyLostEvent(_ outcome: ReplayOutcome) -> [UInt8]? {
        let data: String
        switch outcome {
        case .live, .complete: return nil
        case .historyLost(let id, let oldest):
            data = #"{"lastEventId":\#(jsonString(id)),"oldestAvailable":\#(oldest.map(String.init) ?? "null")}"#
        case .unknownID(let id):
            data = #"{"lastEventId":\#(jsonString(id)),"oldestAvailable":null}"#
        }
        return try? SSEEncoder.encode(ServerSentEvent(data: data, event: "history-lost"))
    }

    private func serve(_ scope: Scope, _ receive: Receive, _ send: Send, headers: Headers,
                       setUp: (EventStream) throws -> Void, tearDown: @escaping @Sendable (EventStream) -> Void,
                       producer: (@Sendable (EventStream) async throws -> Void)?) async throws {
        guard case .http(let request) = scope else {
            throw MessageOrderError(.unexpectedMessage(type: "http.response.start", scope: scope.type))
        }
        // An empty Last-Event-ID is what a client sends before it saw any id: none.
        let lastEventID = request.headers.first("last-event-id").flatMap { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) }
        let stream = register(lastEventID: lastEventID)
        if let retryBytes { stream.offerUnbounded(retryBytes) }
        do {
            try setUp(stream)
        } catch {
            unregister(stream)
            throw error
        }
        let shutdown = request.shutdownSignal?.onShutdown { [shutdownBytes] in stream.drain(final: shutdownBytes) }
        // Leaving: the hub, the topic, the shutdown signal — once, when the stream has ended.
        let cleanup: @Sendable () -> Void = { [self] in
            shutdown?.cancel()
            tearDown(stream)
            unregister(stream)
        }
        do {
            try await send(.httpResponseStart(status: 200, headers: responseHeaders(headers)))
            if request.method == "HEAD" {
                // The head only: a stream that cannot carry a body ends at once.
                try await send(.httpResponseBody(body: [], moreBody: false))
                stream.clientGone()
                cleanup()
                return
            }
            // The server holds a head until the first body piece decides the framing; an empty
            // piece with more to come puts it on the wire now (chunked, no chunk written), so a
            // client sees the stream open even when no event comes for a while (a quiet topic).
            try await send(.httpResponseBody(body: [], moreBody: true))
        } catch {
            stream.clientGone()
            cleanup()
            throw error
        }
        // A topic's stream needs no task of its own where the server takes a detached body:
        // an idle subscriber then costs its connection and this stream object only.
        if producer == nil && request.extensions.contains(.detach) {
            stream.setCleanup(cleanup)
            do {
                try await send(.httpResponseDetach(DetachedBody(stream)))
            } catch {
                stream.clientGone()
                stream.takeCleanup()?()  // nil when the stream ended and cleaned up already
                throw error
            }
            return
        }
        defer { cleanup() }

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.watchForDisconnect(receive, stream) }
            if let producer {
                group.addTask { [logger] in
                    do {
                        try await producer(stream)
                    } catch is CancellationError {
                    } catch is EventStreamClosed {
                    } catch {
                        logger.error("SSE producer failed: \(error); ending the stream", metadata: ["path": "\(request.path)"])
                    }
                    stream.finish()
                }
            }
            await Self.write(stream, send)
            group.cancelAll()
        }
    }

    private static func watchForDisconnect(_ receive: Receive, _ stream: EventStream) async {
        while true {
            do {
                if case .httpDisconnect = try await receive() { break }
            } catch {
                break  // cancelled (the stream ended) or the scope is over
            }
        }
        stream.clientGone()
    }

    /// The writer: carries out the stream's actions until it ended.
    private static func write(_ stream: EventStream, _ send: Send) async {
        while true {
            switch await stream.nextWriterAction() {
            case .write(let bytes):
                do {
                    try await send(.httpResponseBody(body: bytes, moreBody: true))
                } catch {
                    stream.clientGone()
                    return
                }
            case .finish(let final, _):
                if let final { try? await send(.httpResponseBody(body: final, moreBody: true)) }
                try? await send(.httpResponseBody(body: [], moreBody: false))
                return
            case .stop:
                // Gone or cut off: end the body if the connection still takes it, so the
                // server neither logs an unfinished response nor keeps the exchange.
                try? await send(.httpResponseBody(body: [], moreBody: false))
                return
            case .wait:
                continue
            }
        }
    }

    /// The stream's head fields; the app's `extra` fields come after, and replace a default
    /// of the same name.
    private func responseHeaders(_ extra: Headers) -> Headers {
        var headers = Headers()
        for (name, value) in [("content-type", "text/event-stream"), ("cache-control", "no-cache"), ("x-accel-buffering", "no")]
        where extra.first(name) == nil {
            headers.append(name: name, value: value)
        }
        for index in 0..<extra.count { headers.append(name: extra.name(at: index), value: extra.value(at: index)) }
        return headers
    }

    // MARK: Registry and heartbeats

    private func register(lastEventID: String?) -> EventStream {
        let ticks = configuration.heartbeat == nil ? 0 : Self.ticksPerHeartbeat
        let period = (configuration.heartbeat ?? .zero) / Self.ticksPerHeartbeat
        return registry.withLock { registry -> EventStream in
            registry.lastID &+= 1
            let stream = EventStream(id: registry.lastID, lastEventID: lastEventID, configuration: configuration,
                                     heartbeatTicks: ticks, sleeper: sleeper)
            registry.streams[stream.id] = stream
            if ticks > 0 && registry.ticker == nil {
                registry.ticker = Task.detached { [weak self, sleeper] in
                    await Self.runTicker(period: period, sleeper: sleeper) { self }
                }
            }
            return stream
        }
    }

    private func unregister(_ stream: EventStream) {
        let idleTicker = registry.withLock { registry -> Task<Void, Never>? in
            registry.streams.removeValue(forKey: stream.id)
            guard registry.streams.isEmpty else { return nil }
            defer { registry.ticker = nil }
            return registry.ticker
        }
        idleTicker?.cancel()
    }

    /// The streams the ticker ticks now.
    private var tickedStreams: [EventStream] {
        registry.withLock { Array($0.streams.values) }
    }

    /// Ticks every open stream each `period` until cancelled (the last stream left) or the hub is gone.
    private static func runTicker(period: Duration, sleeper: @Sendable (Duration) async throws -> Void,
                                  hub: () -> ServerSentEvents?) async {
        while !Task.isCancelled {
            do { try await sleeper(period) } catch { return }
            guard let streams = hub()?.tickedStreams else { return }
            for stream in streams { stream.tick() }
        }
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case let c where c.value < 0x20:
            let hex = String(c.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
