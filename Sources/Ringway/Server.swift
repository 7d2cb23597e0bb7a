// What `import Ringway` shows an app author and an embedder: the contract (scope, messages,
// `Application`), `Server` and its configurations, the `WebSocket` view, `BackendKind` and the
// errors they throw. The reactor, the handlers and the codecs' machines stay `package` or
// behind their own products (`RingwayHTTPCodec`, `RingwayWebSocketCodec`).
@_exported public import RingwayContract
@_exported public import RingwayCore
@_exported public import RingwayHTTP
@_exported public import RingwayRuntime
@_exported public import RingwayWebSocket
// Server-Sent Events: the hub, streams and broadcaster, and the event type, encoder and parser.
@_exported public import RingwaySSE
@_exported public import RingwaySSECodec
// The codec types that configurations and errors are made of.
@_exported public import struct RingwayHTTPCodec.HTTPParserLimits
@_exported public import struct RingwayHTTPCodec.HTTPSerializerError
@_exported public import struct RingwayWebSocketCodec.WebSocketLimits
@_exported public import struct RingwayWebSocketCodec.PerMessageDeflate
@_exported public import struct RingwayWebSocketCodec.WebSocketHandshakeError
public import Logging
public import ServiceLifecycle
import Synchronization

/// A Ringway server: lifespan, event loops on the selected backend, HTTP/1.1, graceful
/// shutdown. `runService()` runs it until SIGTERM or SIGINT and shuts down gracefully; it is
/// also a swift-service-lifecycle `Service` to put in your own `ServiceGroup`, or call
/// `run()` and `shutdown()` yourself (a plain `run()` does not watch signals).
///
/// ```swift
/// let server = Server(app: hello, configuration: .init(host: "0.0.0.0", port: 8000))
/// try await server.runService()
/// ```
///
/// The server takes its configuration only: it reads no command-line flag and no
/// `RINGWAY_BACKEND`. A program that offers those resolves them into
/// `configuration.backend` with `BackendSelection.resolve(flag:environment:configured:)`
/// (as the `ringway` CLI does).
public final class Server: Service, Sendable {
    /// The listening configuration.
    public let configuration: ServerConfiguration
    /// HTTP limits and headers.
    public let http: HTTPServerConfiguration
    /// WebSocket settings; nil refuses upgrades (such requests are served as plain HTTP).
    public let websocket: WebSocketConfiguration?
    private let application: any Application
    private let logger: Logger
    /// Set for a test client's server: the in-memory network it serves instead of sockets.
    private let inMemory: InMemoryNetwork?
    private let clock: VirtualClock?
    private let runsLifespan: Bool
    private let shared = Mutex<Shared>(Shared())

    private struct Shared: ~Copyable {
        var address: PeerAddress?
        var backend: BackendKind?
        var loops: [EventLoop] = []
        var listeningWaiters: [CheckedContinuation<PeerAddress, any Error>] = []
        var startFailure: (any Error)?
        var stopRequested = false
        var stopWaiter: CheckedContinuation<Void, Never>?
    }

    /// A server for `app`; nothing is bound until `run()`. The backend is `configuration.backend`.
    public init(
        app: some Application,
        configuration: ServerConfiguration = ServerConfiguration(),
        http: HTTPServerConfiguration = HTTPServerConfiguration(),
        websocket: WebSocketConfiguration? = WebSocketConfiguration(),
        logger: Logger = Logger(label: "ringway")
    ) {
        self.application = app
        self.configuration = configuration
        self.http = http
        self.websocket = websocket
        self.logger = logger
        self.inMemory = nil
        self.clock = nil
        self.runsLifespan = true
    }

    /// A server that serves the in-memory `network` (the test client's): the same lifespan,
    /// loop, connections and handlers, on one loop with the in-memory backend, its deadlines
    /// on `clock` when one is given.
    package init(app: some Application, configuration: ServerConfiguration, http: HTTPServerConfiguration,
                 websocket: WebSocketConfiguration?, logger: Logger, inMemory network: InMemoryNetwork, clock: VirtualClock?,
                 lifespan: Bool) {
        self.application = app
        self.configuration = configuration
        self.http = http
        self.websocket = websocket
        self.logger = logger
        self.inMemory = network
        self.clock = clock
        self.runsLifespan = lifespan
    }

    /// The bound address once listening (the ephemeral port when `port` was 0).
    public var boundAddress: PeerAddress? { shared.withLock { $0.address } }
    /// The backend in use once listening.
    public var backend: BackendKind? { shared.withLock { $0.backend } }
    /// The event loops once listening (the test client's barrier and clock).
    package var loops: [EventLoop] { shared.withLock { $0.loops } }

