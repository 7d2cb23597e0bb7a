import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A contender's server, pinned to its core, from start through readiness to a bounded stop.
final class ServerProcess {
    let contender: Contender
    let port: Int
    private let process: SpawnedProcess
    private let scratch: URL

    /// The server's process id (`taskset` execs the server, so it is the server's own).
    var pid: Int32 { process.processIdentifier }

    /// Starts `contender` serving `routes` on a free port under `taskset -c cpu`, its output appended to `log`,
    /// with `environment` added to the orchestrator's.
    init(contender: Contender, paths: Paths, cpu: Int?, log: URL, environment: [String: String] = [:],
         routes: Workload.Routes = .benchmark) throws {
        self.contender = contender
        port = try Network.freePort()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-bench-\(contender.name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let command = try contender.command(port: port, paths: paths, scratch: scratch, routes: routes)
        let pinned = cpu.map { ["taskset", "-c", String($0)] + command } ?? command
        process = try ChildProcess.start(pinned, directory: scratch, stdout: log, stderr: log, environment: environment)
    }

    /// Starts `contender` (as `init` does) and waits until it accepts connections; a server that
    /// started but never became ready is stopped before the error is thrown.
    static func startReady(
        contender: Contender, paths: Paths, cpu: Int?, log: URL, environment: [String: String] = [:],
        routes: Workload.Routes = .benchmark
    ) throws -> ServerProcess {
        let server = try ServerProcess(contender: contender, paths: paths, cpu: cpu, log: log, environment: environment, routes: routes)
        do {
            try server.waitUntilReady()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Waits until the port accepts TCP connections; throws if the server exits or `timeout` seconds pass.
    func waitUntilReady(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw ValidationFailure("\(contender.name) exited with status \(process.terminationStatus) before accepting connections")
            }
            if Network.accepts(port: port) { return }
            usleep(50_000)
        }
        throw ValidationFailure("\(contender.name) did not accept connections on port \(port) within \(Int(timeout)) s")
    }

    /// CPU seconds the server (and its worker processes) has used so far.
    func cpuSeconds() -> Double { ProcStats.cpuSeconds(tree: pid) }

    /// Current resident bytes of the server and its workers.
    func residentBytes() -> Int { ProcStats.residentBytes(tree: pid) }

    /// Peak resident bytes of the server and its workers.
    func peakResidentBytes() -> Int { ProcStats.peakResidentBytes(tree: pid) }

    /// Lines in the toolkit workload's request log so far (nil when the server writes none).
    func accessLogLines() -> Int? {
        guard let handle = try? FileHandle(forReadingFrom: Contender.accessLog(in: scratch)) else { return nil }
        defer { try? handle.close() }
        var lines = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            lines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        return lines
    }

    /// Whether the server is still running.
    var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and waits up to `grace` seconds, then SIGKILLs the server and any worker left behind.
    func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        let workers = ProcStats.tree(pid).dropFirst()
        kill(pid, SIGTERM)
        if !ChildProcess.waitForExit(process, timeout: grace) {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        for worker in workers where kill(worker, 0) == 0 {
            kill(worker, SIGKILL)
        }
    }
}
