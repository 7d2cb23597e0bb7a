/// The result of one `ringway-load` run: the JSON object `--json` prints, which the
/// orchestrator reads back. One definition for both sides of that contract.
public struct LoadReport: Codable, Sendable {
    /// Latency summary, microseconds.
    public struct Latency: Codable, Sendable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
        public var mean: Double

        public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
            (self.p50, self.p90, self.p99, self.p999, self.max, self.mean) = (p50, p90, p99, p999, max, mean)
        }
    }

    /// `http`, `ws` or `sse`.
    public var mode: String
    public var target: String
    public var connections: Int
    public var pipeline: Int
    /// Requested rate (constant-rate mode), requests per second.
    public var rate: Double?
    /// Measured seconds (warm-up excluded).
    public var seconds: Double
    public var completed: Int
    /// Completed requests (echoed messages, delivered events) per second.
    public var throughput: Double
    public var bytesRead: Int
    public var errors: ErrorCounts
    public var latencyMicros: Latency
    /// `[percentile, microseconds]` pairs for a latency-percentile curve.
    public var percentileCurve: [[Double]]
    /// SSE fan-out runs only: subscribers, published events, missed ids.
    public var sse: SSEStats?

    public init(mode: String, target: String, connections: Int, pipeline: Int, rate: Double?, seconds: Double, completed: Int,
                bytesRead: Int, errors: ErrorCounts, latencyMicros: Latency, percentileCurve: [[Double]], sse: SSEStats? = nil) {
        self.mode = mode
        self.target = target
        self.connections = connections
        self.pipeline = pipeline
        self.rate = rate
        self.seconds = seconds
        self.completed = completed
        self.throughput = seconds > 0 ? Double(completed) / seconds : 0
        self.bytesRead = bytesRead
        self.errors = errors
        self.latencyMicros = latencyMicros
        self.percentileCurve = percentileCurve
        self.sse = sse
    }
}

/// Errors by kind, as the report shows them.
public struct ErrorCounts: Codable, Sendable {
    public var connect = 0
    public var read = 0
    public var write = 0
    /// Responses with a status outside 2xx (or a handshake without 101).
    public var status = 0
    /// Bytes the generator cannot frame as a response or a WebSocket frame.
    public var `protocol` = 0
    public var timeout = 0
    /// Connections the server closed while requests were in flight.
    public var closed = 0
    /// 2xx responses whose body is not the one `--expect-body` asked for.
    public var body = 0

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case connect, read, write, status, `protocol`, timeout, closed, body
    }

    /// Reads a report; `body` is optional, so results written before it existed still load.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        connect = try container.decode(Int.self, forKey: .connect)
        read = try container.decode(Int.self, forKey: .read)
        write = try container.decode(Int.self, forKey: .write)
        status = try container.decode(Int.self, forKey: .status)
        self.protocol = try container.decode(Int.self, forKey: .protocol)
        timeout = try container.decode(Int.self, forKey: .timeout)
        closed = try container.decode(Int.self, forKey: .closed)
        body = try container.decodeIfPresent(Int.self, forKey: .body) ?? 0
    }

    public var total: Int { connect + read + write + status + self.protocol + timeout + closed + body }

    /// `connect 1, timeout 3`: the kinds that occurred.
    public var description: String {
        let kinds = [("connect", connect), ("read", read), ("write", write), ("status", status), ("protocol", self.protocol),
                     ("timeout", timeout), ("closed", closed), ("body", body)]
        let seen = kinds.filter { $0.1 > 0 }
        return seen.isEmpty ? "none" : seen.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    public mutating func add(_ other: ErrorCounts) {
        connect += other.connect
        read += other.read
        write += other.write
        status += other.status
        self.protocol += other.protocol
        timeout += other.timeout
        closed += other.closed
        body += other.body
    }
}
