import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

/// Server-Sent Events through the real server, in memory and live on every backend, read
/// with the test client's incremental event reader. The SSE clock is a `ManualClock`, so
/// update intervals and heartbeats take no time.
@Suite("Server-Sent Events: streams, topics, heartbeats, disconnects", .timeLimit(.minutes(2)))
struct SSEStreamTests {
    struct Update: Decodable, Equatable {
        var type: String
        var counter: Int?
        var timestamp: Double
        var message: String?
    }

    static func decode(_ event: TestEventStream.Event?) throws -> Update {
        let event = try #require(event)
        return try JSONDecoder().decode(Update.self, from: Data(event.data.utf8))
    }

    /// Polls `condition` (a bound that fails a hung test, not a timing assertion).
    static func eventually(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<2_000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("never happened: \(what)")
    }

    @Test("GET /sse: the seed's headers, a connected event, then an update with id n per interval", arguments: ClientTransport.all)
    func updates(transport: ClientTransport) async throws {
        let clock = ManualClock()
        let demo = DemoApp(sse: DemoApp.sseConfiguration(heartbeat: nil), clock: clock)  // the producer is the only sleeper
        try await withSession(demo, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/sse")
            #expect(stream.head.status == 200)
            #expect(stream.head.header("content-type") == "text/event-stream")
            #expect(stream.head.header("cache-control") == "no-cache")
            #expect(stream.head.header("x-accel-buffering") == "no")
            #expect(stream.head.header("access-control-allow-origin") == "*")
            let connected = try Self.decode(try await stream.nextEvent())
            #expect(connected.type == "connected" && connected.counter == nil && connected.timestamp > 1_700_000_000)
            for n in 1...3 {
                let event = try #require(try await stream.nextEvent())
                #expect(event.type == "message" && event.lastEventID == String(n))
                #expect(try Self.decode(event) == Update(type: "update", counter: n, timestamp: try Self.decode(event).timestamp, message: "Update #\(n)"))
                await clock.waitForSleepers(1)  // the producer sleeps its second
                clock.advance(by: .seconds(1))
            }
            await stream.connection.close()
        }
    }

