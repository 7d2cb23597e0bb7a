import Ringway
import RingwayTestSupport
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("an in-flight slow request finishes; idle connections close; new ones are refused", arguments: Backends.all)
    func inFlightRequestFinishes(backend: BackendKind) async throws {
        let inside = Signal()
        let release = Signal()
        let app = App { scope, _, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/slow" {
                inside.fire()
                #expect(await release.wait(timeout: .seconds(20)))
            }
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody("done \(request.path)"))
        }
        // One loop: the drain asks every connection of a loop to finish in one pass, so once the
        // idle connection is closed the slow one has been told too (with two loops, a slow
        // machine could release the request before its loop got the word: no `connection: close`).
        let configuration = ServerConfiguration(port: 0, backend: backend, loops: 1)
        try await serving(app, configuration: configuration) { running in
            let port = running.port
            let idle = try LiveClient(port: port)
            #expect(try await idle.get("/fast").text == "done /fast")
            let slow = try LiveClient(port: port)
            try await slow.send(raw: Array("GET /slow HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(await inside.wait())

            running.server.shutdown()
            // The idle keep-alive connection is closed by the drain.
            #expect(await idle.isClosedByPeer())
            // Listeners are closed: a new connection is refused.
            var refused = false
            for _ in 0..<2000 {
                if (try? LiveClient(port: port)) == nil { refused = true; break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(refused)

            release.fire()
            let response = try await slow.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "done /slow")
            #expect(response.header("connection") == "close")
            try await running.finished()
        }
    }

    @Test("the shutdown timeout closes requests that do not finish", arguments: [BackendKind.ioUring, .epoll])
    func shutdownTimeout(backend: BackendKind) async throws {
        let inside = Signal()
        let app = App { scope, receive, _ in
            guard case .http = scope else { return }
            inside.fire()
            _ = try await receive()
            _ = try await receive()  // waits for a disconnect that only the server's timeout brings
        }
        let configuration = ServerConfiguration(port: 0, backend: backend, loops: 1, shutdownTimeout: .milliseconds(200))
        try await serving(app, configuration: configuration) { running in
            let stuck = try LiveClient(port: running.port)
            try await stuck.send(raw: Array("GET /stuck HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(await inside.wait())
            running.server.shutdown()
            try await running.finished()
            #expect(await stuck.isClosedByPeer())
        }
    }
}
