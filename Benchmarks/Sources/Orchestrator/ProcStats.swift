import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of a process and its descendants (nginx's workers, granian's), read from `/proc`.
enum ProcStats {
    /// User plus system CPU seconds consumed so far by `pid` and its live descendants.
    static func cpuSeconds(tree pid: Int32) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return tree(pid).reduce(0) { total, process in
            guard let fields = statFields(process), fields.count > 12,
                let user = Double(fields[11]), let system = Double(fields[12])
            else { return total }
            return total + (user + system) / ticks
        }
    }

    /// Resident memory in bytes (`VmRSS`) of `pid` and its descendants.
    static func residentBytes(tree pid: Int32) -> Int {
        tree(pid).reduce(0) { $0 + (statusKilobytes($1, field: "VmRSS") ?? 0) * 1024 }
    }

    /// Peak resident memory in bytes (`VmHWM`) of `pid` plus its descendants' peaks.
    static func peakResidentBytes(tree pid: Int32) -> Int {
        tree(pid).reduce(0) { $0 + (statusKilobytes($1, field: "VmHWM") ?? 0) * 1024 }
    }

    /// `pid` followed by all its live descendants.
    static func tree(_ pid: Int32) -> [Int32] {
        var result: [Int32] = []
        var pending = [pid]
        while let next = pending.popLast() {
            result.append(next)
            pending += children(next)
        }
        return result
    }

    private static func children(_ pid: Int32) -> [Int32] {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return [] }
        return threads.flatMap { thread -> [Int32] in
            guard let text = try? String(contentsOfFile: "\(tasks)/\(thread)/children", encoding: .utf8) else { return [] }
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// The fields of `/proc/PID/stat` after the command name, so index 0 is field 3 (state).
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static func statusKilobytes(_ pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
