import RingwayTestSupport
import RingwayToolkit
import Testing

/// Appends its name to a trace before and after the rest of the stack.
struct TracingMiddleware: Middleware {
    let name: String
    let trace: MiddlewareSeen<String>

    func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        trace.append("> \(name)")
        try await next(scope, receive, send)
        trace.append("< \(name)")
    }
}

/// The seed's pure ASGI middleware: an application holding the next one, wrapping `send`.
struct SeedStyleWrapper<Next: Application>: Application {
    let next: Next
    let trace: MiddlewareSeen<String>

    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        trace.append("> wrapper")
        try await next(scope, receive, Send { message in
            if case .httpResponseStart(let status, _, _) = message { trace.append("wrapper saw \(status)") }
            try await send(message)
        })
        trace.append("< wrapper")
    }
}

/// The user a middleware authenticated (a typed scope value).
enum AuthenticatedUser: ScopeValueKey {
    typealias Value = String
}

struct AuthenticationMiddleware: Middleware {
    func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        var scope = scope
        scope.values[AuthenticatedUser.self] = scope.headers["x-user"]
        try await next(scope, receive, send)
    }
}

@Suite("Middleware stacks")
struct MiddlewareStackTests {
    @Test("with(a, b, c): the first listed runs first and sees the response last")
    func order() async throws {
        let trace = MiddlewareSeen<String>()
        let app = App { _, _, send in
            trace.append("app")
            try await send(.httpResponseStart(status: 204))
            try await send(.httpResponseBody())
        }.with(TracingMiddleware(name: "a", trace: trace), TracingMiddleware(name: "b", trace: trace), TracingMiddleware(name: "c", trace: trace))
        let response = try await TestClient(app: app).get("/")
        #expect(response.status == 204)
        #expect(trace.all == ["> a", "> b", "> c", "app", "< c", "< b", "< a"])
    }

    @Test("chained with calls and every arity nest in the documented order")
    func chainedAndArities() async throws {
        let trace = MiddlewareSeen<String>()
        func m(_ name: String) -> TracingMiddleware { TracingMiddleware(name: name, trace: trace) }
        let app = Fixture.text("ok").with(m("5"), m("6")).with(m("1"), m("2"), m("3"), m("4"))
        _ = try await Fixture.call(app, Fixture.http())
        #expect(trace.all.prefix(6) == ["> 1", "> 2", "> 3", "> 4", "> 5", "> 6"])
        let six = Fixture.text("ok").with(m("a"), m("b"), m("c"), m("d"), m("e"), m("f"))
        let before = trace.all.count
        _ = try await Fixture.call(six, Fixture.http())
        #expect(trace.all.dropFirst(before).prefix(6).elementsEqual(["> a", "> b", "> c", "> d", "> e", "> f"]))
    }

    @Test("the seed's ASGI wrapper and typed middleware compose both ways")
    func composesWithASGIWrapper() async throws {
        let trace = MiddlewareSeen<String>()
        let inner = Fixture.text("hi").with(TracingMiddleware(name: "typed-inner", trace: trace))
        let app = SeedStyleWrapper(next: inner, trace: trace).with(TracingMiddleware(name: "typed-outer", trace: trace))
        let response = try await TestClient(app: app).get("/")
        #expect(response.text == "hi")
        #expect(trace.all == ["> typed-outer", "> wrapper", "> typed-inner", "wrapper saw 200", "< typed-inner", "< wrapper", "< typed-outer"])
    }

