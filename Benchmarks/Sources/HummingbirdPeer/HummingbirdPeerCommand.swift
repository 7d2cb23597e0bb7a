import ArgumentParser
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOPosix
import ToolkitWorkload

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hummingbird-peer`: a Hummingbird 2 server with the benchmark's HTTP routes, SSE topics and WebSocket echo,
/// or (`--toolkit`) the toolkit workload's 50 routes.
@main
struct HummingbirdPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hummingbird-peer",
        abstract: "Hummingbird 2 server: GET /plaintext, GET /json, POST /echo, GET/POST /sse/topics/{topic}, WebSocket /ws/echo; or --toolkit's 50 routes."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind.")
    var port = 8082

    @Option(help: "Number of event loop threads.")
    var threads = 1

    @Flag(help: "Serve the toolkit workload's 50 routes (GET /users/{id} among them) instead of the benchmark routes.")
    var toolkit = false

    @Option(help: "With --toolkit: log every request (LogRequestsMiddleware at info) to this file. Default: warnings only, on stderr.")
    var accessLog: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
        if accessLog != nil, !toolkit { throw ValidationError("--access-log needs --toolkit") }
    }

    func run() async throws {
        try PeerLogging.bootstrap(accessLog: accessLog)
        var logger = Logger(label: "hummingbird-peer")
        logger.logLevel = accessLog == nil ? .warning : .info
        if toolkit {
            try await serve(router: HummingbirdToolkitRoutes.router(logRequests: accessLog != nil), logger: logger)
        } else {
            try await serve(router: HTTPRoutes.router(), logger: logger)
        }
    }

    private func serve(router: Router<BasicRequestContext>, logger: Logger) async throws {
        let host = host
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: WebSocketRoutes.maxMessageSize,
            autoPing: .disabled
        )
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: WebSocketRoutes.router(),
                configuration: .init(http1: .init(), ws: webSocket)
            ),
            configuration: .init(
                address: .hostname(host, port: port),
                serverName: "hummingbird-peer",
                backlog: 4096
            ),
            onServerRunning: { channel in
                print("listening on \(host):\(channel.localAddress?.port ?? 0)")
                fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
            },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: threads)),
            logger: logger
        )
        try await app.runService()
    }
}
