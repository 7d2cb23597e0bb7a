public import Logging
public import RingwayRuntime

/// Makes every accepted connection an HTTP/1.1 connection serving `application`.
public struct HTTPConnectionInitializer: ConnectionInitializer {
    let application: any Application
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let stateProvider: @Sendable () -> ScopeState

    /// - Parameter stateProvider: the lifespan state snapshot copied into each request scope.
    public init(application: any Application, configuration: HTTPServerConfiguration, logger: Logger,
                stateProvider: @escaping @Sendable () -> ScopeState) {
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.stateProvider = stateProvider
    }

    /// 503 for connections over `ServerConfiguration.maxConnections`.
    public var overloadResponse: [UInt8] {
        Array(("HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 43\r\n"
            + "retry-after: 1\r\nconnection: close\r\n\r\nService Unavailable: too many connections.\n").utf8)
    }

    public func initialize(_ connection: Connection) {
        let handler = HTTPConnectionHandler(connection: connection, application: application, configuration: configuration,
                                            logger: logger, stateProvider: stateProvider)
        connection.delegate = handler
        handler.start()
    }
}
