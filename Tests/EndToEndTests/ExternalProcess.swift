import Foundation

/// Runs an external program (python3, kosoku, curl) with a time bound and collects its output.
enum ExternalProcess {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The first executable named `name` on PATH (or in the usual places).
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments`; kills it after `timeout` (the result then has
    /// status -9 and says so in `errors`).
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            // A queue of its own (it targets an overcommitting thread), never the global
            // queue: the waits below block for the program's whole run, and on Linux the
            // global queue's few threads are the ones Swift concurrency runs every test on.
            DispatchQueue(label: "ringway.test.external-process").async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let output = Pipe()
                let errors = Pipe()
                process.standardOutput = output
                process.standardError = errors
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let seconds = Double(timeout.components.seconds)
                let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
                let out = output.fileHandleForReading.readDataToEndOfFile()
                let err = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                killer.cancel()
                var errorText = String(decoding: err, as: UTF8.self)
                if process.terminationReason == .uncaughtSignal { errorText += "\n(killed after \(timeout))" }
                continuation.resume(returning: Result(
                    status: process.terminationReason == .uncaughtSignal ? -9 : process.terminationStatus,
                    output: String(decoding: out, as: UTF8.self), errors: errorText))
            }
        }
    }
}
