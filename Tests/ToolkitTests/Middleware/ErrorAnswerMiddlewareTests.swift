import Ringway
import RingwayTestSupport
import RingwayToolkit
import Testing

@Suite("ErrorAnswerMiddleware: thrown HTTP errors answered inside the stack")
struct ErrorAnswerMiddlewareTests {
    /// Adds `x-seen: yes` to every response start it passes on.
    struct Tag: Middleware {
        func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
            try await next(scope, receive, Send { message in
                if case .httpResponseStart(let status, var headers, let trailers) = message {
                    headers.append(name: "x-seen", value: "yes")
                    return try await send(.httpResponseStart(status: status, headers: headers, trailers: trailers))
                }
                try await send(message)
            })
        }
    }

    @Test("an error thrown before the response goes through the outer middleware; without it the server answers outside")
    func answeredInside() async throws {
        let failing = App { _, _, _ in throw HTTPError.badRequest("Invalid JSON") }
        let inside = try await TestClient(app: failing.with(Tag(), ErrorAnswerMiddleware())).get("/")
        #expect(inside.status == 400 && inside.text == "Invalid JSON" && inside.header("x-seen") == "yes")
        let outside = try await TestClient(app: failing.with(Tag())).get("/")
        #expect(outside.status == 400 && outside.text == "Invalid JSON" && outside.header("x-seen") == nil)
    }

    @Test("after the response started, and for other errors, the error goes on as thrown")
    func laterErrorsPassOn() async throws {
        let late = App { _, _, send in
            try await send(.httpResponseStart(status: 200))
            throw HTTPError.notFound
        }
        await #expect(throws: HTTPError.self) {
            try await ErrorAnswerMiddleware().handle(.http(HTTPScope(method: "GET", path: "/")), Receive { .httpDisconnect },
                                                     Send { _ in }, next: late)
        }
        struct Other: Error {}
        let other = App { _, _, _ in throw Other() }
        await #expect(throws: Other.self) {
            try await ErrorAnswerMiddleware().handle(.http(HTTPScope(method: "GET", path: "/")), Receive { .httpDisconnect },
                                                     Send { _ in }, next: other)
        }
    }
}
