import ArgumentParser
import Logging
import Ringway
import ToolkitWorkload

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ringway-toolkit-peer`: the toolkit workload's 50 routes on Ringway, two ways from one binary —
/// `--mode raw`, a plain `App` closure that switches on the path and writes the JSON by hand (the
/// demo routes' style, the baseline), and `--mode toolkit`, RingwayToolkit's `Router` with the
/// logging middleware and `send.json(Encodable)`.
@main
struct RingwayToolkitPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringway-toolkit-peer",
        abstract: "The toolkit workload (GET /users/{id} among 50 routes) on Ringway: --mode raw or --mode toolkit."
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case raw, toolkit
    }

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free one).")
    var port = 8084

    @Option(help: "I/O backend: \(BackendKind.validNames). Default: auto.")
    var backend: String?

    @Option(help: "Number of event loops (threads).")
    var loops = 1

    @Option(help: "raw: an App closure with the JSON written by hand; toolkit: Router, logging middleware, send.json.")
    var mode = Mode.toolkit

    @Option(help: "toolkit mode: log every request (the logging middleware) to this file. Default: no request log.")
    var accessLog: String?

    func validate() throws {
        if let backend, BackendKind(name: backend) == nil {
            throw ValidationError("unknown backend '\(backend)'; valid backends: \(BackendKind.validNames)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
        guard loops >= 1 else { throw ValidationError("--loops must be at least 1") }
        if mode == .raw, accessLog != nil { throw ValidationError("--access-log needs --mode toolkit (raw logs nothing)") }
    }

    func run() async throws {
        try PeerLogging.bootstrap(accessLog: accessLog)
        var configuration = ServerConfiguration(host: host, port: port, loops: loops, backlog: 4096)
        configuration.backend = try BackendSelection.resolve(flag: backend, environment: [:], configured: configuration.backend)
        let logger = Logger(label: "ringway-toolkit-peer")
        let server: Server
        switch mode {
        case .raw:
            server = Server(app: RawToolkitApp.app, configuration: configuration, websocket: nil, logger: logger)
        case .toolkit:
            let app = try ToolkitApp.make(logRequests: accessLog != nil, logger: Logger(label: "ringway.access"))
            server = Server(app: app, configuration: configuration, websocket: nil, logger: logger)
        }
        let host = host
        let announce = Task {
            guard let address = try? await server.waitUntilListening() else { return }
            print("listening on \(host):\(address.port)")
            fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
        }
        defer { announce.cancel() }
        try await server.runService()
    }
}
