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
        let partReceived = Signal()
        let app = App { scope, receive, _ in
            guard case .http = scope else { return }
            while true {
                let message = try await receive()
                if case .httpRequest(_, let more) = message, more {
                    partReceived.fire()
                    continue
                }
                outcome.append(message.type == "http.request" ? "complete body" : message.type)
                return
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\npartial".utf8))
            // The reset once the app has the first part (a fixed sleep lost the race on a slow
            // machine: a reset that beats the server's read discards the request unread).
            #expect(await partReceived.wait())
            client.abort()
            let seen = await outcome.waitForCount(1)
            #expect(seen == ["http.disconnect"])
        }
    }
}

@Suite("Backpressure")
struct BackpressureTests {
    @Test("send suspends while the client does not read; nothing is lost when it does", arguments: Backends.all)
    func slowReader(backend: BackendKind) async throws {
        let total = 24 * 1024 * 1024
        let piece = 64 * 1024
        let sent = Recorder<Int>()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200, headers: [("content-length", String(total))]))
            let chunk = [UInt8](repeating: UInt8(ascii: "b"), count: piece)
            for index in 0..<(total / piece) {
                try await send(.httpResponseBody(body: chunk, moreBody: index < total / piece - 1))
                sent.append(piece)
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            // Not reading: the app must stall once kernel buffers and the high-water mark
            // are full. Wait (bounded) until its progress stops.
            var previous = -1
            var stableSamples = 0
            for _ in 0..<200 where stableSamples < 5 {
                try await Task.sleep(for: .milliseconds(20))
                let now = sent.all.count
                stableSamples = now == previous ? stableSamples + 1 : 0
                previous = now
            }
            let stalledAt = sent.all.count * piece
            #expect(stableSamples >= 5, "the app never stalled")
            #expect(stalledAt < total / 2, "send did not apply backpressure: \(stalledAt) bytes accepted")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.body.count == total)
            #expect(response.body.allSatisfy { $0 == UInt8(ascii: "b") })
            #expect(sent.all.count * piece == total)
        }
    }
}

@Suite("Inbound backpressure")
struct InboundBackpressureTests {
    @Test("an app that does not consume the body stops the server reading: the client's upload stalls, nothing is lost", arguments: Backends.all)
    func slowConsumer(backend: BackendKind) async throws {
        let total = 32 * 1024 * 1024  // far beyond kernel socket buffers plus the 256 KiB the server buffers
        let waiting = Signal()
        let release = Signal()
        let received = Recorder<Int>()
        let app = App { scope, receive, send in
            guard case .http = scope else { return }
            waiting.fire()
            #expect(await release.wait(timeout: .seconds(30)))
            var count = 0
            while case .httpRequest(let chunk, let more) = try await receive() {
                count += chunk.count
                if !more { break }
            }
            received.append(count)
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody("\(count)"))
        }
        let http = HTTPServerConfiguration(limits: HTTPParserLimits(maxBodyBytes: 64 << 20))
        try await withServer(app, backend: backend, http: http) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port, timeout: .seconds(30))
            let uploaded = Signal()
            let upload = Task {
                try await client.send(raw: Array("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: \(total)\r\n\r\n".utf8))
                try await client.send(raw: [UInt8](repeating: 0x75, count: total))
                uploaded.fire()
            }
            #expect(await waiting.wait())
            // The app holds the body; give the upload every chance to (wrongly) finish.
            try await Task.sleep(for: .milliseconds(300))
            #expect(!uploaded.isFired, "the server kept reading a body nobody consumed")
            release.fire()
            try await upload.value
            let response = try await client.readResponse()
            #expect(response.text == String(total))
            #expect(received.all == [total])
        }
    }
}
