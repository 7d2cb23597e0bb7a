import ArgumentParser
import Logging
import Ringway
import RingwayDemo
import RingwayToolkit

@main
struct RingwayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringway",
        abstract: "Ringway: an ASGI-shaped Swift runtime on io_uring.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the demo application.")

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free one).")
    var port = 8000

    @Option(help: "I/O backend: \(BackendKind.validNames). Overrides RINGWAY_BACKEND. Default: auto.")
    var backend: String?

    @Option(help: "Number of event loops (threads). Default: the number of cores.")
    var loops: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Seconds graceful shutdown waits for in-flight requests.")
    var shutdownTimeout: Int = 30

    @Option(help: "Seconds between WebSocket keepalive pings (0 turns them off).")
    var wsPingInterval: Double = 20

    @Option(help: "Seconds a WebSocket ping may go unanswered before the socket is closed (1011).")
    var wsPingTimeout: Double = 20

    @Option(help: "io_uring: responses of at least this many bytes are sent with SENDMSG_ZC (0 turns it off).")
    var zeroCopySend: Int = 16 * 1024

    @Option(help: "Directory whose regular files GET /static/{name} serves (with http.response.pathsend).")
    var staticDir: String?

    @Option(help: "Open connections the server holds at most (split evenly between the loops); more get 503.")
    var maxConnections: Int = ServerConfiguration().maxConnections

    @Option(help: "Seconds an SSE stream may stay idle before a heartbeat comment goes out (0 turns them off).")
    var sseHeartbeat: Double = 15

    @Option(help: ArgumentHelp(
        "The access log's line per HTTP request, with tokens {method} {path} {query} {target} {status} {duration_ms} {duration_s} {bytes} {request_id} {client} {protocol} {user_agent}.",
        discussion: "Default: \(AccessLogFormat.default.source)", valueName: "format"))
    var accessLogFormat: String?

    @Flag(help: "Write no access log.")
    var noAccessLog = false

    @Option(help: ArgumentHelp(
        "Comma-separated IPs, CIDR blocks or * whose X-Forwarded-For and X-Forwarded-Proto are trusted (as uvicorn).",
        valueName: "list"))
    var forwardedAllowIps = "127.0.0.1"

    func validate() throws {
        if let backend, BackendKind(name: backend) == nil {
            throw ValidationError("unknown backend '\(backend)'; valid backends: \(BackendKind.validNames)")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical")
        }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
        if let loops, loops < 1 { throw ValidationError("--loops must be at least 1") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard sseHeartbeat == 0 || (0.01...86_400).contains(sseHeartbeat) else {
            throw ValidationError("--sse-heartbeat must be seconds between 0.01 and 86400, or 0 to turn heartbeats off")
        }
        guard zeroCopySend >= 0 else { throw ValidationError("--zero-copy-send must be a byte count, or 0 to turn it off") }
        if noAccessLog, accessLogFormat != nil { throw ValidationError("--no-access-log and --access-log-format exclude each other") }
        do {
            _ = try accessLog()
        } catch {
            throw ValidationError("--access-log-format: \(error)")
        }
        do {
            _ = try TrustedProxies(forwardedAllowIps)
        } catch {
            throw ValidationError("--forwarded-allow-ips: \(error)")
        }
    }

    /// The access log's format from the flags; nil with `--no-access-log`.
    func accessLog() throws(AccessLogFormatError) -> AccessLogFormat? {
        if noAccessLog { return nil }
        guard let accessLogFormat else { return .default }
        return try AccessLogFormat(accessLogFormat)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ringway")
        let environment = ProcessEnvironment.current
        var configuration = ServerConfiguration(host: host, port: port, shutdownTimeout: .seconds(shutdownTimeout))
        // --backend > RINGWAY_BACKEND > the default; an unknown name exits naming its source.
        configuration.backend = try BackendSelection.resolve(flag: backend, environment: environment, configured: configuration.backend)
        if let loops { configuration.loops = loops }
        configuration.maxConnections = maxConnections
        configuration.zeroCopySendThreshold = zeroCopySend > 0 ? zeroCopySend : nil
        let websocket = WebSocketConfiguration(
            pingInterval: wsPingInterval > 0 ? .milliseconds(Int64(wsPingInterval * 1000)) : nil,
            pingTimeout: .milliseconds(Int64(wsPingTimeout * 1000)))
        let sse = DemoApp.sseConfiguration(heartbeat: sseHeartbeat > 0 ? .milliseconds(Int64(sseHeartbeat * 1000)) : nil)
        let app = DemoApp(staticDirectory: staticDir, sse: sse, accessLog: try accessLog(), forwardedAllowIPs: try TrustedProxies(forwardedAllowIps))
        let server = Server(app: app, configuration: configuration, websocket: websocket, logger: logger)
        try await server.runService()
    }
}
