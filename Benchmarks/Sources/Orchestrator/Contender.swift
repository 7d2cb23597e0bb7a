import Foundation

/// A server under test: how to start it on a port and which workloads it can serve.
struct Contender: Sendable, Hashable {
    /// What kind of server it is, which decides its command line.
    enum Kind: Sendable, Hashable {
        case ringway(backend: String)
        case nio
        case hummingbird
        case vapor
        /// `ringway-toolkit-peer --mode raw|toolkit`: the toolkit workload only.
        case ringwayToolkit(mode: String)
        case nginx
        case uvicorn
        case granian
        /// The SSE routes on Starlette with sse-starlette, under `uvicorn` or `granian`.
        case sseStarlette(server: String)
    }

    let name: String
    let kind: Kind

    /// Serves `/ws/echo` (nio-peer and nginx are HTTP only).
    var servesWebSocket: Bool { kind != .nginx && kind != .nio && !isSSEOnly && !isToolkitPeer }
    /// Serves `POST /echo`.
    var servesEcho: Bool { kind != .nginx && !isSSEOnly && !isToolkitPeer }
    /// Serves the toolkit workload's routes: ringway-toolkit-peer, hummingbird-peer and vapor-peer.
    var servesToolkit: Bool { isToolkitPeer || kind == .hummingbird || kind == .vapor }
    /// ringway-toolkit-peer, which serves the toolkit workload and nothing else.
    var isToolkitPeer: Bool {
        if case .ringwayToolkit = kind { return true }
        return false
    }
    /// Serves `GET`/`POST /sse/topics/{topic}`: Ringway's demo, hummingbird-peer and the sse-starlette apps.
    var servesSSE: Bool { isRingway || kind == .hummingbird || isSSEOnly }
    /// Serves the SSE routes and nothing else (the sse-starlette apps).
    var isSSEOnly: Bool {
        if case .sseStarlette = kind { return true }
        return false
    }
    /// A Ringway backend of `ringway serve` (the root package's executable).
    var isRingway: Bool {
        if case .ringway = kind { return true }
        return false
    }

    /// Ringway in any form (`ringway serve` or ringway-toolkit-peer), compared against the peers in the report.
    var isRingwayFamily: Bool { isRingway || isToolkitPeer }

    /// Whether it can run `workload`.
    func serves(_ workload: Workload) -> Bool {
        if workload.isToolkit { return servesToolkit }
        if isToolkitPeer { return false }
        return switch workload.mode {
        case .ws: servesWebSocket
        case .http: !isSSEOnly && (workload.method == "POST" ? servesEcho : true)
        case .sse: servesSSE
        }
    }

    /// Every contender, in report order.
    static let all: [Contender] = [
        Contender(name: "ringway-io_uring", kind: .ringway(backend: "io_uring")),
        Contender(name: "ringway-epoll", kind: .ringway(backend: "epoll")),
        Contender(name: "ringway-dispatch", kind: .ringway(backend: "dispatch")),
        Contender(name: "nio", kind: .nio),
        Contender(name: "hummingbird", kind: .hummingbird),
        Contender(name: "vapor", kind: .vapor),
        Contender(name: "ringway-toolkit-raw", kind: .ringwayToolkit(mode: "raw")),
        Contender(name: "ringway-toolkit", kind: .ringwayToolkit(mode: "toolkit")),
        Contender(name: "nginx", kind: .nginx),
        Contender(name: "uvicorn", kind: .uvicorn),
        Contender(name: "granian", kind: .granian),
        Contender(name: "sse-starlette-uvicorn", kind: .sseStarlette(server: "uvicorn")),
        Contender(name: "sse-starlette-granian", kind: .sseStarlette(server: "granian")),
    ]

    /// Contenders the idle-connections check runs for unless told otherwise.
    static let defaultIdleNames = ["ringway-io_uring", "ringway-epoll", "nio", "hummingbird", "vapor"]

    /// Contenders the allocations check runs for unless told otherwise (the Swift servers: the shim counts
    /// glibc's malloc, which they all use; the Python servers' counts would be the interpreter's).
    static let defaultAllocationNames = [
        "ringway-io_uring", "ringway-epoll", "nio", "hummingbird", "vapor", "ringway-toolkit-raw", "ringway-toolkit",
    ]

    /// The baseline every ratio column divides by.
    static let baselineName = "ringway-io_uring"

    /// The toolkit workloads' baseline: the raw `App` closure on the same server.
    static let toolkitBaselineName = "ringway-toolkit-raw"

    /// Looks a contender up by name.
    static func named(_ name: String) -> Contender? {
        all.first { $0.name == name }
    }

