import Foundation
import Ringway
import RingwayTestSupport
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `ringway serve` (which runs `Server.runService()`) as a child process: a signal makes it
/// stop accepting, drain, run lifespan shutdown and exit 0. A server ignoring the signal
/// would run until the test's bound kills it, which fails the test.
@Suite("ringway serve and signals")
struct CommandLineSignalTests {
    struct Outcome: Sendable {
        var status: TerminationStatus?
        var log: String
        var served: String?
    }

    /// Starts `ringway serve`, waits for its "listening" line, makes one request, sends
    /// `signal`, and collects its log until it exits (killed after 60 s).
    static func serveThenSignal(backend: BackendKind, _ signal: Subprocess.Signal) async throws -> Outcome {
        let binary = try #require(CommandLineTests.binary, "the ringway executable is built by `swift build` before tests")
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                let served = Recorder<String>()
                let result = try await Subprocess.run(
                    .path(FilePath(binary.path)),
                    arguments: ["serve", "--port", "0", "--loops", "1", "--backend", backend.rawValue, "--log-level", "info"],
                    input: .none, output: .discarded, error: .sequence
                ) { execution in
                    var log = ""
                    for try await line in execution.standardError.strings() {
                        log += line + "\n"
                        if let port = Self.port(inListeningLine: line) {
                            served.append((try? await LiveClient(port: port).get("/").status).map(String.init) ?? "no answer")
                            try execution.send(signal: signal)
                        }
                    }
                    return log
                }
                return Outcome(status: result.terminationStatus, log: result.closureResult, served: served.all.first)
            }
            group.addTask {
                // Cancelled when the child exits first; otherwise cancelling the group kills it.
                try? await Task.sleep(for: .seconds(60))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let outcome = first else {
                return Outcome(status: nil, log: "(killed after 60 s)")
            }
            return outcome
        }
    }

    /// The port of `Ringway listening on http://127.0.0.1:PORT (…)`, if `line` is that line.
    static func port(inListeningLine line: String) -> Int? {
        guard let range = line.range(of: "listening on http://127.0.0.1:") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    @Test("SIGTERM: serve drains and exits 0", arguments: BackendKind.concrete)
    func sigterm(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let outcome = try await Self.serveThenSignal(backend: backend, .terminate)
        #expect(outcome.served == "200")
        #expect(outcome.status == .exited(0), "\(outcome.log)")
        #expect(outcome.log.contains("shutdown complete"), "\(outcome.log)")
    }

    @Test("SIGINT (Ctrl-C): serve drains and exits 0")
    func sigint() async throws {
        let outcome = try await Self.serveThenSignal(backend: .dispatch, .interrupt)
        #expect(outcome.served == "200")
        #expect(outcome.status == .exited(0), "\(outcome.log)")
        #expect(outcome.log.contains("shutdown complete"), "\(outcome.log)")
    }

    @Test("runService() in process: serves, and returns normally after shutdown()", arguments: BackendKind.concrete)
    func runServiceShutdown(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: Array("up".utf8)))
        }
        let server = Server(app: app, configuration: ServerConfiguration(port: 0, backend: backend, loops: 1), logger: testLogger)
        let run = Task { try await server.runService() }
        let port = try await server.waitUntilListening().port
        #expect(try await LiveClient(port: port).get("/").text == "up")
        server.shutdown()
        try await run.value
        #expect(server.backend == backend)
    }
}
