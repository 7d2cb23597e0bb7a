import ArgumentParser
import ToolkitWorkload
import Vapor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `vapor-peer`: a Vapor 4 server with the benchmark's HTTP routes and WebSocket echo, or
/// (`--toolkit`) the toolkit workload's 50 routes.
@main
struct VaporPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vapor-peer",
        abstract: "Vapor 4 server: GET /plaintext, GET /json, POST /echo, WebSocket /ws/echo; or --toolkit's 50 routes."
    )

    @ArgumentParser.Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @ArgumentParser.Option(help: "Port to bind (0 picks a free one).")
    var port = 8083

    @ArgumentParser.Option(help: "Number of event loop threads.")
    var threads = 1

    @ArgumentParser.Flag(help: "Serve the toolkit workload's 50 routes (GET /users/{id} among them) instead of the benchmark routes.")
    var toolkit = false

    @ArgumentParser.Option(help: "With --toolkit: log every request (Vapor's RouteLoggingMiddleware at info) to this file. Default: warnings only, on stderr.")
    var accessLog: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
        if accessLog != nil, !toolkit { throw ValidationError("--access-log needs --toolkit") }
    }

    func run() async throws {
        try PeerLogging.bootstrap(accessLog: accessLog)
        // No Vapor command line: the flags above are the peer's, and `serve` runs with them.
        let environment = Environment(name: "production", arguments: ["vapor-peer"])
        let app = try await Application.make(environment, .shared(MultiThreadedEventLoopGroup(numberOfThreads: threads)))
        // The default middleware is Vapor's: RouteLoggingMiddleware (info) and ErrorMiddleware;
        // the application logger's level decides whether the route log writes anything (the
        // benchmark routes keep that default, quiet at warning).
        app.logger.logLevel = accessLog == nil ? .warning : .info
        app.http.server.configuration.hostname = host
        app.http.server.configuration.port = port
        app.http.server.configuration.serverName = "vapor-peer"
        app.http.server.configuration.backlog = 4096
        if toolkit {
            // Logging off means no logging middleware, as for the other peers: ErrorMiddleware alone.
            if accessLog == nil {
                app.middleware = Middlewares()
                app.middleware.use(ErrorMiddleware.default(environment: app.environment))
            }
            VaporToolkitRoutes.add(to: app)
        } else {
            VaporRoutes.add(to: app)
        }
        do {
            try await app.startup()
            print("listening on \(host):\(app.http.server.shared.localAddress?.port ?? port)")
            fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
            // Until SIGTERM or SIGINT (the serve command's signal sources).
            try await app.running?.onStop.get()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
