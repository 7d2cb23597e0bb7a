import Foundation
import LoadReportFormat

/// One benchmark session: every round of the load matrix, then the idle-connections and allocations checks.
struct Session {
    let paths: Paths
    let workloads: [Workload]
    let contenders: [Contender]
    let idleContenders: [Contender]
    let allocationContenders: [Contender]
    /// The malloc-count shim the allocations check preloads.
    let shim: URL?
    /// Pause between runs so one server's teardown does not overlap the next one's warm-up.
    let cooldown: Double
    let output: URL
    var results: Results

    private var logs: URL { output.appendingPathComponent("logs") }
    private var resultsFile: URL { output.appendingPathComponent("results.json") }

    /// Runs everything, saving `results.json` after every run so an interrupted session keeps what it measured.
    mutating func run() throws {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let settings = results.settings
        let plan = workloads.map { workload in (workload, contenders.filter { $0.serves(workload) }) }
        let total = plan.reduce(0) { $0 + $1.1.count } * settings.rounds
        var done = 0
        for round in 1...settings.rounds {
            for (index, (workload, eligible)) in plan.enumerated() {
                for contender in Self.rotate(eligible, by: round - 1 + index) {
                    done += 1
                    log("[\(done)/\(total)] round \(round), \(workload.name), \(contender.name)")
                    let record = workload.mode == .sse
                        ? SSERun(round: round, workload: workload, contender: contender, settings: settings, paths: paths, logs: logs).perform()
                        : LoadRun(round: round, workload: workload, contender: contender, settings: settings, paths: paths, logs: logs).perform()
                    log("    " + Self.describe(record, unit: workload.unit))
                    results.runs.append(record)
                    try results.write(to: resultsFile)
                    usleep(UInt32(cooldown * 1_000_000))
                }
            }
        }
        for contender in idleContenders {
            log("idle connections: \(contender.name), \(settings.idleConnections) connections")
            let record = IdleRun(
                contender: contender, connections: settings.idleConnections, serverCPU: settings.serverCPU, paths: paths, logs: logs
            ).perform()
            log("    " + (record.failure ?? "") + (record.bytesPerConnection.map { " \(Format.count($0)) bytes/connection" } ?? ""))
            results.idle.append(record)
            try results.write(to: resultsFile)
            usleep(UInt32(cooldown * 1_000_000))
        }
        guard let shim else { return }
        for contender in allocationContenders {
            for workload in Workload.allocationWorkloads.compactMap(Workload.named) where contender.serves(workload) {
                log("allocations: \(contender.name), \(workload.name)")
                let record = AllocationRun(
                    workload: workload, contender: contender, settings: settings, paths: paths, shim: shim, logs: logs
                ).perform()
                log("    " + (record.failure ?? record.perRequest.map { String(format: "%.2f allocations per request", $0) } ?? ""))
                results.allocations = (results.allocations ?? []) + [record]
                try results.write(to: resultsFile)
                usleep(UInt32(cooldown * 1_000_000))
            }
        }
    }

    /// `items` rotated left by `offset`, so each round starts with a different contender.
    static func rotate<T>(_ items: [T], by offset: Int) -> [T] {
        guard !items.isEmpty else { return items }
        let shift = offset % items.count
        return Array(items[shift...] + items[..<shift])
    }

    private static func describe(_ record: RunRecord, unit: String) -> String {
        guard let load = record.load, record.failure == nil else { return "FAILED: \(record.failure ?? "no result")" }
        let per = unit == "events/s" ? "event" : unit == "msg/s" ? "msg" : "req"
        let cpu = record.serverCPUMicrosPerRequest.map { String(format: ", %.1f CPU µs/\(per)", $0) } ?? ""
        let network = record.network.map { $0.isClean ? "" : ", \($0.softnetDrops) packets dropped, \($0.tcpRetransmits) retransmitted" } ?? ""
        let memory = record.idleStreamBytes.map { ", \(Format.count($0)) B/idle stream" } ?? ""
        return "\(Format.count(load.throughput)) \(unit), p99 \(Format.latency(load.latencyMicros.p99))\(cpu)\(memory), errors \(load.errors.total)\(network)"
    }
}
