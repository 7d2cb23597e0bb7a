import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Follows a child's log file for the progress lines it writes (`ringway-load sse: measuring`),
/// so the orchestrator can act at the child's phase changes rather than by the clock.
struct ProgressLog {
    let file: URL
    /// Lines already returned, so each wait sees only newer ones.
    private var seen = 0

    init(file: URL) {
        self.file = file
    }

    /// Waits until a line starting with `prefix` appears, the process exits or `timeout` seconds
    /// pass; returns the line, or nil.
    mutating func wait(for prefix: String, from process: SpawnedProcess, timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            // Only whole lines: the last one may still be being written.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for (index, line) in lines.enumerated().dropFirst(seen) where line.hasPrefix(prefix) {
                seen = index + 1
                return String(line)
            }
            if !process.isRunning || Date() >= deadline { return nil }
            usleep(20_000)
        }
    }
}
