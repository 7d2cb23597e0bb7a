import Ringway
import RingwayTestSupport
import Testing

@Suite("Lifespan")
struct LifespanTests {
    @Test("startup runs before serving, its state reaches requests, shutdown runs after draining", arguments: Backends.all)
    func startupAndShutdown(backend: BackendKind) async throws {
        let events = Recorder<String>()
        let app = App { scope, receive, send in
            switch scope {
            case .lifespan(let lifespan):
                while true {
                    switch try await receive() {
                    case .lifespanStartup:
                        lifespan.state["greeting"] = "hello from startup"
                        events.append("startup")
                        try await send(.lifespanStartupComplete)
                    case .lifespanShutdown:
                        events.append("shutdown")
                        try await send(.lifespanShutdownComplete)
                        return
                    default:
                        return
                    }
                }
            case .http(let request):
                events.append("request")
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody((request.state["greeting"] as? String) ?? "no state"))
            case .websocket:
                return
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            #expect(events.all == ["startup"])
            let response = try await LiveClient(port: port).get("/")
            #expect(response.text == "hello from startup")
        }
        #expect(events.all == ["startup", "request", "shutdown"])
    }

    @Test("lifespan.startup.failed stops the server with the app's message", arguments: Backends.all)
    func startupFailure(backend: BackendKind) async throws {
        let app = App { scope, receive, send in
            guard case .lifespan = scope else { return }
            _ = try await receive()
            try await send(.lifespanStartupFailed(message: "database unreachable"))
        }
        let server = Server(app: app, configuration: ServerConfiguration(port: 0, backend: backend), logger: testLogger)
        await #expect(throws: LifespanError.startupFailed("database unreachable")) {
            try await server.run()
        }
        await #expect(throws: LifespanError.self) { _ = try await server.waitUntilListening() }
        #expect(server.boundAddress == nil)
    }

    @Test("an app without lifespan support still serves (lifespan auto)", arguments: Backends.all)
    func lifespanUnsupported(backend: BackendKind) async throws {
        struct NoLifespan: Error {}
        let app = App { scope, _, send in
            guard case .http = scope else { throw NoLifespan() }
            try await send(.httpResponseStart(status: 204))
            try await send(.httpResponseBody())
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            #expect(try await LiveClient(port: port).get("/").status == 204)
        }
    }
}
