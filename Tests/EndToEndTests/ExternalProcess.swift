import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs an external program (python3, kosoku, curl, the `ringway` executable) with a time
/// bound and collects its output.
///
/// Spawned through swift-subprocess (posix_spawn with close-from), never Foundation's
/// `Process`: in Swift 6.3.1 on Linux `Process.run()` over-reads each `/proc/self/fd`
/// entry and crashes at random (swift-corelibs-foundation pull request #5472).
enum ExternalProcess {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The most output kept of one stream; a program printing more fails the run.
    static let outputLimit = 64 << 20

    /// The first executable named `name` on PATH (or in the usual places).
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments` and `environment` added to this process's; kills
    /// it after `timeout` (the result then has status -9 and says so in `errors`).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> Result {
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment { updates[Environment.Key(stringLiteral: name)] = value }
        let environment = updates.isEmpty ? Environment.inherit : Environment.inherit.updating(updates)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                let outcome = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: environment,
                    output: .string(limit: outputLimit), error: .string(limit: outputLimit))
                let status: Int32 = switch outcome.terminationStatus {
                case .exited(let code): code
                case .signaled(let signal): -signal
                }
                return Result(status: status, output: outcome.standardOutput, errors: outcome.standardError)
            }
            group.addTask {
                // Cancelled when the program finishes first; otherwise the group's cancellation
                // makes swift-subprocess kill the program.
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                return Result(status: -9, output: "", errors: "(killed after \(timeout))")
            }
            return result
        }
    }
}
