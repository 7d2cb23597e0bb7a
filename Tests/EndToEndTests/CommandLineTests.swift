import Foundation
import Testing

/// Runs the built `ringway` executable as a user would.
@Suite("ringway command line")
struct CommandLineTests {
    static var binary: URL? {
        // Tests run from the package's build folder: the executable sits beside the test bundle.
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("ringway") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Outcome {
        var status: Int32
        var errors: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        let binary = try #require(Self.binary, "the ringway executable is built by `swift build` before tests")
        let result = try await ExternalProcess.run(binary.path, arguments, environment: environment, timeout: .seconds(60))
        return Outcome(status: result.status, errors: result.errors)
    }

    @Test("--backend bogus exits non-zero and lists the valid backends")
    func bogusBackend() async throws {
        let outcome = try await Self.run(["serve", "--backend", "bogus", "--port", "0"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("io_uring, epoll, dispatch, auto"))
    }

    @Test("RINGWAY_BACKEND=bogus exits non-zero and names the variable")
    func bogusEnvironment() async throws {
        let outcome = try await Self.run(["serve", "--port", "0"], environment: ["RINGWAY_BACKEND": "bogus"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("RINGWAY_BACKEND"))
    }

    @Test("an explicit io_uring that is unavailable fails at startup, never falls back")
    func explicitUnavailable() async throws {
        let outcome = try await Self.run(["serve", "--backend", "io_uring", "--port", "0"],
                                   environment: ["RINGWAY_FORCE_IO_URING_UNAVAILABLE": "1"])
        #expect(outcome.status != 0)
        #expect(outcome.errors.contains("io_uring"))
        #expect(!outcome.errors.contains("listening"))
    }
}
