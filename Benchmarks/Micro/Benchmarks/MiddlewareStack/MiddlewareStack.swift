import Benchmark
import RingwayToolkit

// What stacking middleware costs per request: the same application called bare and under
// five pass-through middleware (`app.with(a, b, c, d, e)`). Allocation counts are what CI
// checks (Thresholds/, 0 for both); the time difference is the stack's cost, for people.
// `App.demoStack` is what `ringway serve` puts in front of its routes with the access log
// hidden by the log level: proxy headers, a request id, logging. The request id is its whole
// allocation count (4 per request, among them the tagging `send` closure and the response's
// grown header arrays; 5 before ScopeValues kept its first two values inline); proxy headers without `x-forwarded-*` and logging below
// its level allocate nothing (`App.loggingOff`; its 5 per sample are the setup's).
// Every benchmark runs its operation 1000 times per sample (scaling factor kilo).

/// A middleware that only passes the scope on: the floor of what any middleware costs.
struct PassThrough: Middleware {
    func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        try await next(scope, receive, send)
    }
}

/// The application under the stack: a response start and an empty body, as `/plaintext` sends
/// (without the body bytes, whose array would be the only allocation).
struct Respond: Application {
    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await send(.httpResponseStart(status: 204))
        try await send(.httpResponseBody(body: [], moreBody: false))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
    )

    // The scope, receive and send a server would pass; made once, as the server's are per request.
    let scope = Scope.http(HTTPScope(method: "GET", path: "/plaintext", headers: [("host", "127.0.0.1:8080"), ("accept", "*/*")]))
    let receive = Receive { .httpRequest(body: [], moreBody: false) }
    let send = Send { message in blackHole(message) }

    Benchmark("App.bare") { benchmark async throws in
        let app = Respond()
        for _ in benchmark.scaledIterations {
            try await app(scope, receive, send)
        }
    }

    Benchmark("App.passThrough5") { benchmark async throws in
        let app = Respond().with(PassThrough(), PassThrough(), PassThrough(), PassThrough(), PassThrough())
        for _ in benchmark.scaledIterations {
            try await app(scope, receive, send)
        }
    }

    Benchmark("App.demoStack") { benchmark async throws in
        // Lines at trace, under the default logger's info level: the logging middleware passes through.
        let app = Respond().with(ProxyHeadersMiddleware(), RequestIDMiddleware(), LoggingMiddleware(level: .trace))
        for _ in benchmark.scaledIterations {
            try await app(scope, receive, send)
        }
    }

    // The demo stack's parts alone.
    Benchmark("App.requestID") { benchmark async throws in
        let app = Respond().with(RequestIDMiddleware())
        for _ in benchmark.scaledIterations {
            try await app(scope, receive, send)
        }
    }

    Benchmark("App.loggingOff") { benchmark async throws in
        let app = Respond().with(ProxyHeadersMiddleware(), LoggingMiddleware(level: .trace))
        for _ in benchmark.scaledIterations {
            try await app(scope, receive, send)
        }
    }
}
