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

    public func initialize(_ connection: Connection) {
        let handler = HTTPConnectionHandler(connection: connection, application: application, configuration: configuration,
                                            logger: logger, stateProvider: stateProvider)
        connection.delegate = handler
        handler.start()
    }
}
