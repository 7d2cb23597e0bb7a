import Foundation

/// A server under test: how to start it on a port and which workloads it can serve.
struct Contender: Sendable, Hashable {
    /// What kind of server it is, which decides its command line.
    enum Kind: Sendable, Hashable {
        case ringway(backend: String)
        case nio
        case hummingbird
        case nginx
        case uvicorn
        case granian
    }

    let name: String
    let kind: Kind

    /// Serves `/ws/echo` (nio-peer and nginx are HTTP only).
    var servesWebSocket: Bool { kind != .nginx && kind != .nio }
    /// Serves `POST /echo`.
    var servesEcho: Bool { kind != .nginx }
    /// A Ringway backend, compared against the peers in the report.
    var isRingway: Bool {
        if case .ringway = kind { return true }
        return false
    }

    /// Whether it can run `workload`.
    func serves(_ workload: Workload) -> Bool {
        switch workload.mode {
        case .ws: servesWebSocket
        case .http: workload.method == "POST" ? servesEcho : true
        }
    }

    /// Every contender, in report order.
    static let all: [Contender] = [
        Contender(name: "ringway-io_uring", kind: .ringway(backend: "io_uring")),
        Contender(name: "ringway-epoll", kind: .ringway(backend: "epoll")),
        Contender(name: "ringway-dispatch", kind: .ringway(backend: "dispatch")),
        Contender(name: "nio", kind: .nio),
        Contender(name: "hummingbird", kind: .hummingbird),
        Contender(name: "nginx", kind: .nginx),
        Contender(name: "uvicorn", kind: .uvicorn),
        Contender(name: "granian", kind: .granian),
    ]

    /// Contenders the idle-connections check runs for unless told otherwise.
    static let defaultIdleNames = ["ringway-io_uring", "ringway-epoll", "nio", "hummingbird"]

    /// Contenders the allocations check runs for unless told otherwise (the Swift servers: the shim counts
    /// glibc's malloc, which they all use; the Python servers' counts would be the interpreter's).
    static let defaultAllocationNames = ["ringway-io_uring", "ringway-epoll", "nio", "hummingbird"]

    /// The baseline every ratio column divides by.
    static let baselineName = "ringway-io_uring"

    /// Looks a contender up by name.
    static func named(_ name: String) -> Contender? {
        all.first { $0.name == name }
    }

    /// The command (executable and arguments, without pinning) that serves on `port`.
    ///
    /// `scratch` is a private temporary directory for config files (nginx) or the ASGI app (Python servers).
    func command(port: Int, paths: Paths, scratch: URL) throws -> [String] {
        switch kind {
        case .ringway(let backend):
            return [
                paths.ringway.path, "serve", "--host", "127.0.0.1", "--port", String(port), "--backend", backend,
                "--loops", "1", "--log-level", "warning", "--ws-ping-interval", "0",
            ]
        case .nio:
            return [paths.nioPeer.path, "--host", "127.0.0.1", "--port", String(port), "--threads", "1"]
        case .hummingbird:
            return [paths.hummingbirdPeer.path, "--host", "127.0.0.1", "--port", String(port), "--threads", "1"]
        case .nginx:
            let config = try PeerFiles.writeNginxConfig(port: port, in: scratch)
            return [paths.nginx ?? "nginx", "-p", scratch.path, "-c", config.path, "-e", scratch.appendingPathComponent("error.log").path]
        case .uvicorn:
            try PeerFiles.writeASGIApp(in: scratch)
            var command = [
                paths.python, "-m", "uvicorn", "app:app", "--app-dir", scratch.path, "--host", "127.0.0.1", "--port", String(port),
                "--workers", "1", "--log-level", "warning", "--no-access-log",
            ]
            if PythonModules.available("uvloop", python: paths.python) { command += ["--loop", "uvloop"] }
            if PythonModules.available("httptools", python: paths.python) { command += ["--http", "httptools"] }
            return command
        case .granian:
            try PeerFiles.writeASGIApp(in: scratch)
            var command = [
                paths.python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", String(port),
                "--workers", "1", "--runtime-threads", "1", "--log-level", "warning", "--working-dir", scratch.path,
            ]
            if PythonModules.available("uvloop", python: paths.python) { command += ["--loop", "uvloop"] }
            return command + ["app:app"]
        }
    }

    /// Why it cannot run here, or `nil` when it can.
    func unavailability(paths: Paths) -> String? {
        switch kind {
        case .ringway:
            FileManager.default.isExecutableFile(atPath: paths.ringway.path) ? nil : "\(paths.ringway.path) not built"
        case .nio:
            FileManager.default.isExecutableFile(atPath: paths.nioPeer.path) ? nil : "\(paths.nioPeer.path) not built"
        case .hummingbird:
            FileManager.default.isExecutableFile(atPath: paths.hummingbirdPeer.path) ? nil : "\(paths.hummingbirdPeer.path) not built"
        case .nginx:
            paths.nginx == nil ? "nginx is not installed" : nil
        case .uvicorn:
            PythonModules.available("uvicorn", python: paths.python) ? nil : "`\(paths.python) -c \"import uvicorn\"` fails"
        case .granian:
            PythonModules.available("granian", python: paths.python) ? nil : "`\(paths.python) -c \"import granian\"` fails"
        }
    }
}
