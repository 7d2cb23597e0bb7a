import Ringway
import RingwayTestSupport
import Testing

@Suite("Cancelled receive")
struct CancellationTests {
    /// Where the child task's `receive()` waits when it is cancelled.
    enum Wait: String, CustomTestStringConvertible, CaseIterable, Sendable {
        /// The body was read: receive waits for the disconnect (the usual watcher pattern).
        case disconnect
        /// Half the body was read: receive waits for more.
        case body
        /// The child is cancelled before it calls receive (which would wait for the disconnect).
        case cancelledOnEntry
        var testDescription: String { rawValue }
    }

    @Test("a cancelled receive() throws CancellationError at once and the response still goes out",
          arguments: Backends.all, Wait.allCases)
    func cancelledReceive(backend: BackendKind, wait: Wait) async throws {
        let app = App { scope, receive, send in
            guard case .http = scope else { return }
            let outcome = Recorder<String>()
            // Read the whole body (or, for `.body`, its first part).
            while case .httpRequest(_, let more) = try await receive(), more, wait != .body {}
            let waiting = Signal()
            let child = Task {
                if wait == .cancelledOnEntry { withUnsafeCurrentTask { $0?.cancel() } }
                waiting.fire()
                do {
                    while true {
                        if case .httpDisconnect = try await receive() { break }
                    }
                    outcome.append("http.disconnect")
                } catch is CancellationError {
                    outcome.append("CancellationError")
                } catch {
                    outcome.append("\(error)")
                }
            }
            #expect(await waiting.wait())
            child.cancel()
            // Bounded: with a receive that ignores cancellation nothing is recorded in time.
            let seen = await outcome.waitForCount(1)
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: Array((seen.first ?? "still waiting").utf8)))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("POST /watch HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n12345".utf8))
            if wait != .body { try await client.send(raw: Array("67890".utf8)) }
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 200)
            #expect(response.text == "CancellationError")
            if wait == .body { try await client.send(raw: Array("67890".utf8)) }
            // The connection stays usable: the next request is served as usual.
            #expect(try await client.post("/again", body: Array("0123456789".utf8)).text == "CancellationError")
        }
    }
}