    @Test("Last-Event-ID: k continues with k+1; interval_ms has a floor of 10 and must be a number", arguments: ClientTransport.all)
    func resumeAndInterval(transport: ClientTransport) async throws {
        let clock = ManualClock()
        try await withSession(DemoApp(sse: DemoApp.sseConfiguration(heartbeat: nil), clock: clock), on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/sse?interval_ms=3", lastEventID: "41")
            _ = try await stream.nextEvent()  // connected
            #expect(try Self.decode(try await stream.nextEvent()).counter == 42)
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(9))
            await clock.waitForSleepers(1)
            #expect(clock.sleepers >= 1)  // 9 ms < the 10 ms floor: still asleep
            clock.advance(by: .milliseconds(1))
            let next = try #require(try await stream.nextEvent())
            #expect(next.lastEventID == "43")
            await stream.connection.close()

            let bad = try await session.get("/sse", query: [("interval_ms", "soon")])
            #expect(bad.status == 400)

            // An id past any counter does not overflow it.
            let huge = try await session.eventStream("/sse", lastEventID: "9223372036854775807")
            _ = try await huge.nextEvent()
            #expect(try Self.decode(try await huge.nextEvent()).counter == (1 << 53) + 1)
            await huge.connection.close()
        }
    }

    @Test("the client leaving ends the stream at once, while its producer sleeps", arguments: ClientTransport.all)
    func promptDisconnect(transport: ClientTransport) async throws {
        let clock = ManualClock()
        let demo = DemoApp(sse: DemoApp.sseConfiguration(heartbeat: nil), clock: clock)
        try await withSession(demo, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/sse")
            _ = try await stream.nextEvent()
            _ = try await stream.nextEvent()
            await clock.waitForSleepers(1)
            #expect(demo.sse.openStreams == 1)
            await stream.connection.close()
            // No clock advance: the sleeping producer is cancelled by the disconnect itself.
            try await Self.eventually("the stream ended") { demo.sse.openStreams == 0 }
            try await Self.eventually("the producer's sleep was cancelled") { clock.sleepers == 0 }
        }
    }

    @Test("topics: POST publishes (202 with id and subscribers), multi-line data, ?event=, replay after Last-Event-ID", arguments: ClientTransport.all)
    func topics(transport: ClientTransport) async throws {
        let demo = DemoApp(clock: ManualClock())
        try await withSession(demo, on: transport) { (session: TestSession) async throws in
            let subscriber = try await session.eventStream("/sse/topics/news")
            #expect(subscriber.head.status == 200)
            try await Self.eventually("subscribed") { demo.sse.subscriberCount(of: "news") == 1 }
            let first = try await session.request(TestRequest("POST", "/sse/topics/news", query: [("event", "greeting")],
                                                              body: Array("a\nb\r\nc".utf8)))
            #expect(first.status == 202)
            #expect(first.header("content-type") == "application/json")
            #expect(first.text == #"{"id": 1, "subscribers": 1}"#)
            #expect(try await subscriber.nextEvent() == .init(type: "greeting", data: "a\nb\nc", lastEventID: "1"))
            for n in 2...4 { _ = try await session.post("/sse/topics/news", body: Array("e\(n)".utf8)) }
            for n in 2...4 { #expect(try await subscriber.nextEvent()?.data == "e\(n)") }

            // A reconnect after id 2 gets 3 and 4 (not 2 again), then live events.
            let resumed = try await session.eventStream("/sse/topics/news", lastEventID: "2")
            #expect(try await resumed.nextEvent() == .init(type: "message", data: "e3", lastEventID: "3"))
            #expect(try await resumed.nextEvent()?.lastEventID == "4")
            let fifth = try await session.post("/sse/topics/news", body: Array("e5".utf8))
            #expect(fifth.text == #"{"id": 5, "subscribers": 2}"#)
            #expect(try await resumed.nextEvent()?.data == "e5")
            #expect(try await subscriber.nextEvent()?.data == "e5")

            // An event name that would break the stream is refused, and takes no id.
            let refused = try await session.request(TestRequest("POST", "/sse/topics/news", query: [("event", "a\nb")], body: Array("x".utf8)))
            #expect(refused.status == 400)
            #expect(demo.sse.broadcaster.lastEventID(of: "news") == 5)
            // An empty Last-Event-ID is no id: live events, no history-lost.
            let fresh = try await session.eventStream("/sse/topics/news", lastEventID: "")
            _ = try await session.post("/sse/topics/news", body: Array("e6".utf8))
            #expect(try await fresh.nextEvent() == .init(type: "message", data: "e6", lastEventID: "6"))
            await fresh.connection.close()
            let wrongMethod = try await session.request(TestRequest("DELETE", "/sse/topics/news"))
            #expect(wrongMethod.status == 405 && wrongMethod.header("allow") == "GET, HEAD, POST")
            await subscriber.connection.close()
            await resumed.connection.close()
            try await Self.eventually("unsubscribed") { demo.sse.subscriberCount(of: "news") == 0 }
        }
    }

    @Test("a Last-Event-ID older than the replay window gets a history-lost event, never a silent gap", arguments: ClientTransport.all)
    func historyLost(transport: ClientTransport) async throws {
        let demo = DemoApp(sse: SSEConfiguration(historyCount: 3), clock: ManualClock())
        try await withSession(demo, on: transport) { (session: TestSession) async throws in
            for n in 1...6 { _ = try await session.post("/sse/topics/t", body: Array("e\(n)".utf8)) }
            let stream = try await session.eventStream("/sse/topics/t", lastEventID: "1")
            let lost = try #require(try await stream.nextEvent())
            #expect(lost.type == "history-lost")
            #expect(lost.data == #"{"lastEventId":"1","oldestAvailable":4}"#)
            #expect(try await stream.nextEvent()?.lastEventID == "4")
            await stream.connection.close()
        }
    }

    @Test("an idle stream gets a heartbeat comment after the interval; none with heartbeats off", arguments: ClientTransport.all)
    func heartbeat(transport: ClientTransport) async throws {
        let clock = ManualClock()
        let demo = DemoApp(sse: DemoApp.sseConfiguration(heartbeat: .seconds(15)), clock: clock)
        try await withSession(demo, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/sse/topics/quiet")
            for _ in 0..<4 {
                await clock.waitForSleepers(1)  // the ticker, at a quarter of the interval
                clock.advance(by: .milliseconds(3750))
            }
            #expect(try await stream.next() == .comment("keep-alive"))
            await stream.connection.close()
        }
        let silentClock = ManualClock()
        let silent = DemoApp(sse: DemoApp.sseConfiguration(heartbeat: nil), clock: silentClock)
        try await withSession(silent, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/sse/topics/quiet")
            _ = try await session.post("/sse/topics/quiet", body: Array("only".utf8))
            #expect(try await stream.next() == .event(type: "message", data: "only", lastEventID: "1"))
            #expect(silentClock.sleepers == 0)  // no ticker at all
            await stream.connection.close()
        }
    }

    @Test("a producer's id with CR/LF is refused with SSEEncodingError and nothing reaches the stream", arguments: ClientTransport.all)
    func forbiddenID(transport: ClientTransport) async throws {
        let sse = ServerSentEvents(clock: ManualClock())
        let refusals = Recorder<String>()
        let app = App { scope, receive, send in
            try await sse.stream(scope, receive, send) { stream in
                do {
                    try await stream.send(ServerSentEvent(data: "x", id: "7\nevent: evil"))
                } catch let error as SSEEncodingError {
                    refusals.append("\(error.kind)")
                }
                try await stream.send(ServerSentEvent(data: "after", id: "8"))
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/")
            #expect(try await stream.next() == .event(type: "message", data: "after", lastEventID: "8"))
            #expect(try await stream.next() == nil)  // the producer returned: a clean end
            #expect(refusals.all.count == 1)
        }
    }

    @Test("the retry hint opens the stream; a producer faster than its client waits at the queue bound", arguments: ClientTransport.all)
    func retryAndBackpressure(transport: ClientTransport) async throws {
        let sse = ServerSentEvents(configuration: SSEConfiguration(heartbeat: nil, retry: .milliseconds(2500), maxQueuedEvents: 4),
                                   clock: ManualClock())
        let peak = Recorder<Int>()
        let app = App { scope, receive, send in
            try await sse.stream(scope, receive, send) { stream in
                for n in 1...300 {
                    try await stream.send(ServerSentEvent(data: String(repeating: "x", count: 4096), id: String(n)))
                    peak.append(stream.queuedEvents)
                }
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let stream = try await session.eventStream("/", receiveWindow: 16 << 10)
            #expect(try await stream.next() == .retry(2500))
            var ids: [String] = []
            while let event = try await stream.nextEvent() { ids.append(event.lastEventID) }
            #expect(ids == (1...300).map(String.init))  // every event, in order, then a clean end
            #expect(peak.all.max() ?? 0 <= 4)  // the queue never held more than its bound
        }
    }

    @Test("a subscriber that stops reading is cut off; the others get every event in order")
    func slowSubscriber() async throws {
        let demo = DemoApp(sse: SSEConfiguration(heartbeat: nil, maxQueuedEvents: 8), clock: ManualClock())
        try await withSession(demo, on: .memory) { (session: TestSession) async throws in
            let slow = try await session.eventStream("/sse/topics/t", receiveWindow: 64 << 10)
            await slow.connection.setReceiveWindow(0)  // reads nothing from now on
            let readers = try await [session.eventStream("/sse/topics/t"), session.eventStream("/sse/topics/t")]
            try await Self.eventually("three subscribers") { demo.sse.subscriberCount(of: "t") == 3 }
            let payload = String(repeating: "x", count: 2048)
            try await withThrowingTaskGroup(of: [String].self) { group in
                for reader in readers {
                    group.addTask {
                        var ids: [String] = []
                        while ids.count < 400, let event = try await reader.nextEvent() { ids.append(event.lastEventID) }
                        return ids
                    }
                }
                for _ in 1...400 { _ = try await session.post("/sse/topics/t", body: Array(payload.utf8)) }
                for try await ids in group { #expect(ids == (1...400).map(String.init)) }
            }
            #expect(demo.sse.subscriberCount(of: "t") == 2)  // the stalled one is gone
            // Its connection ends once it reads again: what was already written, then the end.
            await slow.connection.setReceiveWindow(4 << 20)
            var seen = 0
            while let _ = try await slow.nextEvent() { seen += 1 }
            #expect(seen < 400)
            #expect(await slow.isEnded)
        }
    }

    @Test("200 streams closed by their clients leave no stream, connection or descriptor behind", arguments: Backends.all)
    func manyClosed(backend: BackendKind) async throws {
        let demo = DemoApp(clock: ManualClock())
        try await withServer(demo, backend: backend, loops: 2) { (server: Server, port: Int) async throws in
            let session = TestSession.live(port: port)
            var streams: [TestEventStream] = []
            for index in 0..<200 {
                streams.append(try await session.eventStream(index.isMultiple(of: 2) ? "/sse" : "/sse/topics/many"))
            }
            try await Self.eventually("200 open") { demo.sse.openStreams == 200 }
            #expect(Self.connectionDescriptors(port: port) >= 200)  // the count sees the server's sockets (another test may hold one more on a reused port number)
            for stream in streams { await stream.connection.close() }
            try await Self.eventually("all ended") { demo.sse.openStreams == 0 && demo.sse.subscriberCount(of: "many") == 0 }
            // Other tests run in this process too: count only the descriptors of sockets on this server's port.
            try await Self.eventually("no server socket left but the listener") { Self.connectionDescriptors(port: port) == 0 }
        }
    }

    @Test("graceful shutdown ends every stream with the retry hint and a clean end, without the timeout", arguments: Backends.all)
    func drain(backend: BackendKind) async throws {
        let demo = DemoApp(clock: ManualClock())
        let session = try await withServer(demo, backend: backend, shutdownTimeout: .seconds(60)) { (server: Server, port: Int) async throws -> [TestEventStream] in
            let session = TestSession.live(port: port)
            var streams: [TestEventStream] = []
            for index in 0..<20 { streams.append(try await session.eventStream(index.isMultiple(of: 2) ? "/sse" : "/sse/topics/drain")) }
            try await Self.eventually("20 open") { demo.sse.openStreams == 20 }
            let started = ContinuousClock.now
            server.shutdown()
            for stream in streams {
                while let _ = try await stream.next() {}
                #expect(await stream.retry == 500)
                #expect(await stream.isEnded)
            }
            #expect(ContinuousClock.now - started < .seconds(30))  // a hang bound, far below the 60 s timeout
            return streams
        }
        #expect(session.count == 20)
    }

    /// Descriptors of this process that are TCP sockets with local port `port`, not listening
    /// (`/proc/self/fd` socket inodes matched against `/proc/net/tcp{,6}`).
    static func connectionDescriptors(port: Int) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var inodes = Set<String>()
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                  target.hasPrefix("socket:[") else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        var count = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // procfs reports size 0: read to the end, not "the file's size".
            guard let data = FileHandle(forReadingAtPath: table)?.readDataToEndOfFile() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, let local = fields[1].split(separator: ":").last,
                      Int(local, radix: 16) == port, fields[3] != "0A", inodes.contains(String(fields[9])) else { continue }
                count += 1
            }
        }
        return count
    }
}
