import Foundation

#if canImport(Glibc)
import Glibc
import LoadReportFormat
#endif

/// One measurement: start the contender, drive it with `ringway-load`, sample its CPU and memory, stop it.
struct LoadRun {
    let round: Int
    let workload: Workload
    let contender: Contender
    let settings: Results.Settings
    let paths: Paths
    /// Directory for the server's and load generator's logs.
    let logs: URL

    /// Slack on top of warm-up plus duration before the load generator is killed.
    static let slack = 30.0

    /// Runs it; failures are recorded in the result, never thrown.
    func perform() -> RunRecord {
        var record = RunRecord(round: round, workload: workload.name, contender: contender.name)
        let stem = "r\(round)-\(workload.name)-\(contender.name)"
        let serverLog = logs.appendingPathComponent("\(stem).server.log")
        let loadLog = logs.appendingPathComponent("\(stem).load.log")
        defer { Self.removeIfEmpty(serverLog, loadLog) }

        let server: ServerProcess
        do {
            server = try ServerProcess.startReady(
                contender: contender, paths: paths, cpu: settings.serverCPU, log: serverLog, routes: workload.routes)
        } catch {
            record.failure = "server: \(error)"
            return record
        }
        defer { server.stop() }

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

        // Sample the server's CPU over the measured window (after the warm-up), not the warm-up itself.
        let started = Date()
        _ = ChildProcess.waitForExit(load, timeout: settings.warmup)
        let windowStart = (Date(), server.cpuSeconds())
        _ = ChildProcess.waitForExit(load, timeout: settings.duration)
        let windowEnd = (Date(), server.cpuSeconds())

        let deadline = started.addingTimeInterval(settings.warmup + settings.duration + Self.slack)
        if !ChildProcess.waitForExit(load, timeout: deadline.timeIntervalSinceNow) {
            kill(load.processIdentifier, SIGKILL)
            load.waitUntilExit()
            record.failure = "load generator ran past \(Int(settings.warmup + settings.duration + Self.slack)) s and was killed"
            return record
        }
        record = Self.collect(into: record, server: server, load: load, output: output, serverLog: serverLog,
                              networkBefore: networkBefore, window: (windowStart, windowEnd),
                              failedStatus: "load generator exited with status \(load.terminationStatus): \(Self.tail(of: loadLog))",
                              nothingDone: { "nothing completed (\($0.errors.total) errors: \($0.errors.description))" })
        if workload.isToolkit { record.accessLogLines = server.accessLogLines() }
        // A server that answers with the wrong body gets no throughput number.
        if let body = record.load?.errors.body, body > 0, record.failure == nil {
            record.failure = "\(body) responses had a body other than \(workload.expectBody ?? "the expected one")"
        }
        return record
    }

    /// What every load run records once the load generator exited: network counters, peak RSS,
    /// the server still up, the generator's status and JSON report, and the server's CPU over the
    /// measured window per completed unit (request, message, delivered event).
    static func collect(into record: RunRecord, server: ServerProcess, load: SpawnedProcess, output: URL, serverLog: URL,
                        networkBefore: NetStats, window: ((Date, Double), (Date, Double)),
                        failedStatus: @autoclosure () -> String, nothingDone: (LoadReport) -> String) -> RunRecord {
        var record = record
        record.network = NetStats.current().since(networkBefore)
        record.peakRSSBytes = server.peakResidentBytes()
        guard server.isRunning else {
            record.failure = "server exited during the run (see \(serverLog.lastPathComponent))"
            return record
        }
        guard load.terminationStatus == 0 else {
            record.failure = failedStatus()
            return record
        }
        do {
            let result = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: output))
            record.load = result
            guard result.completed > 0 else {
                record.failure = nothingDone(result)
                return record
            }
            let (windowStart, windowEnd) = window
            let seconds = windowEnd.0.timeIntervalSince(windowStart.0)
            if seconds > 0 {
                let utilization = (windowEnd.1 - windowStart.1) / seconds
                record.serverCPUUtilization = utilization
                if result.throughput > 0 { record.serverCPUMicrosPerRequest = utilization * 1_000_000 / result.throughput }
            }
        } catch {
            record.failure = "cannot read the load generator's JSON: \(error)"
        }
        return record
    }

    /// The last line of a log, for failure messages.
    private static func tail(of url: URL) -> String {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").last.map(String.init) ?? "(no output)"
    }

    private static func removeIfEmpty(_ urls: URL...) {
        for url in urls {
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
            if size == 0 { try? FileManager.default.removeItem(at: url) }
        }
    }
}
