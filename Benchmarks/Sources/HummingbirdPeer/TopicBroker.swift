import Hummingbird

/// The SSE topics: per topic, the subscribers' streams and the last event id. Publishing
/// encodes the event once and yields it to every subscriber's `AsyncStream`.
actor TopicBroker {
    private struct Topic {
        var lastID = 0
        var subscribers: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
    }

    private var topics: [String: Topic] = [:]
    private var nextSubscriber = 0

    /// Adds a subscriber to `topic`; returns its key for `unsubscribe`.
    func subscribe(_ topic: String, _ continuation: AsyncStream<ByteBuffer>.Continuation) -> Int {
        nextSubscriber += 1
        topics[topic, default: Topic()].subscribers[nextSubscriber] = continuation
        return nextSubscriber
    }

    func unsubscribe(_ topic: String, _ key: Int) {
        topics[topic]?.subscribers[key] = nil
    }

    /// Sends `data` as the topic's next event (`id: n`, `data: …` per line); returns its id and
    /// how many subscribers it went to.
    func publish(_ topic: String, data: String) -> (id: Int, subscribers: Int) {
        var entry = topics[topic, default: Topic()]
        entry.lastID += 1
        var text = "id: \(entry.lastID)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        let event = ByteBuffer(string: text + "\n")
        for continuation in entry.subscribers.values { continuation.yield(event) }
        topics[topic] = entry
        return (entry.lastID, entry.subscribers.count)
    }
}
