import ArgumentParser
import Foundation
import LoadReportFormat

/// `ringway-load sse`: SSE fan-out. N subscribers `GET` the topic's stream; once all are open,
/// one publisher `POST`s events (their data the publish time) keeping at most `--outstanding`
/// on their way to some subscriber; each delivery's publish-to-receive latency is recorded.
/// `--idle` only holds the streams open (for a memory measurement).
struct SSELoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse", abstract: "SSE fan-out: N subscriber streams, one self-clocking publisher.")

    @Option(help: "The topic: http://host:port/sse/topics/<topic> (loopback). Subscribers GET it, the publisher POSTs to it.")
    var url: String
    @Option(help: "Subscriber streams.")
    var subscribers = 1000
    @Option(help: "Events published but not yet received by every subscriber, at most.")
    var outstanding = 4
    @Option(help: "Event data bytes: the publish time in decimal, left-padded with zeros (0: just the digits).")
    var eventSize = 0
    @Option(help: "Measured seconds (after the warm-up); with --idle, how long the streams are held.")
    var duration = 10.0
    @Option(help: "Warm-up seconds: events flow, nothing is counted.")
    var warmup = 2.0
    @Option(help: "Seconds the open streams stay idle before the first publish.")
    var idleHold = 0.0
    @Option(help: "Seconds the subscribe phase may take; the run goes on with the streams that opened.")
    var subscribeTimeout = 60.0
    @Option(help: "Seconds without a delivery (or a publish reply) before a timeout is counted.")
    var timeout = 5.0
    @Flag(help: "Only hold the streams open for --duration; publish nothing.")
    var idle = false
    @Flag(help: "Print the result as one JSON object on stdout (the summary and progress go to stderr).")
    var json = false

    func validate() throws {
        guard subscribers > 0, outstanding > 0, duration > 0, warmup >= 0, idleHold >= 0, subscribeTimeout > 0, timeout > 0 else {
            throw ValidationError("subscribers, outstanding, duration, subscribe-timeout and timeout must be positive")
        }
        guard eventSize >= 0, eventSize <= 1 << 20 else { throw ValidationError("--event-size must be 0…1048576") }
    }

    func run() throws {
        guard let target = Target(url), target.scheme == .http else { throw ValidationError("--url must be http://host:port/path") }
        CommonOptions.raiseFileLimit()
        // A write to a stream the server closed is counted, not fatal.
        signal(SIGPIPE, SIG_IGN)
        let plan = SSEPlan(
            target: target, subscribers: subscribers, outstanding: outstanding, eventSize: eventSize, idle: idle,
            idleHold: UInt64(idleHold * 1e9), warmup: UInt64(warmup * 1e9), duration: UInt64(duration * 1e9),
            subscribeTimeout: UInt64(subscribeTimeout * 1e9), timeout: UInt64(timeout * 1e9))
        let result = SSEFanOut(plan: plan) { line in
            FileHandle.standardError.write(Data("ringway-load sse: \(line)\n".utf8))
        }.run()
        let report = LoadReport(target: target.description, plan: plan, result: result)
        FileHandle.standardError.write(Data((report.summary + "\n").utf8))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        }
    }
}
