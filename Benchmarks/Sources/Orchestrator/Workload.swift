import ToolkitWorkload

/// One load shape from the benchmark matrix, e.g. `plaintext` (GET, 64 connections), `ws-16k` (WebSocket echo),
/// `sse-fanout-1k` (1,000 SSE subscribers, one publisher) or `toolkit` (`GET /users/{id}` among 50 routes).
struct Workload: Sendable, Hashable {
    /// Which routes the server is started with.
    enum Routes: Sendable, Hashable {
        /// The benchmark routes (`/plaintext`, `/json`, `/echo`, `/ws/echo`, the SSE topics).
        case benchmark
        /// The toolkit workload's 50 routes (`ToolkitRoutes`), each framework's request logging on or off.
        case toolkit(logging: Bool)
    }

    /// How the load generator drives the server.
    enum Mode: String, Sendable, Codable {
        case http
        case ws
        /// SSE fan-out: `connections` subscribers on one topic, one publisher (`SSERun`).
        case sse
    }

    let name: String
    let mode: Mode
    let path: String
    let connections: Int
    var pipeline = 1
    var method = "GET"
    var bodySize = 0
    var messageSize = 0
    /// SSE: events published but not yet received by every subscriber, at most.
    var outstanding = 4
    var routes = Routes.benchmark
    /// `ringway-load --path-template`: the path with `{n}`, varied per request (replaces `path`).
    var pathTemplate: String?
    /// `ringway-load --expect-body`: the body every answer must have, `{n}` its request's id.
    var expectBody: String?
    /// A short description for the report.
    let summary: String

    /// The unit its throughput is counted in.
    var unit: String { Self.unit(of: mode) }

    /// The unit throughput is counted in for `mode`.
    static func unit(of mode: Mode) -> String {
        switch mode {
        case .http: "req/s"
        case .ws: "msg/s"
        case .sse: "events/s"
        }
    }

    /// Every load workload, in report order.
    static let all: [Workload] = [
        Workload(name: "plaintext", mode: .http, path: "/plaintext", connections: 64, summary: "GET /plaintext, 64 connections"),
        Workload(name: "json", mode: .http, path: "/json", connections: 64, summary: "GET /json, 64 connections"),
        Workload(
            name: "pipelined", mode: .http, path: "/plaintext", connections: 64, pipeline: 16,
            summary: "GET /plaintext, 64 connections, 16 requests pipelined per connection"),
        Workload(
            name: "post-1k", mode: .http, path: "/echo", connections: 64, method: "POST", bodySize: 1024,
            summary: "POST /echo with a 1 KiB body, 64 connections"),
        Workload(
            name: "ws-64", mode: .ws, path: "/ws/echo", connections: 64, messageSize: 64,
            summary: "WebSocket echo of 64 B messages, 64 connections"),
        Workload(
            name: "ws-16k", mode: .ws, path: "/ws/echo", connections: 64, messageSize: 16 * 1024,
            summary: "WebSocket echo of 16 KiB messages, 64 connections"),
        Workload(name: "plaintext-c1", mode: .http, path: "/plaintext", connections: 1, summary: "GET /plaintext, 1 connection"),
        Workload(
            name: "sse-fanout-1k", mode: .sse, path: "/sse/topics/fanout", connections: 1_000,
            summary: "SSE fan-out: 1,000 subscribers on one topic, one publisher, at most 4 events outstanding"),
        Workload(
            name: "sse-fanout-10k", mode: .sse, path: "/sse/topics/fanout", connections: 10_000,
            summary: "SSE fan-out: 10,000 subscribers on one topic, one publisher, at most 4 events outstanding"),
        toolkit(logging: true),
        toolkit(logging: false),
    ]

    /// The toolkit workload: `GET /users/{id}` (id 1…10,000, cycling per request) among 50 routes, answered
    /// `{"id":<id>,"name":"user <id>"}` from an `Encodable` through each framework's router and JSON path,
    /// with its request-logging middleware writing every request to a file (`toolkit`) or off (`toolkit-nolog`).
    static func toolkit(logging: Bool) -> Workload {
        Workload(
            name: logging ? "toolkit" : "toolkit-nolog", mode: .http, path: "/users/1", connections: 64,
            routes: .toolkit(logging: logging), pathTemplate: ToolkitRoutes.measuredPathTemplate,
            expectBody: ToolkitRoutes.measuredBodyTemplate,
            summary: "GET /users/{id} with the id varying per request, among \(ToolkitRoutes.count) routes: each framework's "
                + "router, its JSON encoding of an `Encodable` and "
                + (logging ? "its request-logging middleware writing every request to a file" : "no request logging")
                + "; 64 connections")
    }

    /// Whether it is one of the toolkit workloads.
    var isToolkit: Bool { routes != .benchmark }

    /// Name of the idle-connections check, selectable next to the load workloads.
    static let idleName = "idle-10k"

    /// Name of the allocations check, selectable next to the load workloads.
    static let allocationsName = "allocations"

    /// Workloads the allocations check counts (each contender: those it serves).
    static let allocationWorkloads = ["plaintext", "json", "pipelined", "post-1k", "ws-64", "toolkit-nolog"]

    /// Every selectable name: the load workloads, the idle-connections check and the allocations check.
    static let allNames = all.map(\.name) + [idleName, allocationsName]

    /// Looks a load workload up by name.
    static func named(_ name: String) -> Workload? {
        all.first { $0.name == name }
    }

    /// The whole load-generator command for one run against `port`, pinned to `cpu` when given.
    func loadCommand(paths: Paths, port: Int, cpu: Int?, duration: Double, warmup: Double) -> [String] {
        (cpu.map { ["taskset", "-c", String($0)] } ?? []) + [paths.load.path]
            + loadArguments(port: port, duration: duration, warmup: warmup)
    }

    /// The load generator's arguments (after the executable) to drive a server on `port` for one run.
    func loadArguments(port: Int, duration: Double, warmup: Double) -> [String] {
        if mode == .sse {
            return [
                "sse", "--url", "http://127.0.0.1:\(port)\(path)", "--subscribers", String(connections),
                "--outstanding", String(outstanding), "--idle-hold", Self.format(SSERun.idleHold),
                "--subscribe-timeout", Self.format(SSERun.subscribeTimeout),
                "--duration", Self.format(duration), "--warmup", Self.format(warmup), "--json",
            ]
        }
        let scheme = mode == .ws ? "ws" : "http"
        var arguments = [
            mode.rawValue,
            "--url", "\(scheme)://127.0.0.1:\(port)\(path)",
            "--connections", String(connections),
        ]
        if pipeline > 1 { arguments += ["--pipeline", String(pipeline)] }
        if method != "GET" { arguments += ["--method", method] }
        if bodySize > 0 { arguments += ["--body-size", String(bodySize)] }
        if messageSize > 0 { arguments += ["--message-size", String(messageSize)] }
        if let pathTemplate { arguments += ["--path-template", pathTemplate] }
        if let expectBody { arguments += ["--expect-body", expectBody] }
        arguments += ["--duration", Self.format(duration), "--warmup", Self.format(warmup), "--json"]
        return arguments
    }

    /// Seconds as the shortest decimal (`10`, `0.5`).
    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
