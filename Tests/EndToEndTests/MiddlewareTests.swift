import Ringway
import RingwayTestSupport
import Synchronization
import Testing

// Middleware written as a user of Ringway would: applications wrapping applications, with
// `Send`/`Receive` made from closures and typed per-request values on the scope.

/// Records one line per HTTP request — method, path, status, body bytes received — by
/// wrapping the `send` and `receive` it passes on.
struct AccessLog<Next: Application>: Application {
    let next: Next
    let lines: Recorder<String>

    /// What the wrapped callables saw; shared with their closures.
    final class Seen: Sendable {
        let status = Mutex<Int?>(nil)
        let bodyBytes = Atomic<Int>(0)
    }

    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        guard case .http(let request) = scope else { return try await next(scope, receive, send) }
        let seen = Seen()
        let countingReceive = Receive {
            let message = try await receive()
            if case .httpRequest(let body, _) = message { seen.bodyBytes.add(body.count, ordering: .relaxed) }
            return message
        }
        let statusSend = Send { message in
            if case .httpResponseStart(let status, _, _) = message { seen.status.withLock { $0 = status } }
            try await send(message)
        }
        try await next(scope, countingReceive, statusSend)
        let status = seen.status.withLock { $0 }.map(String.init) ?? "-"
        lines.append("\(request.method) \(scope.path) \(status) \(seen.bodyBytes.load(ordering: .relaxed))")
    }
}

/// The user a request authenticated as.
struct User: Sendable, Equatable {
    var name: String
}

/// The typed scope value `Authenticate` sets.
enum CurrentUser: ScopeValueKey {
    typealias Value = User
}

/// Sets `CurrentUser` from an `x-user` header, or answers 401 itself.
struct Authenticate<Next: Application>: Application {
    let next: Next

    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        guard case .http = scope else { return try await next(scope, receive, send) }
        guard let name = scope.headers["x-user"] else {
            try await send(.httpResponseStart(status: 401))
            try await send(.httpResponseBody(body: Array("who are you?".utf8)))
            return
        }
        var scope = scope
        scope.values[CurrentUser.self] = User(name: name)
        try await next(scope, receive, send)
    }
}

/// The handler behind both: greets the current user, echoing the body's size and the query.
let greeter = App { scope, receive, send in
    var received = 0
    while true {
        guard case .httpRequest(let body, let more) = try await receive() else { break }
        received += body.count
        if !more { break }
    }
    let user: User? = scope.values[CurrentUser.self]
    let text = "hello \(user?.name ?? "nobody"), \(received) bytes, query \(scope.query)"
    try await send(.httpResponseStart(status: user == nil ? 500 : 200, headers: [("content-type", "text/plain")]))
    try await send(.httpResponseBody(body: Array(text.utf8)))
}

@Suite("Middleware")
struct MiddlewareTests {
    @Test("a logging middleware sees each response's status and request body through wrapped send and receive")
    func accessLog() async throws {
        let lines = Recorder<String>()
        let client = TestClient(app: AccessLog(next: Authenticate(next: greeter), lines: lines))

        let greeted = try await client.request("POST", "/hello?lang=en", headers: [("x-user", "ada")], bodyChunks: [Array("abc".utf8), Array("de".utf8)])
        #expect(greeted.status == 200)
        #expect(greeted.text == "hello ada, 5 bytes, query lang=en")

        let refused = try await client.get("/hello")
        #expect(refused.status == 401)

        #expect(lines.all == ["POST /hello 200 5", "GET /hello 401 0"])
    }

    @Test("a typed value set by middleware reaches the handler; without the middleware it is absent")
    func typedValues() async throws {
        let authenticated = try await TestClient(app: Authenticate(next: greeter)).get("/", headers: [("x-user", "grace")])
        #expect(authenticated.text == "hello grace, 0 bytes, query ")
        let bare = try await TestClient(app: greeter).get("/")
        #expect(bare.status == 500)
        #expect(bare.text == "hello nobody, 0 bytes, query ")
    }
}
