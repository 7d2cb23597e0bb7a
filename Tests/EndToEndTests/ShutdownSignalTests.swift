import Ringway
import RingwayTestSupport
import Testing

@Suite("ShutdownSignal")
struct ShutdownSignalTests {
    @Test("handlers run once on trigger, a cancelled one never, a late one at once; waiters resume")
    func lifecycle() async {
        let signal = ShutdownSignal()
        let calls = Recorder<String>()
        signal.onShutdown { calls.append("a") }
        let cancelled = signal.onShutdown { calls.append("cancelled") }
        cancelled.cancel()
        #expect(!signal.isTriggered)
        async let waited: Void = signal.wait()
        signal.trigger()
        signal.trigger()  // once
        await waited
        #expect(calls.all == ["a"])
        signal.onShutdown { calls.append("late") }
        #expect(calls.all == ["a", "late"])
    }

    @Test("every HTTP and WebSocket scope carries the server's signal, triggered when shutdown starts")
    func inScopes() async throws {
        let seen = Recorder<ShutdownSignal>()
        let app = App { scope, receive, send in
            switch scope {
            case .http:
                if let signal = scope.shutdownSignal { seen.append(signal) }
                try await send(.httpResponseStart(status: 204))
                try await send(.httpResponseBody())
            case .websocket:
                if let signal = scope.shutdownSignal { seen.append(signal) }
                _ = try await receive()
                try await send(.websocketClose())
            case .lifespan:
                #expect(scope.shutdownSignal == nil)
            }
        }
        try await TestClient(app: app).withSession { (session: TestSession) async throws in
            _ = try await session.get("/")
            _ = try? await session.websocket("/ws")
        }
        let signals = seen.all
        #expect(signals.count == 2)
        #expect(signals.allSatisfy { $0 === signals[0] && $0.isTriggered })
    }
}
