import Foundation
import LoadReportFormat

#if canImport(Glibc)
import Glibc
#endif

/// The allocations check for one contender and workload: heap allocations per request of the whole server
/// process, counted by the `malloc-count` LD_PRELOAD shim (Benchmarks/Tools/malloc-count.c) over a window after
/// the warm-up. A separate pass from the load matrix, so the shim never touches a throughput or latency number.
struct AllocationRun {
    let workload: Workload
    let contender: Contender
    let settings: Results.Settings
    let paths: Paths
    let shim: URL
    let logs: URL
    /// Warm-up and counted seconds: allocation counts settle fast, and this pass only counts.
    var warmup = 1.0
    var duration = 3.0

    /// Runs it; failures are recorded in the result, never thrown.
    func perform() -> AllocationRecord {
        var record = AllocationRecord(workload: workload.name, contender: contender.name)
        let stem = "allocations-\(workload.name)-\(contender.name)"
        let serverLog = logs.appendingPathComponent("\(stem).server.log")
        let counts = logs.appendingPathComponent("\(stem).counts")
        try? FileManager.default.removeItem(at: counts)
        defer { try? FileManager.default.removeItem(at: counts) }

        let server: ServerProcess
        do {
            server = try ServerProcess.startReady(
                contender: contender, paths: paths, cpu: settings.serverCPU, log: serverLog,
                environment: ["LD_PRELOAD": shim.path, "MALLOC_COUNT_FILE": counts.path], routes: workload.routes)
        } catch {
            record.failure = "server: \(error)"
            return record
        }
        defer { server.stop() }

        let output = logs.appendingPathComponent("\(stem).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let command = workload.loadCommand(paths: paths, port: server.port, cpu: settings.loadCPU, duration: duration, warmup: warmup)
        let load: SpawnedProcess
        do {
            load = try ChildProcess.start(command, stdout: output, stderr: logs.appendingPathComponent("\(stem).load.log"))
        } catch {
            record.failure = "load generator: \(error)"
            return record
        }
        // The counted window is the load generator's measured one: its warm-up, then its duration.
        _ = ChildProcess.waitForExit(load, timeout: warmup)
        kill(server.pid, SIGUSR2)
        _ = ChildProcess.waitForExit(load, timeout: duration)
        kill(server.pid, SIGUSR2)
        if !ChildProcess.waitForExit(load, timeout: LoadRun.slack) {
            kill(load.processIdentifier, SIGKILL)
            load.waitUntilExit()
            record.failure = "load generator ran past its time and was killed"
            return record
        }
        usleep(100_000)  // the second report is written by the server's signal handler
        do {
            let result = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: output))
            let samples = try Self.samples(in: counts)
            guard samples.count >= 2 else {
                record.failure = "the server reported \(samples.count) allocation counts of 2 (is it dynamically linked to glibc?)"
                return record
            }
            guard result.completed > 0 else {
                record.failure = "nothing completed"
                return record
            }
            record.requests = result.completed
            record.allocations = samples[1] - samples[0]
        } catch {
            record.failure = "cannot read the results: \(error)"
        }
        return record
    }

    /// The allocation totals the shim wrote, one per SIGUSR2.
    static func samples(in file: URL) throws -> [Int] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[0] == "allocations" ? Int(words[1]) : nil
        }
    }

    /// Compiles the shim into `directory`; nil (with the reason logged) when there is no C compiler.
    static func buildShim(paths: Paths, into directory: URL) -> URL? {
        let source = paths.benchmarks.appendingPathComponent("Tools/malloc-count.c")
        let library = directory.appendingPathComponent("malloc-count.so")
        guard let compiler = ChildProcess.which("cc") ?? ChildProcess.which("gcc") ?? ChildProcess.which("clang") else {
            log("allocations: no C compiler (cc) to build \(source.path); skipping the check")
            return nil
        }
        do {
            let outcome = try ChildProcess.capture(
                [compiler, "-O2", "-shared", "-fPIC", "-o", library.path, source.path], mergingStderr: true, timeout: 60)
            guard outcome.status == 0 else {
                log("allocations: building the shim failed: \(outcome.stdout)")
                return nil
            }
        } catch {
            log("allocations: building the shim failed: \(error)")
            return nil
        }
        return library
    }
}
