@testable import RingwaySSE
import RingwaySSECodec
import Testing

@Suite("SSEBroadcaster")
struct BroadcasterTests {
    static func stream(_ id: UInt64, lastEventID: String? = nil, configuration: SSEConfiguration = SSEConfiguration()) -> EventStream {
        EventStream(id: id, lastEventID: lastEventID, configuration: configuration, heartbeatTicks: 0, sleeper: { _ in })
    }

    /// What the stream's writer would send next, without waiting (nil: nothing queued).
    static func queued(_ stream: EventStream) async -> [[UInt8]] {
        var out: [[UInt8]] = []
        while stream.queuedEvents > 0, case .write(let bytes) = await stream.nextWriterAction() { out.append(bytes) }
        return out
    }

    static func text(_ chunks: [[UInt8]]) -> String { String(decoding: chunks.joined(), as: UTF8.self) }

    @Test("one encoding: every subscriber gets the very same bytes")
    func encodedOnce() async throws {
        let broadcaster = SSEBroadcaster()
        let a = Self.stream(1), b = Self.stream(2)
        _ = try broadcaster.subscribe(a, to: "t", lastEventID: nil, gapEvent: { _ in nil })
        _ = try broadcaster.subscribe(b, to: "t", lastEventID: nil, gapEvent: { _ in nil })
        let published = try broadcaster.publish(ServerSentEvent(data: "hello\nworld", event: "greeting"), to: "t")
        #expect(published == PublishedEvent(id: 1, subscribers: 2))
        let fromA = await Self.queued(a), fromB = await Self.queued(b)
        #expect(Self.text(fromA) == "event: greeting\nid: 1\ndata: hello\ndata: world\n\n")
        let sameStorage = fromA[0].withUnsafeBufferPointer { pa in fromB[0].withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress } }
        #expect(sameStorage)
    }

    @Test("a subscriber resumes after its Last-Event-ID: the later events, then live ones, none twice")
    func resume() async throws {
        let broadcaster = SSEBroadcaster()
        for n in 1...3 { try broadcaster.publish(ServerSentEvent(data: "e\(n)"), to: "t") }
        let late = Self.stream(1, lastEventID: "1")
        let outcome = try broadcaster.subscribe(late, to: "t", lastEventID: "1", gapEvent: ServerSentEvents.historyLostEvent)
        #expect(outcome == .complete(replayed: 2))
        try broadcaster.publish(ServerSentEvent(data: "e4"), to: "t")
        #expect(Self.text(await Self.queued(late)) == "id: 2\ndata: e2\n\nid: 3\ndata: e3\n\nid: 4\ndata: e4\n\n")
    }

    @Test("an id older than the window: a history-lost event, then what the window holds")
    func historyLost() async throws {
        let broadcaster = SSEBroadcaster(configuration: SSEConfiguration(historyCount: 2))
        for n in 1...5 { try broadcaster.publish(ServerSentEvent(data: "e\(n)"), to: "t") }
        let stream = Self.stream(1)
        let outcome = try broadcaster.subscribe(stream, to: "t", lastEventID: "1", gapEvent: ServerSentEvents.historyLostEvent)
        #expect(outcome == .historyLost(lastEventID: "1", oldestAvailable: 4))
        #expect(Self.text(await Self.queued(stream)) ==
                "event: history-lost\ndata: {\"lastEventId\":\"1\",\"oldestAvailable\":4}\n\nid: 4\ndata: e4\n\nid: 5\ndata: e5\n\n")
        // An id this topic never gave (a restarted server): the signal, then live events only.
        let stranger = Self.stream(2)
        #expect(try broadcaster.subscribe(stranger, to: "t", lastEventID: "99", gapEvent: ServerSentEvents.historyLostEvent)
                == .unknownID(lastEventID: "99"))
        #expect(Self.text(await Self.queued(stranger)) == "event: history-lost\ndata: {\"lastEventId\":\"99\",\"oldestAvailable\":null}\n\n")
    }

    @Test("a full subscriber is cut off (close policy) while the others get every event")
    func slowSubscriber() async throws {
        let configuration = SSEConfiguration(maxQueuedEvents: 4)
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let slow = Self.stream(1, configuration: configuration), fast = Self.stream(2, configuration: configuration)
        _ = try broadcaster.subscribe(slow, to: "t", lastEventID: nil, gapEvent: { _ in nil })
        _ = try broadcaster.subscribe(fast, to: "t", lastEventID: nil, gapEvent: { _ in nil })
        var received: [[UInt8]] = []
        for n in 1...10 {
            let published = try broadcaster.publish(ServerSentEvent(data: "\(n)"), to: "t")
            #expect(published.subscribers == (n <= 4 ? 2 : 1))
            received += await Self.queued(fast)
        }
        #expect(received.count == 10)
        #expect(Self.text(received).hasSuffix("id: 10\ndata: 10\n\n"))
        #expect(slow.end == .slowClient)
        #expect(slow.queuedEvents == 0)
    }

    @Test("counts, unsubscribe, and the refusals: an id given by the app, a bad event type, too many topics")
    func bookkeeping() throws {
        let broadcaster = SSEBroadcaster(configuration: SSEConfiguration(maxTopics: 2))
        let stream = Self.stream(1)
        _ = try broadcaster.subscribe(stream, to: "a", lastEventID: nil, gapEvent: { _ in nil })
        #expect(broadcaster.subscriberCount(of: "a") == 1)
        #expect(broadcaster.subscriberCounts == ["a": 1])
        broadcaster.unsubscribe(stream, from: "a")
        #expect(broadcaster.subscriberCount(of: "a") == 0)
        #expect(throws: SSEBroadcastError(.idNotAllowed)) { try broadcaster.publish(ServerSentEvent(data: "x", id: "7"), to: "a") }
        #expect(throws: SSEBroadcastError.self) { try broadcaster.publish(ServerSentEvent(data: "x", event: "a\nb"), to: "a") }
        #expect(broadcaster.lastEventID(of: "a") == 0)  // a refused event takes no id
        try broadcaster.publish(ServerSentEvent(data: "x"), to: "b")
        #expect(throws: SSEBroadcastError(.tooManyTopics(limit: 2))) { try broadcaster.publish(ServerSentEvent(data: "x"), to: "c") }
    }
}
