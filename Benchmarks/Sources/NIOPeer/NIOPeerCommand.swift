import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `nio-peer`: a plain SwiftNIO NIOHTTP1 server with the benchmark routes, Ringway's low-level peer.
@main
struct NIOPeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nio-peer",
        abstract: "SwiftNIO NIOHTTP1 server: GET /plaintext, GET /json, POST /echo."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind.")
    var port = 8081

    @Option(help: "Number of event loop threads.")
    var threads = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("port must be between 0 and 65535") }
    }

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var caches: [ObjectIdentifier: NIOLoopBound<DateCache>] = [:]
        for loop in group.makeIterator() {
            caches[ObjectIdentifier(loop)] = try loop.submit { DateCache.make(on: loop) }.wait()
        }
        let dateCaches = caches

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let dateCache = dateCaches[ObjectIdentifier(channel.eventLoop)]!.value
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(dateCache: dateCache))
                }
            }

        let channel = try bootstrap.bind(host: host, port: port).wait()
        let bound = channel.localAddress?.port ?? port
        print("listening on \(host):\(bound)")
        fflush(nil)  // all streams: `stdout` itself is not concurrency-safe to name
        try channel.closeFuture.wait()
        try group.syncShutdownGracefully()
    }
}
