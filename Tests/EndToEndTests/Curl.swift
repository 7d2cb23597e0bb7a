import Foundation

/// Runs the system `curl` as a real HTTP client.
enum Curl {
    static var path: String? {
        ["/usr/bin/curl", "/usr/local/bin/curl", "/opt/homebrew/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Result: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs curl with `arguments` (bounded by `--max-time 20`) and collects its output.
    static func run(_ path: String, _ arguments: [String]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = ["--max-time", "20"] + arguments
                let output = Pipe()
                let errors = Pipe()
                process.standardOutput = output
                process.standardError = errors
                do {
                    try process.run()
                    let out = output.fileHandleForReading.readDataToEndOfFile()
                    let err = errors.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: Result(
                        status: process.terminationStatus,
                        output: String(decoding: out, as: UTF8.self),
                        errors: String(decoding: err, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