    /// Waits until the server listens and returns its address; throws the startup error.
    public func waitUntilListening() async throws -> PeerAddress {
        try await withCheckedThrowingContinuation { continuation in
            let ready = shared.withLock { shared -> Result<PeerAddress, any Error>? in
                if let failure = shared.startFailure { return .failure(failure) }
                if let address = shared.address { return .success(address) }
                shared.listeningWaiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Starts a graceful shutdown of a running server (as SIGTERM would).
    public func shutdown() {
        let waiter = shared.withLock { shared -> CheckedContinuation<Void, Never>? in
            shared.stopRequested = true
            defer { shared.stopWaiter = nil }
            return shared.stopWaiter
        }
        waiter?.resume()
    }

    /// Runs the server until SIGTERM or SIGINT, then shuts down gracefully (stop accepting,
    /// drain up to `configuration.shutdownTimeout`, lifespan shutdown) and returns; also
    /// ends on `shutdown()` or task cancellation. Throws what `run()` throws when the server cannot start.
    public func runService() async throws {
        // Returning (after `shutdown()`) is a normal end here, not "finished unexpectedly".
        let service = ServiceGroupConfiguration.ServiceConfiguration(service: self, successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Runs the server until graceful shutdown (ServiceLifecycle signal, `shutdown()`, or
    /// task cancellation): lifespan startup, listen, serve, stop accepting, drain, lifespan
    /// shutdown. Throws `LifespanError`, `BackendError` or
    /// `SocketError` when it cannot start.
    public func run() async throws {
        let lifespan = LifespanRunner(application: application, logger: logger)
        let shutdownSignal = ShutdownSignal()
        let runtime: ServerRuntime
        let address: PeerAddress
        do {
            let factory: BackendFactory?
            if inMemory == nil {
                // The process environment only for the probe's test switch
                // (`BackendSelection.forceIOURingUnavailableVariable`), never for the choice itself.
                factory = try BackendSelection.factory(for: configuration.backend, environment: ProcessEnvironment.current, logger: logger,
                                                       zeroCopySendThreshold: configuration.zeroCopySendThreshold)
            } else {
                factory = nil
            }
            if runsLifespan { try await lifespan.startup() }
            let state = lifespan.state.snapshot
            var http = self.http
            if let websocket { http.upgraders.append(WebSocketUpgrader(configuration: websocket)) }
            let initializer = HTTPConnectionInitializer(application: application, configuration: http, logger: logger,
                                                        stateProvider: { state }, shutdownSignal: shutdownSignal)
            runtime = ServerRuntime(configuration: configuration, initializer: initializer, logger: logger)
            if let factory {
                address = try runtime.start(backend: factory)
                logger.notice("Ringway listening on http://\(address) (backend \(factory.kind), \(runtime.loops.count) loop\(runtime.loops.count == 1 ? "" : "s"))")
            } else {
                address = try runtime.start(inMemory: inMemory!, clock: clock)
                logger.debug("Ringway serving in memory")
            }
            let waiters = shared.withLock { shared in
                shared.address = address
                shared.backend = factory?.kind
                shared.loops = runtime.loops
                defer { shared.listeningWaiters = [] }
                return shared.listeningWaiters
            }
            for waiter in waiters { waiter.resume(returning: address) }
        } catch {
            let waiters = shared.withLock { shared in
                shared.startFailure = error
                defer { shared.listeningWaiters = [] }
                return shared.listeningWaiters
            }
            for waiter in waiters { waiter.resume(throwing: error) }
            await lifespan.shutdown()
            throw error
        }

        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await waitForStopRequest()
            } onCancel: {
                shutdown()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }

        logger.notice("shutting down: no longer accepting connections")
        await runtime.stopAccepting()
        // Long-lived responses (event streams) end now instead of holding the drain.
        shutdownSignal.trigger()
        let forced = await runtime.drain(timeout: configuration.shutdownTimeout)
        await lifespan.shutdown()
        runtime.stopLoops()
        shared.withLock { $0.loops = [] }
        logger.notice("shutdown complete\(forced > 0 ? " (\(forced) connection(s) closed at the timeout)" : "")")
    }

    private func waitForStopRequest() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stop = shared.withLock { shared -> Bool in
                if shared.stopRequested { return true }
                shared.stopWaiter = continuation
                return false
            }
            if stop { continuation.resume() }
        }
    }
}
