package import Logging
import RingwayHTTPCodec
package import RingwayRuntime

/// Makes every accepted connection an HTTP/1.1 connection serving `application`.
package struct HTTPConnectionInitializer: ConnectionInitializer {
    let application: any Application
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let stateProvider: @Sendable () -> ScopeState
    let shutdownSignal: ShutdownSignal?

    /// - Parameters:
    ///   - stateProvider: the lifespan state snapshot copied into each request scope.
    ///   - shutdownSignal: put in every scope; the server triggers it when a graceful shutdown starts.
    package init(application: any Application, configuration: HTTPServerConfiguration, logger: Logger,
                stateProvider: @escaping @Sendable () -> ScopeState, shutdownSignal: ShutdownSignal? = nil) {
        self.shutdownSignal = shutdownSignal
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.stateProvider = stateProvider
    }

    /// 503 for connections over `ServerConfiguration.maxConnections`, written by the serializer.
    package var overloadResponse: [UInt8] { Self.overload }

    private static let overload: [UInt8] = {
        let body = Array("Service Unavailable: too many connections.\n".utf8)
        let head = HTTPResponseHead(status: 503, headers: [("content-type", "text/plain; charset=utf-8"), ("retry-after", "1")])
        var bytes: [UInt8] = []
        // Constant, valid fields: the serializer cannot refuse them.
        try! HTTPResponseSerializer.writeHead(head, fields: ServerFields(contentLength: UInt64(body.count), connection: .close), into: &bytes)
        return bytes + body
    }()

    package func initialize(_ connection: Connection) {
        let handler = HTTPConnectionHandler(connection: connection, application: application, configuration: configuration,
                                            logger: logger, stateProvider: stateProvider,
                                            shutdownSignal: shutdownSignal)
        connection.delegate = handler
        handler.start()
    }
}
