/// The load generator's JSON result (`ringway-load … --json`), as far as the report uses it.
struct LoadResult: Codable, Sendable {
    /// Latency summary in microseconds.
    struct Latency: Codable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double
        var mean: Double
    }

    var mode: String
    var target: String
    var connections: Int
    var pipeline: Int
    var seconds: Double
    var completed: Int
    /// Requests (or echoed messages) per second.
    var throughput: Double
    var bytesRead: Int
    /// Error counts by kind (connect, read, write, status, protocol, timeout, …).
    var errors: [String: Int]
    var latencyMicros: Latency
    /// `[percentile, microseconds]` pairs.
    var percentileCurve: [[Double]]

    /// All errors of every kind.
    var totalErrors: Int { errors.values.reduce(0, +) }
}
