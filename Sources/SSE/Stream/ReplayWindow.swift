import DequeModule

/// A topic's recent events for `Last-Event-ID` replay, sans-I/O: bounded by count and
/// optionally by age, ids increasing by one per event.
package struct ReplayWindow: Sendable {
    package struct Entry: Sendable {
        package let id: UInt64
        package let publishedAt: Duration
        package let bytes: [UInt8]
    }

    /// Where a resume request lands.
    package enum Resume: Sendable, Equatable {
        /// Replay the entries after this index (ids greater than the client's); nothing was lost.
        case after(index: Int)
        /// Events between the client's id and what the window holds are gone: replay
        /// everything held (from index 0), and tell the client.
        case gap
        /// The id is not one this topic gave (not a number, or newer than any event — a
        /// restarted server): nothing to replay; tell the client.
        case unknown
    }

    private(set) var entries = Deque<Entry>()
    private let maxCount: Int
    private let maxAge: Duration?
    /// The id of the last event published (0 before the first).
    package private(set) var lastID: UInt64 = 0

    package init(maxCount: Int, maxAge: Duration?) {
        self.maxCount = max(0, maxCount)
        self.maxAge = maxAge
    }

    package var count: Int { entries.count }
    /// The oldest id held, if any.
    package var oldestID: UInt64? { entries.first?.id }

    /// Numbers the next event; `encode` makes its bytes with that id.
    package mutating func append<Failure: Error>(at now: Duration, encode: (UInt64) throws(Failure) -> [UInt8]) throws(Failure) -> Entry {
        let id = lastID + 1
        let entry = Entry(id: id, publishedAt: now, bytes: try encode(id))
        lastID = id
        if maxCount > 0 {
            entries.append(entry)
            if entries.count > maxCount { entries.removeFirst() }
        }
        expire(now: now)
        return entry
    }

    /// Drops entries older than the age limit.
    package mutating func expire(now: Duration) {
        guard let maxAge else { return }
        while let first = entries.first, now - first.publishedAt > maxAge { entries.removeFirst() }
    }

    /// Where a client that last saw `lastEventID` resumes.
    package func resume(after lastEventID: String) -> Resume {
        guard let seen = UInt64(lastEventID), seen <= lastID else { return .unknown }
        guard let oldest = entries.first?.id else {
            // Nothing held: fine when the client saw the last event, a gap otherwise.
            return seen == lastID ? .after(index: 0) : .gap
        }
        if seen + 1 < oldest { return .gap }
        return .after(index: Int(seen + 1 - oldest))
    }

    package subscript(index: Int) -> Entry { entries[index] }
}
