public import RingwaySSECodec
import Synchronization

/// The outcome of a publish: the id the topic gave the event and how many subscribers it was queued for.
public struct PublishedEvent: Sendable, Equatable {
    /// The event's id in its topic (1, 2, 3, …).
    public let id: UInt64
    /// Subscribers the event was queued for (a slow one cut off by it is not counted).
    public let subscribers: Int
}

/// What a subscriber's `Last-Event-ID` found in the topic's history.
public enum ReplayOutcome: Sendable, Equatable {
    /// No `Last-Event-ID`: live events only.
    case live
    /// Every event after the client's id was replayed (possibly none).
    case complete(replayed: Int)
    /// Events after the client's id had left the replay window: what the window held was
    /// replayed after a `history-lost` event.
    case historyLost(lastEventID: String, oldestAvailable: UInt64?)
    /// The id is not one this topic gave (a restarted server, another instance without a
    /// shared history): a `history-lost` event, then live events.
    case unknownID(lastEventID: String)
}

/// Errors of `SSEBroadcaster`.
public struct SSEBroadcastError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The broadcaster holds `SSEConfiguration.maxTopics` topics already.
        case tooManyTopics(limit: Int)
        /// Topics number their events; a published event must come without an `id`.
        case idNotAllowed
        /// The event cannot be encoded (an `event` type with CR, LF or NUL).
        case encoding(SSEEncodingError)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .tooManyTopics(let limit): "the broadcaster holds its limit of \(limit) topics; raise SSEConfiguration.maxTopics"
        case .idNotAllowed: "a topic numbers its events itself; publish the event without an id"
        case .encoding(let error): error.description
        }
    }
}

/// Fan-out of events to topics: each event is encoded once, kept in the topic's replay
/// window, and the same immutable bytes are queued to every subscriber. Publishing never
/// waits: a subscriber whose bounded queue is full meets the slow-client policy, and the
/// others are not delayed.
public final class SSEBroadcaster: Sendable {
    private struct Topic {
        var history: ReplayWindow
        var subscribers: [UInt64: EventStream] = [:]
    }

    private struct Topics: ~Copyable {
        var byName: [String: Topic] = [:]
    }

    private let configuration: SSEConfiguration
    private let now: @Sendable () -> Duration
    private let topics = Mutex(Topics())

    /// A broadcaster on `clock` (the replay window's age limit).
    public init(configuration: SSEConfiguration = SSEConfiguration(), clock: some Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        let start = clock.now
        self.now = { start.duration(to: clock.now) }
    }

    /// Publishes `event` (without an `id`: the topic numbers it) to `topic`, creating the topic.
    @discardableResult
    public func publish(_ event: ServerSentEvent, to topic: String) throws(SSEBroadcastError) -> PublishedEvent {
        guard event.id == nil else { throw SSEBroadcastError(.idNotAllowed) }
        let now = now()
        let result: Result<PublishedEvent, SSEBroadcastError> = topics.withLock { topics in
            if topics.byName[topic] == nil {
                guard topics.byName.count < configuration.maxTopics else {
                    return .failure(SSEBroadcastError(.tooManyTopics(limit: configuration.maxTopics)))
                }
                topics.byName[topic] = Topic(history: ReplayWindow(maxCount: configuration.historyCount, maxAge: configuration.historyAge))
            }
            // The topic numbers the event only once it encodes (a bad event type takes no id).
            let entry: ReplayWindow.Entry
            do throws(SSEEncodingError) {
                entry = try topics.byName[topic]!.history.append(at: now) { id throws(SSEEncodingError) in
                    var numbered = event
                    numbered.id = String(id)
                    return try SSEEncoder.encode(numbered)
                }
            } catch {
                return .failure(SSEBroadcastError(.encoding(error)))
            }
            var delivered = 0
            var ended = false
            for stream in topics.byName[topic]!.subscribers.values {
                switch stream.offerWithoutWaiting(entry.bytes) {
                case .queued: delivered += 1
                case .dropped, .full: break
                case .ended: ended = true
                }
            }
            // A subscriber cut off (or gone) leaves the topic now, not when its writer returns.
            if ended { topics.byName[topic]!.subscribers = topics.byName[topic]!.subscribers.filter { $0.value.isOpen } }
            return .success(PublishedEvent(id: entry.id, subscribers: delivered))
        }
        return try result.get()
    }

    /// Subscribers of `topic` now.
    public func subscriberCount(of topic: String) -> Int {
        topics.withLock { $0.byName[topic]?.subscribers.count ?? 0 }
    }

    /// The id of the last event published to `topic` (0 before the first).
    public func lastEventID(of topic: String) -> UInt64 {
        topics.withLock { $0.byName[topic]?.history.lastID ?? 0 }
    }

    /// The topics that exist, with their subscriber counts.
    public var subscriberCounts: [String: Int] {
        topics.withLock { topics in
            var counts: [String: Int] = [:]
            for (name, topic) in topics.byName { counts[name] = topic.subscribers.count }
            return counts
        }
    }

    /// Adds `stream` to `topic`: first the replay after `lastEventID` (and `gapEvent`'s bytes
    /// when history was lost), then every later event — atomically, so none is missed or doubled.
    package func subscribe(_ stream: EventStream, to topic: String, lastEventID: String?,
                           gapEvent: (ReplayOutcome) -> [UInt8]?) throws(SSEBroadcastError) -> ReplayOutcome {
        let now = now()
        let result: Result<ReplayOutcome, SSEBroadcastError> = topics.withLock { topics in
            if topics.byName[topic] == nil {
                guard topics.byName.count < configuration.maxTopics else {
                    return .failure(SSEBroadcastError(.tooManyTopics(limit: configuration.maxTopics)))
                }
                topics.byName[topic] = Topic(history: ReplayWindow(maxCount: configuration.historyCount, maxAge: configuration.historyAge))
            }
            topics.byName[topic]!.history.expire(now: now)
            let history = topics.byName[topic]!.history
            var outcome = ReplayOutcome.live
            var from = history.count
            if let lastEventID {
                switch history.resume(after: lastEventID) {
                case .after(let index):
                    from = index
                    outcome = .complete(replayed: history.count - index)
                case .gap:
                    from = 0
                    outcome = .historyLost(lastEventID: lastEventID, oldestAvailable: history.oldestID)
                case .unknown:
                    outcome = .unknownID(lastEventID: lastEventID)
                }
            }
            if let gap = gapEvent(outcome) { stream.offerUnbounded(gap) }
            for index in from..<history.count { stream.offerUnbounded(history[index].bytes) }
            topics.byName[topic]!.subscribers[stream.id] = stream
            return .success(outcome)
        }
        return try result.get()
    }

    /// Removes `stream` from `topic`.
    package func unsubscribe(_ stream: EventStream, from topic: String) {
        topics.withLock { _ = $0.byName[topic]?.subscribers.removeValue(forKey: stream.id) }
    }
}
