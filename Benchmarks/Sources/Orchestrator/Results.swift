import Foundation
import LoadReportFormat

/// Everything one benchmark session measured: the raw contents of `results.json`.
struct Results: Codable, Sendable {
    /// The settings the session ran with.
    struct Settings: Codable, Sendable {
        var duration: Double
        var warmup: Double
        var rounds: Int
        var serverCPU: Int?
        var loadCPU: Int?
        var contenders: [String]
        var workloads: [String]
        var idleConnections: Int
    }

    /// A contender left out, and why.
    struct Skip: Codable, Sendable {
        var contender: String
        var reason: String
    }

    var machine: Machine
    var settings: Settings
    var skipped: [Skip] = []
    var runs: [RunRecord] = []
    var idle: [IdleRecord] = []
    var allocations: [AllocationRecord]? = []

    /// Reads a `results.json`.
    static func load(from url: URL) throws -> Results {
        try JSONDecoder().decode(Results.self, from: Data(contentsOf: url))
    }

    /// Writes it as pretty-printed JSON.
    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}

/// One load run: one contender, one workload, one round.
struct RunRecord: Codable, Sendable {
    var round: Int
    var workload: String
    var contender: String
    /// Set when the run failed (server would not start, load generator failed or timed out).
    var failure: String?
    var load: LoadReport?
    /// Server CPU seconds per wall-clock second over the measured window (1.0 = one core busy).
    var serverCPUUtilization: Double?
    /// Server CPU microseconds per completed request (or message).
    var serverCPUMicrosPerRequest: Double?
    /// Server's peak resident memory (`VmHWM`), bytes.
    var peakRSSBytes: Int?
    /// Loopback drops and TCP retransmits, machine-wide, during the run: non-zero marks a noisy run.
    var network: NetStats?
    /// SSE: the server's `VmRSS` with every subscriber stream open and idle, minus before the first, per stream.
    var idleStreamBytes: Double?
    /// Toolkit workloads: lines the server's request log holds after the run (warm-up included); nil: no log.
    var accessLogLines: Int?

    /// Whether the run produced a usable result.
    var succeeded: Bool { failure == nil && load != nil }
}

/// The allocations check for one contender and workload.
struct AllocationRecord: Codable, Sendable {
    var workload: String
    var contender: String
    /// Requests (or messages) completed in the counted window.
    var requests: Int?
    /// Heap allocations (malloc, calloc, realloc, memalign) of the whole server process in that window.
    var allocations: Int?
    var failure: String?

    /// Allocations per request (or message).
    var perRequest: Double? {
        guard let requests, let allocations, requests > 0 else { return nil }
        return Double(allocations) / Double(requests)
    }
}

/// The idle-connections check for one contender.
struct IdleRecord: Codable, Sendable {
    var contender: String
    /// Connections asked for.
    var target: Int
    /// Connections that got their response and were still open when memory was measured.
    var established: Int
    var rssBeforeBytes: Int
    var rssAfterBytes: Int
    /// Seconds it took to open them all.
    var seconds: Double
    var failure: String?

    /// Resident memory added per open connection.
    var bytesPerConnection: Double? {
        established > 0 ? Double(rssAfterBytes - rssBeforeBytes) / Double(established) : nil
    }
}
