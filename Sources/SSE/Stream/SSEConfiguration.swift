public import RingwaySSECodec

/// Settings of a `ServerSentEvents` hub: heartbeats, reconnection hints, per-stream queue
/// bounds, the slow-client policy, what a graceful shutdown sends, and the topics' replay windows.
public struct SSEConfiguration: Sendable {
    /// A comment goes out on a stream that has been idle this long, so proxies and clients
    /// keep it open and a vanished client is noticed when the write fails. nil turns it off.
    /// The heartbeat goes out between one and 1.25 intervals after the last write; zero or
    /// less turns it off, and it is at least 10 ms. Default 15 s.
    public var heartbeat: Duration?
    /// A `retry:` hint sent when a stream starts (the client's reconnection delay); nil sends none.
    public var retry: Duration?
    /// Events a stream holds for a client that reads slower than they come (the connection's
    /// own send buffer is in front of these). Default 256.
    public var maxQueuedEvents: Int
    /// Bytes a stream holds for a slow client. Default 1 MiB.
    public var maxQueuedBytes: Int
    /// What a broadcast does when a subscriber's queue is full. Default `.close`.
    public var slowClientPolicy: SlowClientPolicy
    /// Sent to every open stream when the server shuts down gracefully, before the stream ends
    /// (e.g. an event telling the page why). nil sends none.
    public var shutdownEvent: ServerSentEvent?
    /// A `retry:` hint sent when the server shuts down, before the stream ends, so clients
    /// reconnect (to another instance, or to this one after a restart) after this delay. nil sends none.
    public var shutdownRetry: Duration?
    /// Events each topic keeps for `Last-Event-ID` replay. Default 1,000.
    public var historyCount: Int
    /// How long a topic keeps an event for replay; nil: no age limit (only `historyCount`).
    public var historyAge: Duration?
    /// Topics a broadcaster holds at most; publishing to or subscribing to one more throws
    /// `SSEBroadcastError.tooManyTopics`. Default 10,000.
    public var maxTopics: Int

    public init(
        heartbeat: Duration? = .seconds(15),
        retry: Duration? = nil,
        maxQueuedEvents: Int = 256,
        maxQueuedBytes: Int = 1 << 20,
        slowClientPolicy: SlowClientPolicy = .close,
        shutdownEvent: ServerSentEvent? = nil,
        shutdownRetry: Duration? = nil,
        historyCount: Int = 1_000,
        historyAge: Duration? = nil,
        maxTopics: Int = 10_000
    ) {
        // Zero or less: none; below 10 ms would make the ticker spin.
        self.heartbeat = heartbeat.flatMap { $0 > .zero ? max($0, .milliseconds(10)) : nil }
        self.retry = retry
        self.maxQueuedEvents = max(1, maxQueuedEvents)
        self.maxQueuedBytes = max(1, maxQueuedBytes)
        self.slowClientPolicy = slowClientPolicy
        self.shutdownEvent = shutdownEvent
        self.shutdownRetry = shutdownRetry
        self.historyCount = max(0, historyCount)
        self.historyAge = historyAge
        self.maxTopics = max(1, maxTopics)
    }
}

/// What happens to a broadcast subscriber whose queue is full (it reads slower than events come).
public enum SlowClientPolicy: Sendable, Equatable {
    /// End its stream at once and drop what it had queued; the client reconnects with
    /// `Last-Event-ID` and the topic's replay window fills the gap. The other subscribers never wait.
    case close
    /// Skip the event for this subscriber only (a gap it is not told about; counted in
    /// `EventStream.droppedEvents`).
    case dropNewest
}

/// Why an event stream ended.
public enum EventStreamEnd: Sendable, Equatable {
    /// The producer returned (or `finish()` was called): queued events went out, then the end.
    case finished
    /// The client closed the connection, or a write to it failed.
    case clientDisconnected
    /// The client read too slowly and its queue overflowed (`SlowClientPolicy.close`).
    case slowClient
    /// The server shut down gracefully.
    case serverShutdown
}

/// Thrown by `EventStream.send` once the stream has ended.
public struct EventStreamClosed: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why it ended.
    public let reason: EventStreamEnd

    public init(reason: EventStreamEnd) { self.reason = reason }

    public var description: String { "the event stream has ended (\(reason))" }
}

extension Duration {
    /// Whole milliseconds, rounded down; 0 or more.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
