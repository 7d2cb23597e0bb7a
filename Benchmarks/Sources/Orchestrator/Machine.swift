import Foundation

/// The machine a session ran on, for the report's header.
struct Machine: Codable, Sendable {
    var cpuModel: String
    var cores: Int
    var kernel: String
    var swiftVersion: String
    /// ISO 8601, UTC.
    var date: String

    /// Describes this machine now.
    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = cpuinfo.split(separator: "\n")
        let model = lines.first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown"
        let processors = lines.filter { $0.hasPrefix("processor") }.count
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let swift = (try? ChildProcess.capture(["swift", "--version"], mergingStderr: true, timeout: 30))?.stdout
            .split(separator: "\n").first { $0.contains("Swift version") }.map(String.init) ?? "unknown"
        let formatter = ISO8601DateFormatter()
        return Machine(
            cpuModel: model,
            cores: processors > 0 ? processors : ProcessInfo.processInfo.activeProcessorCount,
            kernel: kernel,
            swiftVersion: swift,
            date: formatter.string(from: Date())
        )
    }
}
