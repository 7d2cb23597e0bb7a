package import Logging
import RingwayHTTPCodec
package import RingwayRuntime

/// Makes every accepted connection an HTTP/1.1 connection serving `application`.
package struct HTTPConnectionInitializer: ConnectionInitializer {
    let application: any Application
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let stateProvider: @Sendable () -> ScopeState

    /// - Parameter stateProvider: the lifespan state snapshot copied into each request scope.
    package init(application: any Application, configuration: HTTPServerConfiguration, logger: Logger,
                stateProvider: @escaping @Sendable () -> ScopeState) {
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
                                            logger: logger, stateProvider: stateProvider)
        connection.delegate = handler
        handler.start()
    }
}
