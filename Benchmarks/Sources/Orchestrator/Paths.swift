import Foundation

/// Where the root package, the Benchmarks package and every executable the orchestrator launches live.
struct Paths: Sendable {
    /// The Ringway package (holds `Package.swift` and `Benchmarks/`).
    let root: URL
    /// The interpreter for the Python contenders.
    let python: String
    /// nginx, when installed.
    let nginx: String?

    var benchmarks: URL { root.appendingPathComponent("Benchmarks") }
    var ringway: URL { root.appendingPathComponent(".build/release/ringway") }
    var load: URL { release("ringway-load") }
    var nioPeer: URL { release("nio-peer") }
    var hummingbirdPeer: URL { release("hummingbird-peer") }
    var vaporPeer: URL { release("vapor-peer") }
    var toolkitPeer: URL { release("ringway-toolkit-peer") }

    private func release(_ product: String) -> URL {
        benchmarks.appendingPathComponent(".build/release/\(product)")
    }

    /// Finds the root: `explicit` if given; else the current directory when it holds `Package.swift` and
    /// `Benchmarks/`; else its parent when the current directory is the Benchmarks package; else the first
    /// ancestor of this executable that holds both.
    static func locateRoot(explicit: String?) throws -> URL {
        let files = FileManager.default
        func isRoot(_ url: URL) -> Bool {
            files.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
                && files.fileExists(atPath: url.appendingPathComponent("Benchmarks/Package.swift").path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            guard isRoot(url) else { throw ValidationFailure("--root \(explicit) holds no Package.swift with a Benchmarks package") }
            return url
        }
        let current = URL(fileURLWithPath: files.currentDirectoryPath).standardizedFileURL
        if isRoot(current) { return current }
        let parent = current.deletingLastPathComponent()
        if isRoot(parent) { return parent }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var candidate = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        while candidate.path != "/" {
            if isRoot(candidate) { return candidate }
            candidate = candidate.deletingLastPathComponent()
        }
        throw ValidationFailure("cannot find the Ringway package: run from it or its Benchmarks directory, or pass --root")
    }
}

/// A readable failure of the orchestrator's own setup.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
