/// How a server listens and runs. Every field has a documented default.
public struct ServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1`, `0.0.0.0`, `::`, or a name). Default `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks an ephemeral port (see `Server.boundAddress`). Default 8000.
    public var port: Int
    /// The I/O backend. Default `.auto` (io_uring, else epoll). The server uses it as given;
    /// the `ringway` CLI fills it from `--backend`, else `RINGWAY_BACKEND`, else this default
    /// (`BackendSelection.resolve(flag:environment:configured:)`).
    public var backend: BackendKind
    /// Number of event loops, one thread and one listener each. Default: the core count.
    public var loops: Int
    /// `listen()` backlog per listener. Default 1024.
    public var backlog: Int32
    /// Queued response bytes per connection above which `send` suspends. Default 64 KiB.
    public var writeHighWaterMark: Int
    /// Queued response bytes at which suspended senders resume. Default 16 KiB.
    public var writeLowWaterMark: Int
    /// How long graceful shutdown waits for in-flight requests before closing them. Default 30 s.
    public var shutdownTimeout: Duration
    /// Open connections the server holds at most, split evenly across loops. Beyond it a
    /// new connection is accepted, answered with the protocol's overload response (HTTP:
    /// 503 with `retry-after: 1`) and closed — not left waiting in the backlog. Default 10,000.
    public var maxConnections: Int
    /// io_uring: sends of at least this many bytes use `SENDMSG_ZC` (the NIC reads the
    /// response from its buffer; it is freed on the kernel's notification); nil: never.
    /// A socket whose zero-copy send the kernel copied anyway (loopback, a NIC without
    /// scatter-gather) sends plainly from then on, so it costs one send per connection
    /// there. Measured on loopback, where it always copies, zero-copy cost 8–28% more CPU
    /// per response at every size from 16 KiB to 256 KiB. Default 16 KiB, the size above
    /// which io_uring's authors report it paying off on real NICs (this project measures on
    /// loopback only, where the kernel always copies).
    public var zeroCopySendThreshold: Int?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        backend: BackendKind = .auto,
        loops: Int = ServerConfiguration.coreCount,
        backlog: Int32 = 1024,
        writeHighWaterMark: Int = 64 * 1024,
        writeLowWaterMark: Int = 16 * 1024,
        shutdownTimeout: Duration = .seconds(30),
        maxConnections: Int = 10_000,
        zeroCopySendThreshold: Int? = 16 * 1024
    ) {
        self.host = host
        self.port = port
        self.backend = backend
        self.loops = loops
        self.backlog = backlog
        self.writeHighWaterMark = writeHighWaterMark
        self.writeLowWaterMark = writeLowWaterMark
        self.shutdownTimeout = shutdownTimeout
        self.maxConnections = maxConnections
        self.zeroCopySendThreshold = zeroCopySendThreshold
    }

    /// The number of CPUs this process may run on.
    public static var coreCount: Int {
        #if os(Linux)
        let count = Int(ringway_affinity_cpu_count())
        if count > 0 { return count }
        #endif
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if os(Linux)
import CURing
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
