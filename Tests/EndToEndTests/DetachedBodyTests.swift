import Ringway
import RingwayContract
import RingwayHTTP
import RingwayTestSupport
import Synchronization
import Testing

/// `http.response.detach`: a body written after the application returned, in memory and
/// live on every backend — framing, keep-alive after it, backpressure, disconnects, misuse.
@Suite("Detached response bodies (http.response.detach)")
struct DetachedBodyTests {
    /// A source that writes `pieces` when attached (and again after `writable()`), then
    /// finishes, and records what the server told it.
    final class Source: DetachedResponseBodySource, @unchecked Sendable {
        // Touched on the connection's thread only (the callbacks), read by the test after.
        private let lock = Mutex<[String]>([])
        private var writer: (any ResponseBodyWriter)?
        private var pending: [[UInt8]]
        private let finishes: Bool

        init(pieces: [[UInt8]], finishes: Bool = true) {
            self.pending = pieces
            self.finishes = finishes
        }

        var log: [String] { lock.withLock { $0 } }
        private func record(_ entry: String) { lock.withLock { $0.append(entry) } }

        func attached(to writer: any ResponseBodyWriter) {
            self.writer = writer
            record("attached")
            pump()
        }

        func writable() {
            record("writable")
            pump()
        }

        func clientDisconnected() { record("disconnected") }

        private func pump() {
            guard let writer else { return }
            while !pending.isEmpty {
                let piece = pending.removeFirst()
                if !writer.write(piece) {
                    record("full")
                    return
                }
            }
            if finishes {
                writer.finish()
                record("finished open=\(writer.isOpen)")
            }
        }
    }

    static func app(_ makeSource: @escaping @Sendable () -> Source, recorder: Recorder<Source>) -> App {
        App { scope, receive, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/next" {
                try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
                try await send(.httpResponseBody(body: Array("next".utf8)))
                return
            }
            #expect(request.extensions.contains(.detach))
            let source = makeSource()
            recorder.append(source)
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.httpResponseDetach(DetachedBody(source)))
            // The response is the source's now: the app may not send more.
            await #expect(throws: MessageOrderError(.sendAfterResponseComplete)) {
                try await send(.httpResponseBody(body: Array("late".utf8)))
            }
        }
    }

    @Test("pieces written after the app returned arrive chunked; the connection then serves the next request", arguments: ClientTransport.all)
    func writesThenKeepAlive(transport: ClientTransport) async throws {
        let sources = Recorder<Source>()
        let app = Self.app({ Source(pieces: [Array("hello ".utf8), Array("world".utf8)]) }, recorder: sources)
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            let response = try await connection.request(.get("/detached"))
            #expect(response.status == 200)
            #expect(response.header("transfer-encoding") == "chunked")
            #expect(response.text == "hello world")
            let next = try await connection.request(.get("/next"))
            #expect(next.text == "next")
            #expect(sources.all.first?.log == ["attached", "finished open=false"])
        }
    }

    @Test("a full connection makes write return false, and writable() follows once the client reads")
    func backpressure() async throws {
        let sources = Recorder<Source>()
        let big = [UInt8](repeating: 0x61, count: 256 << 10)
        let app = Self.app({ Source(pieces: Array(repeating: big, count: 8)) }, recorder: sources)
        try await withSession(app, on: .memory) { (session: TestSession) async throws in
            let connection = try await session.connect(receiveWindow: 64 << 10)
            let response = try await connection.request(.get("/detached"))
            #expect(response.body.count == big.count * 8)
            let log = sources.all.first?.log ?? []
            #expect(log.contains("full") && log.contains("writable"))
            #expect(log.last == "finished open=false")
        }
    }

    @Test("the client leaving reaches the source", arguments: ClientTransport.all)
    func disconnect(transport: ClientTransport) async throws {
        let sources = Recorder<Source>()
        let app = Self.app({ Source(pieces: [Array("first".utf8)], finishes: false) }, recorder: sources)
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let connection = try await session.connect()
            try await connection.send(.get("/detached"))
            _ = try await connection.readResponseHead()
            #expect(try await connection.readBodyChunk() == Array("first".utf8))
            await connection.close()
            for _ in 0..<2_000 where sources.all.first?.log.last != "disconnected" {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(sources.all.first?.log == ["attached", "disconnected"])
        }
    }

    @Test("detach is refused before the response started")
    func beforeStart() async throws {
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            await #expect(throws: MessageOrderError(.bodyBeforeStart)) {
                try await send(.httpResponseDetach(DetachedBody(Source(pieces: []))))
            }
            try await send(.httpResponseStart(status: 204))
            try await send(.httpResponseBody())
        }
        try await withSession(app, on: .memory) { (session: TestSession) async throws in
            #expect(try await session.get("/").status == 204)
        }
    }
}
