import Foundation
import LoadReportFormat

#if canImport(Glibc)
import Glibc
#endif

/// One SSE fan-out measurement: start the contender, prime it, let `ringway-load sse` open the
/// workload's subscriber streams, read the server's memory while they are idle, then its CPU over
/// exactly the window the load generator measures (its progress lines say when), stop it.
struct SSERun {
    let round: Int
    let workload: Workload
    let contender: Contender
    let settings: Results.Settings
    let paths: Paths
    /// Directory for the server's and load generator's logs.
    let logs: URL

    /// Seconds the open streams stay idle before the first publish; memory is read halfway through.
    static let idleHold = 1.0
    /// Bound on opening every subscriber stream.
    static let subscribeTimeout = 60.0
    /// Progress line prefix of `ringway-load sse`.
    private static let prefix = "ringway-load sse: "

    /// Runs it; failures are recorded in the result, never thrown.
    func perform() -> RunRecord {
        var record = RunRecord(round: round, workload: workload.name, contender: contender.name)
        let stem = "r\(round)-\(workload.name)-\(contender.name)"
        let serverLog = logs.appendingPathComponent("\(stem).server.log")
        let loadLog = logs.appendingPathComponent("\(stem).load.log")

        let server: ServerProcess
        do {
            server = try ServerProcess.startReady(contender: contender, paths: paths, cpu: settings.serverCPU, log: serverLog)
        } catch {
            record.failure = "server: \(error)"
            return record
        }
        // Servers that wait for open streams on SIGTERM are killed sooner: nothing is measured any more.
        defer { server.stop(grace: 3) }

        // One short fan-out first, so lazily built state is in the baseline, not the per-stream cost.
        let pin = settings.loadCPU.map { ["taskset", "-c", String($0)] } ?? []
        let primer = pin + [
            paths.load.path, "sse", "--url", "http://127.0.0.1:\(server.port)/sse/topics/primer", "--subscribers", "1",
            "--duration", "0.3", "--warmup", "0", "--subscribe-timeout", "5",
        ]
        _ = try? ChildProcess.capture(primer, timeout: 15)
        usleep(200_000)
        let rssBefore = server.residentBytes()

        let output = logs.appendingPathComponent("\(stem).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let command = workload.loadCommand(
            paths: paths, port: server.port, cpu: settings.loadCPU, duration: settings.duration, warmup: settings.warmup)
        let networkBefore = NetStats.current()
        let load: SpawnedProcess
        do {
            load = try ChildProcess.start(command, stdout: output, stderr: loadLog)
        } catch {
            record.failure = "load generator: \(error)"
            return record
        }
        let started = Date()
        let limit = Self.subscribeTimeout + Self.idleHold + settings.warmup + settings.duration + LoadRun.slack
        func abandon(_ reason: String) -> RunRecord {
            kill(load.processIdentifier, SIGKILL)
            load.waitUntilExit()
            record.failure = reason
            return record
        }

        var progress = ProgressLog(file: loadLog)
        guard let subscribed = progress.wait(for: Self.prefix + "subscribed", from: load, timeout: Self.subscribeTimeout + 10) else {
            return abandon("the load generator never finished subscribing")
        }
        usleep(UInt32(Self.idleHold / 2 * 1_000_000))
        let rssIdle = server.residentBytes()
        let streams = Int(subscribed.dropFirst((Self.prefix + "subscribed ").count).prefix { $0.isNumber }) ?? 0
        if streams > 0 { record.idleStreamBytes = Double(rssIdle - rssBefore) / Double(streams) }

        guard progress.wait(for: Self.prefix + "measuring", from: load, timeout: Self.idleHold + settings.warmup + 10) != nil else {
            return abandon("the load generator never started measuring")
        }
        let windowStart = (Date(), server.cpuSeconds())
        guard progress.wait(for: Self.prefix + "measured", from: load, timeout: settings.duration + 10) != nil else {
            return abandon("the load generator's measured window never ended")
        }
        let windowEnd = (Date(), server.cpuSeconds())
        if !ChildProcess.waitForExit(load, timeout: started.addingTimeInterval(limit).timeIntervalSinceNow) {
            return abandon("load generator ran past \(Int(limit)) s and was killed")
        }
        return LoadRun.collect(into: record, server: server, load: load, output: output, serverLog: serverLog,
                               networkBefore: networkBefore, window: (windowStart, windowEnd),
                               failedStatus: "load generator exited with status \(load.terminationStatus)",
                               nothingDone: { result in
                                   "nothing delivered (\(result.sse?.subscribed ?? 0) of \(workload.connections) subscribed; "
                                       + "\(result.errors.total) errors: \(result.errors.description))"
                               })
    }
}
