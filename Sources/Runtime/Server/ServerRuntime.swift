package import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The protocol-agnostic core of a server: event loops, one `SO_REUSEPORT` listener per
/// loop, accepted connections handed to a `ConnectionInitializer`, and graceful shutdown
/// (stop accepting, drain, force-close what is left, stop the loops).
package final class ServerRuntime: Sendable {
    /// The loops, in order; empty until `start`.
    package var loops: [EventLoop] { state.withLock { $0.loops } }
    /// The address actually bound (the ephemeral port when `port` was 0).
    package var boundAddress: PeerAddress? { state.withLock { $0.boundAddress } }
    /// The backend the loops run on (after `start`).
    package var backend: BackendKind? { state.withLock { $0.loops.first?.backendKind } }

    private let configuration: ServerConfiguration
    private let initializer: any ConnectionInitializer
    private let logger: Logger
    private let state = Mutex<RuntimeState>(RuntimeState())
    private let connections = OpenConnectionCount()

    private struct RuntimeState: ~Copyable {
        var loops: [EventLoop] = []
        var boundAddress: PeerAddress?
        var accepting = false
    }

    package init(configuration: ServerConfiguration, initializer: any ConnectionInitializer, logger: Logger) {
        self.configuration = configuration
        self.initializer = initializer
        self.logger = logger
    }

    /// Starts the loops on `backend` (already selected, never `.auto` here) and listens.
    package func start(backend factory: BackendFactory) throws -> PeerAddress {
        precondition(loops.isEmpty, "ServerRuntime.start called twice")
        var address = try SocketAddress(host: configuration.host, port: configuration.port)
        let loopCount = max(1, configuration.loops)
        var loops: [EventLoop] = []
        var listenFDs: [Int32] = []
        do {
            for index in 0..<loopCount {
                let loop = EventLoop(index: index, backend: factory.kind, logger: logger)
                try loop.start(makeBackend: factory.make)
                loops.append(loop)
                let fd = try ListeningSocket.open(address: address, backlog: configuration.backlog, reusePort: true)
                listenFDs.append(fd)
                if index == 0, configuration.port == 0, let bound = SocketAddress.local(of: fd) {
                    address = bound  // later listeners share the ephemeral port
                }
            }
        } catch {
            for fd in listenFDs { _ = close(fd) }
            for loop in loops { loop.requestStop(); loop.join() }
            throw error
        }
        let bound = SocketAddress.local(of: listenFDs[0])?.peerAddress ?? PeerAddress(host: configuration.host, port: configuration.port)
        serve(loops: loops, listenFDs: listenFDs, address: bound)
        return bound
    }

    /// Starts one loop on the in-memory backend of `network` (the test client's server):
    /// the same listener, connections and handlers as a live server, with no socket. With
    /// `clock`, the loop's deadlines follow that virtual clock.
    package func start(inMemory network: InMemoryNetwork, clock: VirtualClock?) throws(BackendError) -> PeerAddress {
        precondition(loops.isEmpty, "ServerRuntime.start called twice")
        let loop = EventLoop(index: 0, backend: .auto, logger: logger, clock: clock)
        try loop.start { InMemoryBackend(network: network) }
        let address = PeerAddress(host: "testserver", port: 80)
        serve(loops: [loop], listenFDs: [network.listenerDescriptor], address: address, addresses: network.addresses(of:))
        return address
    }

    /// Accepts on `listenFDs` (one per loop), handing connections to the initializer.
    private func serve(loops: [EventLoop], listenFDs: [Int32], address: PeerAddress,
                       addresses: (@Sendable (Int32) -> (remote: PeerAddress?, local: PeerAddress?))? = nil) {
        let perLoopLimit = max(1, configuration.maxConnections / loops.count)
        let overloadResponse = initializer.overloadResponse
        for (loop, fd) in zip(loops, listenFDs) {
            let initializer = self.initializer
            let configuration = self.configuration
            let logger = self.logger
            let connections = self.connections
            loop.execute {
                let listener = Listener(fd: fd, loop: loop, logger: logger) { accepted in
                    if loop.openConnections >= perLoopLimit {
                        ListeningSocket.refuse(accepted, with: overloadResponse)
                        return
                    }
                    ListeningSocket.configureAccepted(accepted)
                    let connection = Connection(
                        fd: accepted, loop: loop,
                        highWaterMark: configuration.writeHighWaterMark, lowWaterMark: configuration.writeLowWaterMark,
                        addresses: addresses?(accepted), onClose: { _ in
                            loop.connectionClosed()
                            connections.closed()
                        })
                    loop.connectionOpened()
                    connections.opened()
                    initializer.initialize(connection)
                    connection.activate()
                }
                loop.listeners.append(listener)
                listener.start()
            }
        }
        state.withLock {
            $0.loops = loops
            $0.boundAddress = address
            $0.accepting = true
        }
    }

    /// Stops accepting new connections on every loop; returns once listeners are closed.
    package func stopAccepting() async {
        for loop in loops {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                loop.execute {
                    let listeners = loop.listeners
                    loop.listeners.removeAll()
                    guard !listeners.isEmpty else { return continuation.resume() }
                    var remaining = listeners.count
                    for listener in listeners {
                        listener.stop {
                            remaining -= 1
                            if remaining == 0 { continuation.resume() }
                        }
                    }
                }
            }
        }
        state.withLock { $0.accepting = false }
    }

    /// The number of open connections across all loops.
    package func openConnections() async -> Int {
        var total = 0
        for loop in loops {
            total += (try? await loop.submit { loop.openConnections }) ?? 0
        }
        return total
    }

    /// Asks every connection to finish its exchange and close, waits up to `timeout`, then
    /// closes whatever is left. Returns the number of connections that had to be forced.
    @discardableResult
    package func drain(timeout: Duration) async -> Int {
        for loop in loops {
            loop.execute { loop.forEachTarget { ($0 as? Connection)?.requestShutdown() } }
        }
        // The last connection's close wakes this (see `OpenConnectionCount`); no polling.
        if await connections.waitUntilNoneOpen(timeout: timeout) { return 0 }
        let forced = await openConnections()
        if forced > 0 {
            logger.warning("shutdown timeout reached: closing \(forced) connection(s) with requests in flight")
            for loop in loops {
                loop.execute { loop.forEachTarget { ($0 as? Connection)?.close(graceful: false) } }
            }
            _ = await connections.waitUntilNoneOpen(timeout: .seconds(2))
        }
        return forced
    }

    /// Stops and joins every loop thread. Call after `drain`.
    package func stopLoops() {
        let loops = state.withLock { state -> [EventLoop] in
            defer { state.loops = [] }
            return state.loops
        }
        for loop in loops { loop.requestStop() }
        for loop in loops { loop.join() }
    }
}
