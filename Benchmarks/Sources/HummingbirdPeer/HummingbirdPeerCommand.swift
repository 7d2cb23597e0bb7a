import ArgumentParser
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hummingbird-peer`: a Hummingbird 2 server with the benchmark's HTTP routes, SSE topics and WebSocket echo.
@main
struct HummingbirdPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hummingbird-peer",
        abstract: "Hummingbird 2 server: GET /plaintext, GET /json, POST /echo, GET/POST /sse/topics/{topic}, WebSocket /ws/echo."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind.")
    var port = 8082

    @Option(help: "Number of event loop threads.")
    var threads = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
    }

    func run() async throws {
        var logger = Logger(label: "hummingbird-peer")
        logger.logLevel = .warning
        let host = host
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: WebSocketRoutes.maxMessageSize,
            autoPing: .disabled
        )
        let app = Application(
            router: HTTPRoutes.router(),
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
