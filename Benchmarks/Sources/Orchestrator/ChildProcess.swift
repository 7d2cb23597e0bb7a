import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs child processes with a hard deadline, their output going to files (never a pipe that could fill up).
enum ChildProcess {
    /// How a finished (or killed) child ended.
    struct Outcome: Sendable {
        /// Exit status, or the signal number for a signalled child.
        let status: Int32
        /// Killed for running past its deadline.
        let timedOut: Bool
        /// Everything it wrote to stdout.
        let stdout: String
    }

    /// Errors starting a child.
    struct LaunchError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `command` (executable path or a name looked up on `PATH`), stdout and stderr to the given files,
    /// with `environment` added to this process's.
    static func start(
        _ command: [String], directory: URL? = nil, stdout: URL? = nil, stderr: URL? = nil, environment: [String: String] = [:]
    ) throws -> Process {
        guard let executable = command.first else { throw LaunchError(description: "empty command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(executable))
        process.arguments = Array(command.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        let output = try stdout.map(handle(writingTo:))
        process.standardOutput = output ?? FileHandle.nullDevice
        if let stderr, stderr == stdout, let output {
            process.standardError = output
        } else {
            process.standardError = try stderr.map(handle(writingTo:)) ?? FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            throw LaunchError(description: "cannot start \(command.joined(separator: " ")): \(error)")
        }
        return process
    }

    /// Runs `command` to completion or until `timeout` seconds pass (then SIGKILL); returns its stdout.
    ///
    /// `stderr`, when given, receives the child's stderr; otherwise it is discarded (or, with
    /// `mergingStderr`, captured with stdout).
    static func capture(
        _ command: [String], directory: URL? = nil, stderr: URL? = nil, mergingStderr: Bool = false, timeout: Double
    ) throws -> Outcome {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("ringway-bench-\(getpid())-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try start(command, directory: directory, stdout: output, stderr: mergingStderr ? output : stderr)
        let timedOut = !waitForExit(process, timeout: timeout)
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, timedOut: timedOut, stdout: text)
    }

    /// Runs `command` with this process's stdout and stderr (for builds); returns its exit status.
    static func runInheritingOutput(_ command: [String], directory: URL, timeout: Double) throws -> Int32 {
        guard let executable = command.first else { throw LaunchError(description: "empty command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(executable))
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        try process.run()
        if !waitForExit(process, timeout: timeout) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw LaunchError(description: "\(command.joined(separator: " ")) ran past \(Int(timeout)) s and was killed")
        }
        return process.terminationStatus
    }

    /// Polls until `process` exits (`true`) or `timeout` seconds pass (`false`).
    static func waitForExit(_ process: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// The full path of `name`: itself when it contains a slash, else the first executable match on `PATH`.
    static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        return which(name) ?? name
    }

    /// The first executable called `name` on `PATH`, if any.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let extra = ["/usr/sbin", "/usr/local/sbin", "/sbin"]
        for directory in path.split(separator: ":").map(String.init) + extra {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func handle(writingTo url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw LaunchError(description: "cannot write \(url.path)")
        }
        return handle
    }
}
