import Benchmark
import RingwayToolkit

// The router's hot paths. As in Codecs: allocation counts are what CI checks (Thresholds/,
// counts per 1000 operations, scaling factor kilo), times are for people. Tables are built
// when the benchmarks are registered, outside every measurement.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
    )

    let seed10 = RouteSets.build(RouteSets.seed10)
    let api200 = RouteSets.build(RouteSets.api200)
    let github130 = RouteSets.build(RouteSets.github130.map { ("GET", $0) })

    // MARK: Lookup (resolve: the walk and the match, calling nothing)

    let lookups: [(name: String, app: RouterApplication, method: String, path: String)] = [
        ("lookup.seed10.static", seed10, "GET", "/home"),
        ("lookup.seed10.param", seed10, "GET", "/users/42"),
        ("lookup.seed10.catchAll", seed10, "GET", "/static/css/site.css"),
        ("lookup.seed10.miss", seed10, "GET", "/nowhere/at/all"),
        ("lookup.api200.static", api200, "GET", "/user/repos"),
        ("lookup.api200.param", api200, "GET", "/repos/rust-lang/rust/stargazers"),
        ("lookup.api200.catchAll", api200, "GET", "/assets3/css/site.css"),
        ("lookup.api200.miss", api200, "GET", "/repos/rust-lang/rust/nothing/here"),
        ("lookup.api200.backtrack", api200, "GET", "/teams/me/repos"),
        ("lookup.api200.percentEncoded", api200, "GET", "/repos/rust%2Dlang/rust/stargazers"),
        ("lookup.api200.methodNotAllowed", api200, "DELETE", "/user/repos"),
    ]
    for (name, app, method, path) in lookups {
        let rawPath = Array(path.utf8)
        Benchmark(name) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(app.resolve(method: method, rawPath: rawPath))
            }
        }
    }

    // matchit's shapes: its four paths, and one path per route (130 lookups per operation).
    let four = RouteSets.githubFour.map { Array($0.utf8) }
    Benchmark("lookup.github130.four") { benchmark in
        for _ in benchmark.scaledIterations {
            for path in four { blackHole(github130.resolve(method: "GET", rawPath: path)) }
        }
    }
    let all = RouteSets.githubPaths.map { Array($0.utf8) }
    Benchmark("lookup.github130.all") { benchmark in
        for _ in benchmark.scaledIterations {
            for path in all { blackHole(github130.resolve(method: "GET", rawPath: path)) }
        }
    }

    // MARK: Dispatch (callAsFunction: lookup, scope copy, parameter value, a no-op handler
    // or the prebuilt 404/405 through a closure send)
    //
    // Thresholds: p50 is 0 allocations per 1000 dispatches; p90 is 2 per 1000 in
    // `thresholds check` runs (0 in some plain runs), on the static route and the prebuilt
    // answers alike, so it is not the parameter value: a per-sample cost of running an async
    // body. A per-request allocation would read 1000. The committed thresholds are 2, with
    // a tolerance of 4 (the harness's count moves between 0 and 2 from run to run; CI must
    // not flake on it, and 1000 still fails).
    let asyncDispatch = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 300], absolute: [.p90: 4])])

    let receive = Receive { .httpDisconnect }
    let send = Send { message in blackHole(message) }
    let dispatches: [(name: String, method: String, path: String)] = [
        ("dispatch.seed10.static", "GET", "/home"),
        ("dispatch.seed10.param", "GET", "/users/42"),
        ("dispatch.seed10.notFound", "GET", "/nowhere"),
        ("dispatch.seed10.methodNotAllowed", "DELETE", "/api"),
    ]
    // The async harness alone: the no-op handler called directly, without the router. What
    // it allocates per sample (not per call) is package-benchmark's, and the dispatch
    // benchmarks carry the same amount.
    let direct = Scope.http(HTTPScope(method: "GET", path: "/home"))
    Benchmark("dispatch.baseline", configuration: asyncDispatch) { benchmark in
        for _ in benchmark.scaledIterations {
            try await RouteSets.noop(direct, receive, send)
        }
    }
    for (name, method, path) in dispatches {
        let scope = Scope.http(HTTPScope(method: method, path: path))
        Benchmark(name, configuration: asyncDispatch) { benchmark in
            for _ in benchmark.scaledIterations {
                try await seed10(scope, receive, send)
            }
        }
    }

    // The contract prerequisite: the first value set on a scope costs no allocation.
    enum RequestID: ScopeValueKey { typealias Value = UInt64 }
    let plain = HTTPScope(method: "GET", path: "/")
    Benchmark("ScopeValues.setOne") { benchmark in
        for index in benchmark.scaledIterations {
            var scope = plain
            scope.values[RequestID.self] = UInt64(index)
            blackHole(scope.values[RequestID.self])
        }
    }
}
