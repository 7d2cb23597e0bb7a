import Ringway
import RingwayTestSupport
import Testing

@Suite("Client disconnects")
struct DisconnectTests {
    @Test("a client that leaves mid-response makes send throw ClientDisconnected", arguments: Backends.all)
    func disconnectMidResponse(backend: BackendKind) async throws {
        let outcome = Recorder<String>()
        let started = Signal()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200))
            do {
                // Streams until the client is gone; bounded so a bug cannot loop forever.
                for index in 0..<20_000 {
                    try await send(.httpResponseBody(body: Array(repeating: UInt8(ascii: "x"), count: 16 * 1024), moreBody: true))
                    if index == 0 { started.fire() }
                }
                outcome.append("never disconnected")
            } catch is ClientDisconnected {
                outcome.append("ClientDisconnected")
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET /stream HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(await started.wait())
            client.abort()
            let seen = await outcome.waitForCount(1)
            #expect(seen == ["ClientDisconnected"])
        }
    }

    @Test("receive() reports http.disconnect when the client leaves while the app waits", arguments: Backends.all)
    func disconnectWhileWaiting(backend: BackendKind) async throws {
        let outcome = Recorder<String>()
        let bodyRead = Signal()
        let app = App { scope, receive, _ in
            guard case .http = scope else { return }
            // Read the (empty) body, then wait for the disconnect like a long-poll handler.
            _ = try await receive()
            bodyRead.fire()
            let next = try await receive()
            outcome.append(next.type)
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET /wait HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(await bodyRead.wait())
            client.abort()
            #expect(await outcome.waitForCount(1) == ["http.disconnect"])
        }
    }

    @Test("a client that leaves mid-body makes receive() report http.disconnect", arguments: Backends.all)
    func disconnectMidBody(backend: BackendKind) async throws {
        let outcome = Recorder<String>()
        let app = App { scope, receive, _ in
            guard case .http = scope else { return }
            while true {
                let message = try await receive()
                if case .httpRequest(_, let more) = message, more { continue }
                outcome.append(message.type == "http.request" ? "complete body" : message.type)
                return
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\npartial".utf8))
            try await Task.sleep(for: .milliseconds(50))
            client.abort()
            let seen = await outcome.waitForCount(1)
            #expect(seen == ["http.disconnect"])
        }
    }
}
