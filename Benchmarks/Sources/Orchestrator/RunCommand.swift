import ArgumentParser
import Foundation

/// `ringway-bench run` (the default): builds, runs the matrix round by round, writes results and the report.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build, run every workload against every contender, and write results.json, report.md and charts."
    )

    @Option(help: "The Ringway package root. Default: the current directory, its parent, or found from this executable.")
    var root: String?

    @Flag(help: "Skip `swift build`; use the release binaries already built.")
    var noBuild = false

    @Option(help: "Comma-separated contenders (\(Contender.all.map(\.name).joined(separator: ", "))). Default: all available.")
    var contenders: String?

    @Option(help: "Comma-separated workloads (\(Workload.allNames.joined(separator: ", "))). Default: all.")
    var workloads: String?

    @Option(help: "Measured seconds per run.")
    var duration = 10.0

    @Option(help: "Warm-up seconds per run (load flows, nothing is counted).")
    var warmup = 2.0

    @Option(help: "Rounds; each (workload, contender) reports its median round.")
    var rounds = 3

    @Option(help: "Core the server is pinned to (taskset).")
    var serverCPU = 0

    @Option(help: "Core the load generator is pinned to (taskset).")
    var loadCPU = 1

    @Flag(help: "Do not pin either process to a core.")
    var noPin = false

    @Option(help: "Contenders for the idle-connections check (comma-separated). Default: \(Contender.defaultIdleNames.joined(separator: ", ")).")
    var idleContenders: String?

    @Option(help: "Contenders for the allocations check (comma-separated). Default: \(Contender.defaultAllocationNames.joined(separator: ", ")).")
    var allocationContenders: String?

    @Option(help: "Connections the idle-connections check holds open.")
    var idleConnections = 10_000

    @Option(help: "Seconds to pause between runs.")
    var cooldown = 1.0

    @Option(help: "Python interpreter for the uvicorn and granian contenders.")
    var python = "python3"

    @Option(help: "Output directory, relative to the root unless absolute.")
    var output = "reports/latest"

    func validate() throws {
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive and --warmup not negative") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard idleConnections >= 1, idleConnections <= 50_000 else { throw ValidationError("--idle-connections must be 1…50000") }
        guard cooldown >= 0, cooldown <= 60 else { throw ValidationError("--cooldown must be 0…60 seconds") }
        _ = try Self.select(contenders, from: Contender.all.map(\.name), what: "contender")
        _ = try Self.select(workloads, from: Workload.allNames, what: "workload")
        _ = try Self.select(idleContenders, from: Contender.all.map(\.name), what: "contender")
        _ = try Self.select(allocationContenders, from: Contender.all.map(\.name), what: "contender")
        if !noPin {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            guard (0..<cores).contains(serverCPU), (0..<cores).contains(loadCPU) else {
                throw ValidationError("--server-cpu and --load-cpu must be cores 0…\(cores - 1) (or pass --no-pin)")
            }
            guard ChildProcess.which("taskset") != nil else { throw ValidationError("taskset not found (util-linux); pass --no-pin") }
        }
    }

    func run() throws {
        let rootURL = try Paths.locateRoot(explicit: root)
        let paths = Paths(root: rootURL, python: python, nginx: ChildProcess.which("nginx"))
        let workloadNames = try Self.select(workloads, from: Workload.allNames, what: "workload") ?? Workload.allNames
        let selectedWorkloads = Workload.all.filter { workloadNames.contains($0.name) }
        let requested = try Self.select(contenders, from: Contender.all.map(\.name), what: "contender")
        var candidates = Contender.all.filter { requested?.contains($0.name) ?? true }

        if !noBuild {
            var products: [String] = []
            if !selectedWorkloads.isEmpty || workloadNames.contains(Workload.allocationsName) { products.append("ringway-load") }
            if candidates.contains(where: { $0.kind == .nio }) { products.append("nio-peer") }
            if candidates.contains(where: { $0.kind == .hummingbird }) { products.append("hummingbird-peer") }
            if candidates.contains(where: { $0.kind == .vapor }) { products.append("vapor-peer") }
            if candidates.contains(where: \.isToolkitPeer) { products.append("ringway-toolkit-peer") }
            if candidates.contains(where: \.isRingway) || !products.isEmpty {
                try Builder.build(paths: paths, products: products, skipRingway: !candidates.contains(where: \.isRingway))
            }
        }
        if !selectedWorkloads.isEmpty || workloadNames.contains(Workload.allocationsName),
           !FileManager.default.isExecutableFile(atPath: paths.load.path) {
            throw ValidationFailure("\(paths.load.path) is not built (run without --no-build)")
        }

        var skipped: [Results.Skip] = []
        candidates = candidates.filter { contender in
            guard let reason = contender.unavailability(paths: paths) else { return true }
            skipped.append(.init(contender: contender.name, reason: reason))
            log("skipping \(contender.name): \(reason)")
            return false
        }
        guard !candidates.isEmpty else { throw ValidationFailure("no contender is available") }
        let idleNames = try Self.select(idleContenders, from: Contender.all.map(\.name), what: "contender") ?? Contender.defaultIdleNames
        let idle = workloadNames.contains(Workload.idleName) ? candidates.filter { idleNames.contains($0.name) } : []
        // Thousands of sockets on both sides; the servers inherit the raised limit.
        if !idle.isEmpty || selectedWorkloads.contains(where: { $0.mode == .sse }) { IdleConnections.raiseFileLimit() }
        let allocationNames = try Self.select(allocationContenders, from: Contender.all.map(\.name), what: "contender")
            ?? Contender.defaultAllocationNames
        var counted = workloadNames.contains(Workload.allocationsName) ? candidates.filter { allocationNames.contains($0.name) } : []

        let outputURL = output.hasPrefix("/") ? URL(fileURLWithPath: output) : rootURL.appendingPathComponent(output)
        try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
        let settings = Results.Settings(
            duration: duration, warmup: warmup, rounds: rounds,
            serverCPU: noPin ? nil : serverCPU, loadCPU: noPin ? nil : loadCPU,
            contenders: candidates.map(\.name), workloads: workloadNames, idleConnections: idleConnections)
        var shim: URL?
        if !counted.isEmpty {
            shim = AllocationRun.buildShim(paths: paths, into: outputURL)
            if shim == nil { counted = [] }
        }
        var session = Session(
            paths: paths, workloads: selectedWorkloads, contenders: candidates, idleContenders: idle,
            allocationContenders: counted, shim: shim, cooldown: cooldown,
            output: outputURL, results: Results(machine: Machine.current(), settings: settings, skipped: skipped))
        try session.run()

        let report = Report(results: session.results)
        try report.write(to: outputURL)
        print(report.terminalSummary)
        log("wrote \(outputURL.appendingPathComponent("report.md").path)")
    }

    /// Parses a comma-separated selection, rejecting unknown names; `nil` when nothing was given.
    static func select(_ list: String?, from valid: [String], what: String) throws -> [String]? {
        guard let list else { return nil }
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for name in names where !valid.contains(name) {
            throw ValidationError("unknown \(what) '\(name)'; valid: \(valid.joined(separator: ", "))")
        }
        return names
    }
}
