import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

@Suite("HTTP/1.1 connections on a live server")
struct ConnectionTests {
    /// Answers with the client's port, which identifies the TCP connection.
    static let clientPortApp = App { scope, _, send in
        guard case .http(let request) = scope else { return }
        try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
        try await send(.httpResponseBody("\(request.client?.port ?? -1) \(request.path) \(request.query)"))
    }

    @Test("keep-alive: one connection serves many requests", arguments: Backends.all)
    func keepAliveReuse(backend: BackendKind) async throws {
        try await withServer(Self.clientPortApp, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            var ports = Set<String>()
            for index in 0..<50 {
                let response = try await client.get("/r/\(index)?n=\(index)")
                let parts = response.text.split(separator: " ")
                #expect(response.status == 200)
                #expect(parts.count == 3 && parts[1] == "/r/\(index)" && parts[2] == "n=\(index)")
                ports.insert(String(parts[0]))
            }
            #expect(ports.count == 1)
        }
    }

    @Test("a connection idle past the task linger is served again: whole heads, split heads, EOF and shutdown", arguments: Backends.all)
    func servedAfterIdle(backend: BackendKind) async throws {
        // Longer than HTTPConnectionHandler.taskLinger (20 ms): the connection's task has ended
        // and each of these must start a new one.
        let idle = Duration.milliseconds(80)
        try await withServer(Self.clientPortApp, backend: backend) { (server: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            var ports = Set<String>()
            for index in 0..<4 {
                let response = try await client.get("/idle/\(index)")
                #expect(response.status == 200)
                ports.insert(String(response.text.split(separator: " ")[0]))
                try await Task.sleep(for: idle)
            }
            #expect(ports.count == 1)

            // A head split by an idle gap: its first bytes arrive on a connection with no task.
            try await client.send(raw: Array("GET /split HTTP/1.1\r\nho".utf8))
            try await Task.sleep(for: idle)
            try await client.send(raw: Array("st: x\r\n\r\n".utf8))
            #expect(try await client.readResponse().text.hasSuffix("/split "))

            // The client's EOF on an idle connection closes it.
            let ending = try LiveClient(port: port)
            #expect(try await ending.get("/before-eof").status == 200)
            try await Task.sleep(for: idle)
            ending.shutdownWrite()
            #expect(await ending.isClosedByPeer())

            // A shutdown closes idle connections that have no task.
            try await Task.sleep(for: idle)
            server.shutdown()
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("200 concurrent connections × 100 requests, every response correct", arguments: Backends.all)
    func concurrentConnections(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for connection in 0..<200 {
                    group.addTask {
                        let client = try LiveClient(port: port)
                        var wrong = 0
                        for request in 0..<100 {
                            if (connection + request) % 2 == 0 {
                                let response = try await client.get("/plaintext")
                                if response.status != 200 || response.text != "Hello, World!" { wrong += 1 }
                            } else {
                                let body = Array("c\(connection)-r\(request)".utf8)
                                let response = try await client.post("/echo", body: body)
                                if response.status != 200 || response.body != body { wrong += 1 }
                            }
                        }
                        return wrong
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0)
        }
    }

    @Test("a streamed response (more_body) goes out chunked, piece by piece", arguments: Backends.all)
    func streamedResponse(backend: BackendKind) async throws {
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
            for piece in ["alpha ", "beta ", "gamma"] {
                try await send(.httpResponseBody(piece, moreBody: true))
            }
            try await send(.httpResponseBody(body: [], moreBody: false))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let response = try await client.get("/stream")
            #expect(response.status == 200)
            #expect(response.header("transfer-encoding") == "chunked")
            #expect(response.header("content-length") == nil)
            #expect(response.text == "alpha beta gamma")
            // The connection stays usable after the terminating chunk.
            let second = try await client.get("/stream")
            #expect(second.text == "alpha beta gamma")
        }
    }

    @Test("a chunked request body reaches the app as http.request messages", arguments: Backends.all)
    func chunkedRequestBody(backend: BackendKind) async throws {
        let pieces = Recorder<Int>()
        let app = App { _, receive, send in
            var body: [UInt8] = []
            while case .httpRequest(let chunk, let more) = try await receive() {
                pieces.append(chunk.count)
                body += chunk
                if !more { break }
            }
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: body))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let raw = "POST /upload HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n" + "1;ext=1\r\n \r\n" + "6\r\nworld!\r\n" + "0\r\n\r\n"
            try await client.send(raw: Array(raw.utf8))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello world!")
            #expect(pieces.all.reduce(0, +) == 12)
        }
    }

    @Test("HTTP/1.0 requests are answered and closed unless keep-alive is asked for", arguments: Backends.all)
    func http10(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let closing = try LiveClient(port: port)
            try await closing.send(raw: Array("GET /plaintext HTTP/1.0\r\n\r\n".utf8))
            let first = try await closing.readResponse()
            #expect(first.status == 200)
            #expect(first.text == "Hello, World!")
            #expect(first.header("connection") == "close")
            #expect(await closing.isClosedByPeer())

            let keeping = try LiveClient(port: port)
            try await keeping.send(raw: Array("GET /plaintext HTTP/1.0\r\nconnection: keep-alive\r\n\r\n".utf8))
            let kept = try await keeping.readResponse()
            #expect(kept.header("connection") == "keep-alive")
            try await keeping.send(raw: Array("GET /json HTTP/1.0\r\nconnection: keep-alive\r\n\r\n".utf8))
            #expect(try await keeping.readResponse().text == #"{"message":"Hello, World!"}"#)
        }
    }

    @Test("Connection: close is honoured", arguments: Backends.all)
    func connectionClose(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let response = try await client.get("/plaintext", headers: [("connection", "close")])
            #expect(response.status == 200)
            #expect(response.header("connection") == "close")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("pipelined requests are answered in order", arguments: Backends.all)
    func pipelining(backend: BackendKind) async throws {
        try await withServer(Self.clientPortApp, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let requests = (0..<20).map { "GET /p/\($0) HTTP/1.1\r\nhost: x\r\n\r\n" }.joined()
            try await client.send(raw: Array(requests.utf8))
            for index in 0..<20 {
                let response = try await client.readResponse()
                #expect(response.text.split(separator: " ")[1] == "/p/\(index)")
            }
        }
    }

    @Test("a malformed request gets 400 and the connection is closed", arguments: Backends.all)
    func malformedRequest(backend: BackendKind) async throws {
        let ran = Recorder<String>()
        let app = App { scope, _, send in
            if case .http(let request) = scope { ran.append(request.path) }
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody("ok"))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let raw = "GET /ok HTTP/1.1\r\nhost: x\r\n\r\n"
                + "POST /smuggle HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET /never HTTP/1.1\r\nhost: x\r\n\r\n"
            try await client.send(raw: Array(raw.utf8))
            let first = try await client.readResponse()
            #expect(first.status == 200)
            let second = try await client.readResponse()
            #expect(second.status == 400)
            #expect(second.header("connection") == "close")
            #expect(await client.isClosedByPeer())
            #expect(ran.all == ["/ok"])

            let garbage = try LiveClient(port: port)
            try await garbage.send(raw: Array("\u{1}\u{2}nonsense\r\n\r\n".utf8))
            #expect(try await garbage.readResponse().status == 400)
            #expect(await garbage.isClosedByPeer())
        }
    }
}
