import Histogram

/// The result of one run, printed as one JSON object (`--json`) for the orchestrator.
struct LoadReport: Codable, Sendable {
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
    /// Requested rate (constant-rate mode), requests per second.
    var rate: Double?
    var seconds: Double
    var completed: Int
    /// Completed requests (or echoed messages) per second.
    var throughput: Double
    var bytesRead: Int
    var errors: ErrorCounts
    /// Microseconds.
    var latencyMicros: Latency
    /// [percentile, microseconds] pairs for a latency-percentile curve.
    var percentileCurve: [[Double]]

    static let curvePercentiles: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98.25, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100]

    init(mode: String, target: String, connections: Int, pipeline: Int, rate: Double?, seconds: Double, result: WorkerResult) {
        self.mode = mode
        self.target = target
        self.connections = connections
        self.pipeline = pipeline
        self.rate = rate
        self.seconds = seconds
        completed = result.completed
        throughput = seconds > 0 ? Double(result.completed) / seconds : 0
        bytesRead = result.bytesRead
        errors = result.errors
        let histogram = result.histogram
        func micros(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 100).rounded() / 10 }
        latencyMicros = Latency(
            p50: micros(histogram.valueAtPercentile(50)), p90: micros(histogram.valueAtPercentile(90)),
            p99: micros(histogram.valueAtPercentile(99)), p999: micros(histogram.valueAtPercentile(99.9)),
            max: micros(histogram.max), mean: (histogram.mean / 100).rounded() / 10)
        percentileCurve = histogram.totalCount == 0 ? [] : Self.curvePercentiles.map { [$0, micros(histogram.valueAtPercentile($0))] }
    }

    /// A wrk-like summary for people.
    var summary: String {
        let unit = mode == "ws" ? "messages" : "requests"
        return """
            \(mode) \(target): \(connections) connections, pipeline \(pipeline)\(rate.map { ", rate \(Int($0))/s" } ?? "")
              \(completed) \(unit) in \(String(format2: seconds)) s: \(String(format2: throughput)) \(unit)/s, \(bytesRead / 1_048_576) MiB read
              latency µs: p50 \(latencyMicros.p50)  p90 \(latencyMicros.p90)  p99 \(latencyMicros.p99)  p99.9 \(latencyMicros.p999)  max \(latencyMicros.max)
              errors: connect \(errors.connect), read \(errors.read), write \(errors.write), status \(errors.status), protocol \(errors.protocol), timeout \(errors.timeout), closed \(errors.closed)
            """
    }
}

extension String {
    /// Two decimals, without Foundation's formatter.
    init(format2 value: Double) {
        let scaled = Int((value * 100).rounded())
        let fraction = abs(scaled % 100)
        self = "\(scaled / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
