import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The idle-connections check for one contender: memory a fresh server spends per held keep-alive connection.
struct IdleRun {
    let contender: Contender
    let connections: Int
    let serverCPU: Int?
    let paths: Paths
    let logs: URL
    /// Bound on opening all connections.
    var timeout = 60.0

    /// Runs it; failures are recorded in the result, never thrown.
    func perform() -> IdleRecord {
        var record = IdleRecord(contender: contender.name, target: connections, established: 0, rssBeforeBytes: 0, rssAfterBytes: 0, seconds: 0)
        let log = logs.appendingPathComponent("idle-\(contender.name).server.log")
        let server: ServerProcess
        do {
            server = try ServerProcess.startReady(contender: contender, paths: paths, cpu: serverCPU, log: log)
        } catch {
            record.failure = "server: \(error)"
            return record
        }
        defer { server.stop() }

        // One exchange first, so lazily allocated per-loop state is in the baseline, not the per-connection cost.
        let primer = IdleConnections(port: server.port, target: 1)
        primer.open(timeout: 5)
        primer.closeAll()
        usleep(200_000)
        record.rssBeforeBytes = server.residentBytes()

        let started = Date()
        let idle = IdleConnections(port: server.port, target: connections)
        idle.open(timeout: timeout)
        record.seconds = Date().timeIntervalSince(started)
        record.rssAfterBytes = server.residentBytes()
        record.established = idle.stillOpen()
        if idle.idle.count < connections {
            record.failure = "only \(idle.idle.count) of \(connections) connections completed (\(idle.failures) failed attempts)"
        } else if record.established < idle.idle.count {
            record.failure = "server closed \(idle.idle.count - record.established) connections before memory was read"
        }
        if !server.isRunning { record.failure = "server exited during the check" }
        idle.closeAll()
        return record
    }
}
