import Foundation

/// Runs the system `curl` as a real HTTP client.
enum Curl {
    static var path: String? {
        ["/usr/bin/curl", "/usr/local/bin/curl", "/opt/homebrew/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs curl with `arguments` (bounded by `--max-time 20`) and collects its output.
    static func run(_ path: String, _ arguments: [String]) async throws -> ExternalProcess.Result {
        try await ExternalProcess.run(path, ["--max-time", "20"] + arguments, timeout: .seconds(30))
    }
}
