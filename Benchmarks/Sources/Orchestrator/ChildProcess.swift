import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs child processes with a hard deadline, their output going to files (never a pipe that could fill up).
///
/// Spawned with posix_spawn (the `CSpawn` shim), never Foundation's `Process`: in Swift 6.3.1
/// on Linux `Process.run()` over-reads each `/proc/self/fd` entry and crashes at random
/// (swift-corelibs-foundation pull request #5472).
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

    /// Starts `command` (executable path or a name looked up on `PATH`), stdout and stderr to the given files
    /// (truncated first; nil discards), with `environment` added to this process's.
    static func start(
        _ command: [String], directory: URL? = nil, stdout: URL? = nil, stderr: URL? = nil, environment: [String: String] = [:]
    ) throws -> SpawnedProcess {
        let output = try stdout.map(openForWriting) ?? openNullDevice()
        defer { close(output) }
        let errors: Int32
        if let stderr, stderr != stdout {
            errors = try openForWriting(stderr)
        } else {
            errors = stderr == nil ? try openNullDevice() : dup(output)
        }
        defer { close(errors) }
        let input = try openNullDevice()
        defer { close(input) }
        return try SpawnedProcess(command, directory: directory, environment: environment,
                                  standardInput: input, standardOutput: output, standardError: errors)
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

    /// Runs `command` with its output on this process's stderr (for builds); returns its exit status.
    static func runInheritingOutput(_ command: [String], directory: URL, timeout: Double) throws -> Int32 {
        let input = try openNullDevice()
        defer { close(input) }
        let process = try SpawnedProcess(command, directory: directory, environment: [:],
                                         standardInput: input, standardOutput: STDERR_FILENO, standardError: STDERR_FILENO)
        if !waitForExit(process, timeout: timeout) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw LaunchError(description: "\(command.joined(separator: " ")) ran past \(Int(timeout)) s and was killed")
        }
        return process.terminationStatus
    }

    /// Polls until `process` exits (`true`) or `timeout` seconds pass (`false`).
    static func waitForExit(_ process: SpawnedProcess, timeout: Double) -> Bool {
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

    /// A new (or truncated) file at `url`, open for writing.
    private static func openForWriting(_ url: URL) throws -> Int32 {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LaunchError(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
        return fd
    }

    private static func openNullDevice() throws -> Int32 {
        let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw LaunchError(description: "cannot open /dev/null: \(String(cString: strerror(errno)))") }
        return fd
    }
}