    @Test("a typed value set by middleware reaches the handler")
    func typedContext() async throws {
        let app = App { scope, _, send in
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody("user=\(scope.values[AuthenticatedUser.self] ?? "none")"))
        }
        #expect(try await TestClient(app: app.with(AuthenticationMiddleware())).get("/", headers: [("x-user", "ada")]).text == "user=ada")
        #expect(try await TestClient(app: app).get("/", headers: [("x-user", "ada")]).text == "user=none")
    }

    @Test("a nil optional middleware passes through; a present one runs")
    func optionalMiddleware() async throws {
        let trace = MiddlewareSeen<String>()
        let absent: TracingMiddleware? = nil
        _ = try await Fixture.call(Fixture.text("ok").with(absent), Fixture.http())
        #expect(trace.all.isEmpty)
        let present: TracingMiddleware? = TracingMiddleware(name: "on", trace: trace)
        _ = try await Fixture.call(Fixture.text("ok").with(present), Fixture.http())
        #expect(trace.all == ["> on", "< on"])
    }

    @Test("on(pathPrefix:) runs for the prefix and below only, on whole segments", arguments: [
        ("/api", true), ("/api/", true), ("/api/users/7", true), ("/apis", false), ("/", false), ("/other/api", false), ("/ap", false),
    ])
    func pathScoped(path: String, runs: Bool) async throws {
        let trace = MiddlewareSeen<String>()
        let app = Fixture.text("ok").with(TracingMiddleware(name: "api", trace: trace).on(pathPrefix: "/api/"))
        let response = try await TestClient(app: app).get(path)
        #expect(response.text == "ok")
        #expect(trace.all == (runs ? ["> api", "< api"] : []))
    }

    @Test("path scoping skips lifespan and applies to WebSocket paths")
    func pathScopedKinds() async throws {
        let trace = MiddlewareSeen<String>()
        let scoped = TracingMiddleware(name: "ws", trace: trace).on(pathPrefix: "/ws")
        #expect(scoped.matches("/ws") && scoped.matches("/ws/room") && !scoped.matches("/wsx"))
        let app = App { _, _, _ in }.with(scoped)
        try await app(.lifespan(LifespanScope()), Receive { .lifespanStartup }, Send { _ in })
        #expect(trace.all.isEmpty)
        try await app(.websocket(WebSocketScope(path: "/ws/room")), Receive { .websocketConnect }, Send { _ in })
        #expect(trace.all == ["> ws", "< ws"])
    }

    @Test("a streamed response passes through the stack unbuffered: the first chunk arrives before the second is sent")
    func streamingPassesThrough() async throws {
        let secondMayGo = TestGate()
        let streaming = App { _, _, send in
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.httpResponseBody("first", moreBody: true))
            await secondMayGo.wait()  // held until the client has read the first chunk
            try await send(.httpResponseBody("second", moreBody: false))
        }
        let logs = LogCapture()
        let app = streaming.with(RequestIDMiddleware(), LoggingMiddleware(logger: logs.logger()),
                                 try CORSMiddleware(allowedOrigins: .any), ProxyHeadersMiddleware())
        try await TestClient(app: app).withSession(lifespan: false) { session in
            let connection = try await session.connect()
            try await connection.send(.get("/stream", headers: [("origin", "https://a.example")]))
            let head = try await connection.readResponseHead()
            #expect(head.status == 200)
            #expect(head.header("access-control-allow-origin") == "*")
            #expect(try await connection.readBodyChunk() == Array("first".utf8))
            secondMayGo.fire()
            #expect(try await connection.readBodyChunk() == Array("second".utf8))
            #expect(try await connection.readBodyChunk() == nil)
        }
    }

    @Test("a Task the handler starts runs on while the stack has returned")
    func backgroundWorkNotBlocked() async throws {
        let finished = TestGate()
        let release = TestGate()
        let done = MiddlewareSeen<String>()
        let app = App { _, _, send in
            Task {
                await release.wait()
                done.append("background")
                finished.fire()
            }
            try await send(.httpResponseStart(status: 202))
            try await send(.httpResponseBody())
        }.with(RequestIDMiddleware(), LoggingMiddleware(logger: LogCapture().logger()))
        let response = try await TestClient(app: app).get("/")
        #expect(response.status == 202)
        #expect(done.all.isEmpty)  // the response came first; the task is still waiting
        release.fire()
        await finished.wait()
        #expect(done.all == ["background"])
    }
}
