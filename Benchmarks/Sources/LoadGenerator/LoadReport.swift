import Foundation
import Histogram
import LoadReportFormat

extension LoadReport {
    /// Percentiles of the curve the report draws.
    static let curvePercentiles: [Double] = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98.25, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100]

    /// The report of a run from the workers' merged result (histogram in nanoseconds).
    init(mode: String, target: String, connections: Int, pipeline: Int, rate: Double?, seconds: Double, result: WorkerResult) {
        let histogram = result.histogram
        func micros(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 100).rounded() / 10 }
        let latency = Latency(
            p50: micros(histogram.valueAtPercentile(50)), p90: micros(histogram.valueAtPercentile(90)),
            p99: micros(histogram.valueAtPercentile(99)), p999: micros(histogram.valueAtPercentile(99.9)),
            max: micros(histogram.max), mean: (histogram.mean / 100).rounded() / 10)
        self.init(mode: mode, target: target, connections: connections, pipeline: pipeline, rate: rate, seconds: seconds,
                  completed: result.completed, bytesRead: result.bytesRead, errors: result.errors, latencyMicros: latency,
                  percentileCurve: histogram.totalCount == 0 ? [] : Self.curvePercentiles.map { [$0, micros(histogram.valueAtPercentile($0))] })
    }

    /// The report of an SSE fan-out run: `completed` counts delivered events, `connections` the
    /// subscribers asked for and `pipeline` the outstanding-events bound.
    init(target: String, plan: SSEPlan, result: SSEResult) {
        let merged = WorkerResult(histogram: result.histogram, completed: result.delivered, bytesRead: result.bytesRead, errors: result.errors)
        self.init(mode: "sse", target: target, connections: plan.subscribers, pipeline: plan.outstanding, rate: nil,
                  seconds: result.seconds, result: merged)
        sse = SSEStats(
            subscribers: plan.subscribers, subscribed: result.subscribed, subscribeSeconds: result.subscribeSeconds,
            outstanding: plan.outstanding, published: result.published, publishedTotal: result.publishedTotal, missed: result.missed,
            ended: result.ended, reportedSubscribers: result.reportedSubscribers, idle: plan.idle)
    }

    /// A wrk-like summary for people.
    var summary: String {
        if let sse {
            return """
                sse \(target): \(sse.subscribed) of \(sse.subscribers) subscribers in \(String(format: "%.2f", sse.subscribeSeconds)) s\
                \(sse.idle ? ", held idle" : ", \(sse.outstanding) events outstanding at most")
                  \(completed) events delivered in \(String(format: "%.2f", seconds)) s: \(String(format: "%.2f", throughput)) events/s, \
                \(sse.published) published (\(sse.publishedTotal) in all), server counted \(sse.reportedSubscribers.map(String.init) ?? "—") subscribers
                  latency µs: p50 \(latencyMicros.p50)  p90 \(latencyMicros.p90)  p99 \(latencyMicros.p99)  p99.9 \(latencyMicros.p999)  max \(latencyMicros.max)
                  errors: \(errors.description)\(sse.missed > 0 ? ", \(sse.missed) event ids missed" : "")\(sse.ended > 0 ? ", \(sse.ended) streams ended" : "")
                """
        }
        let unit = mode == "ws" ? "messages" : "requests"
        return """
            \(mode) \(target): \(connections) connections, pipeline \(pipeline)\(rate.map { ", rate \(Int($0))/s" } ?? "")
              \(completed) \(unit) in \(String(format: "%.2f", seconds)) s: \(String(format: "%.2f", throughput)) \(unit)/s, \(bytesRead / 1_048_576) MiB read
              latency µs: p50 \(latencyMicros.p50)  p90 \(latencyMicros.p90)  p99 \(latencyMicros.p99)  p99.9 \(latencyMicros.p999)  max \(latencyMicros.max)
              errors: \(errors.description)
            """
    }
}
