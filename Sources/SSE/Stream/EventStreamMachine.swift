import DequeModule

/// The rules of one event stream, sans-I/O: the queue between producers and the writer
/// (bounded by events and bytes), heartbeats counted in ticks, and how the stream ends.
///
/// Producers `offer` encoded events; the writer asks `nextWrite()` what to do and carries it
/// out; the hub's ticker calls `tick()`; the disconnect watcher calls `clientGone()`; a
/// shutdown calls `drain`. Each returns whether the waiting writer must be woken. The class
/// around it (`EventStream`) holds the continuations and the lock.
package struct EventStreamMachine: Sendable {
    package enum Phase: Sendable, Equatable {
        /// Events flow.
        case open
        /// Write what is queued, then `finalBytes`, then end the response.
        case ending(EventStreamEnd)
        /// Nothing more is written: the client is gone, or the writer ended the response.
        case ended(EventStreamEnd)
    }

    /// What the writer does next.
    package enum WriterAction: Sendable, Equatable {
        /// Send these bytes as body.
        case write([UInt8])
        /// Nothing to do: wait until woken.
        case wait
        /// Send `final` (when there is one), then end the response body.
        case finish(final: [UInt8]?, reason: EventStreamEnd)
        /// Stop without writing (the client is gone, or the response already ended).
        case stop(EventStreamEnd)
    }

    /// The outcome of offering an event.
    package enum Offer: Sendable, Equatable {
        case queued
        /// The queue is full; nothing changed (the producer may wait for room).
        case full
        /// The queue was full: the slow-client policy skipped the event for this stream.
        case dropped
        /// The stream has ended (or just did, by the slow-client policy).
        case ended(EventStreamEnd)
    }

    package private(set) var phase: Phase = .open
    private var queue = Deque<[UInt8]>()
    package private(set) var queuedBytes = 0
    private let maxEvents: Int
    private let maxBytes: Int
    private let policy: SlowClientPolicy
    /// Ticks of silence after which a heartbeat goes out (0: none).
    private let heartbeatTicks: Int
    private var idleTicks = 0
    private var wroteSinceTick = false
    private var finalBytes: [UInt8]?
    /// Entries at the front of the queue that came past the bounds (replay, the opening
    /// retry), and their bytes: the bounds apply to live events only, so a client resuming
    /// far behind is not cut off as slow while its replay goes out.
    private var unboundedEntries = 0
    private var unboundedBytes = 0
    /// Whether the writer waits to be woken.
    package private(set) var writerWaiting = false
    /// Events the `.dropNewest` policy skipped.
    package private(set) var droppedEvents = 0

    package static let heartbeatBytes: [UInt8] = Array(": keep-alive\n\n".utf8)

    package init(maxEvents: Int, maxBytes: Int, policy: SlowClientPolicy, heartbeatTicks: Int) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1, maxBytes)
        self.policy = policy
        self.heartbeatTicks = max(0, heartbeatTicks)
    }

    package var queuedEvents: Int { queue.count }
    package var isOpen: Bool { phase == .open }
    package var hasRoom: Bool { queue.count - unboundedEntries < maxEvents && queuedBytes - unboundedBytes < maxBytes }

    /// Queues `bytes` from a producer that waits for room: a full queue answers `.full`.
    /// An empty queue always takes one event, however large.
    package mutating func offer(_ bytes: [UInt8]) -> (Offer, wake: Bool) {
        guard case .open = phase else { return (.ended(endReason!), false) }
        guard hasRoom || queue.count == unboundedEntries else { return (.full, false) }
        return (.queued, append(bytes))
    }

    /// Queues `bytes` from a broadcast, which never waits: a full queue applies the
    /// slow-client policy.
    package mutating func offerWithoutWaiting(_ bytes: [UInt8]) -> (Offer, wake: Bool) {
        switch offer(bytes) {
        case (.full, _):
            switch policy {
            case .dropNewest:
                droppedEvents += 1
                return (.dropped, false)
            case .close:
                return (.ended(.slowClient), end(.slowClient))
            }
        case let other:
            return other
        }
    }

    /// Queues `bytes` past the bounds: a replay from a topic's history (shared bytes, each
    /// at most the history's length) or the stream's opening `retry:` hint.
    package mutating func offerUnbounded(_ bytes: [UInt8]) -> Bool {
        guard case .open = phase else { return false }
        // They are queued before any live event (at the stream's start); behind one, they
        // would count as live.
        if queue.count == unboundedEntries {
            unboundedEntries += 1
            unboundedBytes += bytes.count
        }
        return append(bytes)
    }

    private mutating func append(_ bytes: [UInt8]) -> Bool {
        queue.append(bytes)
        queuedBytes += bytes.count
        return takeWriter()
    }

    private mutating func takeWriter() -> Bool {
        defer { writerWaiting = false }
        return writerWaiting
    }

    /// What the writer does now; `.wait` marks it waiting (wake it when told to).
    package mutating func nextWrite() -> WriterAction {
        switch phase {
        case .open:
            if let bytes = popFirst() { return .write(bytes) }
            writerWaiting = true
            return .wait
        case .ending(let reason):
            if let bytes = popFirst() { return .write(bytes) }
            phase = .ended(reason)
            let final = finalBytes
            finalBytes = nil
            return .finish(final: final, reason: reason)
        case .ended(let reason):
            return .stop(reason)
        }
    }

    private mutating func popFirst() -> [UInt8]? {
        guard let bytes = queue.popFirst() else { return nil }
        queuedBytes -= bytes.count
        if unboundedEntries > 0 {
            unboundedEntries -= 1
            unboundedBytes -= bytes.count
        }
        wroteSinceTick = true
        return bytes
    }

    /// One tick of the hub's heartbeat clock (a quarter of the heartbeat interval): after
    /// `heartbeatTicks` ticks without a write, a heartbeat comment is queued.
    package mutating func tick() -> Bool {
        guard heartbeatTicks > 0, case .open = phase else { return false }
        if wroteSinceTick || !queue.isEmpty {
            wroteSinceTick = false
            idleTicks = 0
            return false
        }
        idleTicks += 1
        guard idleTicks >= heartbeatTicks else { return false }
        idleTicks = 0
        return append(Self.heartbeatBytes)
    }

    /// The producer is done: what is queued goes out, then the response ends.
    package mutating func finish() -> Bool {
        guard case .open = phase else { return false }
        phase = .ending(.finished)
        return takeWriter()
    }

    /// The server shuts down: what is queued goes out, then `final`, then the end.
    package mutating func drain(final: [UInt8]?) -> Bool {
        guard case .open = phase else { return false }
        phase = .ending(.serverShutdown)
        finalBytes = final
        return takeWriter()
    }

    /// The client left (or a write failed): nothing more is written.
    package mutating func clientGone() -> Bool {
        switch phase {
        case .ended: return false
        case .open, .ending: return end(.clientDisconnected)
        }
    }

    /// Ends at once, dropping the queue.
    private mutating func end(_ reason: EventStreamEnd) -> Bool {
        phase = .ended(reason)
        queue.removeAll()
        queuedBytes = 0
        unboundedEntries = 0
        unboundedBytes = 0
        finalBytes = nil
        return takeWriter()
    }

    /// Why the stream ended or is ending; nil while open.
    package var endReason: EventStreamEnd? {
        switch phase {
        case .open: nil
        case .ending(let reason), .ended(let reason): reason
        }
    }
}