    /// The command (executable and arguments, without pinning) that serves `routes` on `port`.
    ///
    /// `scratch` is a private temporary directory for config files (nginx), the ASGI app (Python servers) or
    /// the toolkit workload's access log (`accessLog(in:)`).
    func command(port: Int, paths: Paths, scratch: URL, routes: Workload.Routes = .benchmark) throws -> [String] {
        // The toolkit peers' flags: the 50 routes, and the request log to a file when it is on.
        var toolkit: [String] {
            guard case .toolkit(let logging) = routes else { return [] }
            return ["--toolkit"] + (logging ? ["--access-log", Self.accessLog(in: scratch).path] : [])
        }
        switch kind {
        case .ringway(let backend):
            return [
                paths.ringway.path, "serve", "--host", "127.0.0.1", "--port", String(port), "--backend", backend,
                "--loops", "1", "--log-level", "warning", "--ws-ping-interval", "0",
                // The 10k fan-out holds 10,000 streams and a publisher (the default limit is 10,000).
                "--max-connections", "20000",
            ]
        case .nio:
            return [paths.nioPeer.path, "--host", "127.0.0.1", "--port", String(port), "--threads", "1"]
        case .hummingbird:
            return [paths.hummingbirdPeer.path, "--host", "127.0.0.1", "--port", String(port), "--threads", "1"] + toolkit
        case .vapor:
            return [paths.vaporPeer.path, "--host", "127.0.0.1", "--port", String(port), "--threads", "1"] + toolkit
        case .ringwayToolkit(let mode):
            // raw logs nothing, in either toolkit workload: it is the floor the toolkit's cost is measured from.
            let logging = if case .toolkit(logging: true) = routes, mode == "toolkit" { true } else { false }
            return [
                paths.toolkitPeer.path, "--host", "127.0.0.1", "--port", String(port), "--backend", "io_uring", "--loops", "1",
                "--mode", mode,
            ] + (logging ? ["--access-log", Self.accessLog(in: scratch).path] : [])
        case .nginx:
            let config = try PeerFiles.writeNginxConfig(port: port, in: scratch)
            return [paths.nginx ?? "nginx", "-p", scratch.path, "-c", config.path, "-e", scratch.appendingPathComponent("error.log").path]
        case .uvicorn:
            try PeerFiles.writeASGIApp(in: scratch)
            return Self.uvicorn(module: "app", port: port, paths: paths, scratch: scratch)
        case .granian:
            try PeerFiles.writeASGIApp(in: scratch)
            return Self.granian(module: "app", port: port, paths: paths, scratch: scratch)
        case .sseStarlette(let server):
            try PeerFiles.writeSSEApp(in: scratch)
            // granian serves at most `--backpressure` requests at once (default: its backlog, 1024); each stream is one.
            return server == "granian"
                ? Self.granian(module: "sse_app", port: port, paths: paths, scratch: scratch, options: ["--backpressure", "20000"])
                : Self.uvicorn(module: "sse_app", port: port, paths: paths, scratch: scratch)
        }
    }

    /// uvicorn serving `module`'s `app` (uvloop and httptools when importable).
    private static func uvicorn(module: String, port: Int, paths: Paths, scratch: URL) -> [String] {
        var command = [
            paths.python, "-m", "uvicorn", "\(module):app", "--app-dir", scratch.path, "--host", "127.0.0.1", "--port", String(port),
            "--workers", "1", "--log-level", "warning", "--no-access-log",
        ]
        if PythonModules.available("uvloop", python: paths.python) { command += ["--loop", "uvloop"] }
        if PythonModules.available("httptools", python: paths.python) { command += ["--http", "httptools"] }
        return command
    }

    /// granian serving `module`'s `app` over ASGI, one worker and one runtime thread (uvloop when importable), plus `options`.
    private static func granian(module: String, port: Int, paths: Paths, scratch: URL, options: [String] = []) -> [String] {
        var command = [
            paths.python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", String(port),
            "--workers", "1", "--runtime-threads", "1", "--log-level", "warning", "--working-dir", scratch.path,
        ]
        if PythonModules.available("uvloop", python: paths.python) { command += ["--loop", "uvloop"] }
        return command + options + ["\(module):app"]
    }

    /// Where a toolkit peer started in `scratch` writes its request log.
    static func accessLog(in scratch: URL) -> URL { scratch.appendingPathComponent("access.log") }

    /// Why it cannot run here, or `nil` when it can.
    func unavailability(paths: Paths) -> String? {
        switch kind {
        case .ringway:
            FileManager.default.isExecutableFile(atPath: paths.ringway.path) ? nil : "\(paths.ringway.path) not built"
        case .nio:
            FileManager.default.isExecutableFile(atPath: paths.nioPeer.path) ? nil : "\(paths.nioPeer.path) not built"
        case .hummingbird:
            FileManager.default.isExecutableFile(atPath: paths.hummingbirdPeer.path) ? nil : "\(paths.hummingbirdPeer.path) not built"
        case .vapor:
            FileManager.default.isExecutableFile(atPath: paths.vaporPeer.path) ? nil : "\(paths.vaporPeer.path) not built"
        case .ringwayToolkit:
            FileManager.default.isExecutableFile(atPath: paths.toolkitPeer.path) ? nil : "\(paths.toolkitPeer.path) not built"
        case .nginx:
            paths.nginx == nil ? "nginx is not installed" : nil
        case .uvicorn:
            PythonModules.available("uvicorn", python: paths.python) ? nil : "`\(paths.python) -c \"import uvicorn\"` fails"
        case .granian:
            PythonModules.available("granian", python: paths.python) ? nil : "`\(paths.python) -c \"import granian\"` fails"
        case .sseStarlette(let server):
            ["sse_starlette", server].first { !PythonModules.available($0, python: paths.python) }
                .map { "`\(paths.python) -c \"import \($0)\"` fails" }
        }
    }
}
