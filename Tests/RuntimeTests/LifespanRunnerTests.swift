import Logging
@testable import RingwayRuntime
import Synchronization
import Testing

/// `LifespanRunner`: the `lifespan` scope with uvicorn's `--lifespan auto` semantics.
@Suite("LifespanRunner", .timeLimit(.minutes(1)))
struct LifespanRunnerTests {
    struct AppFailure: Error, CustomStringConvertible {
        var description: String { "the application blew up" }
    }

    /// What an application did, in order (shared with the test).
    final class Trace: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    static func runner(_ app: App) -> LifespanRunner {
        LifespanRunner(application: app, logger: Logger(label: "ringway.tests.lifespan"))
    }

    /// Runs `operation` and waits (bounded) for it; a hang fails the test instead of blocking it.
    static func finishes(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ operation: @escaping @Sendable () async -> Void
    ) async -> Bool {
        (try? await RuntimeTestIO.within(what, sourceLocation: sourceLocation, operation)) != nil
    }

    /// `runner.startup()`, bounded.
    static func startup(_ runner: LifespanRunner, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await RuntimeTestIO.within("startup", sourceLocation: sourceLocation) { try await runner.startup() }
    }

    @Test("startup and shutdown complete; state set at startup is visible")
    func completeStartupAndShutdown() async throws {
        let trace = Trace()
        let app = App { scope, receive, send in
            guard case .lifespan(let lifespan) = scope else { return trace.add("wrong scope \(scope.type)") }
            trace.add(try await receive().type)
            lifespan.state["database"] = "connected"
            lifespan.state["answer"] = 42
            try await send(.lifespanStartupComplete)
            trace.add(try await receive().type)
            try await send(.lifespanShutdownComplete)
            trace.add("returned")
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(trace.all == ["lifespan.startup"])
        let snapshot = runner.state.snapshot
        #expect(snapshot.count == 2)
        #expect(snapshot["database"] as? String == "connected")
        #expect(snapshot["answer"] as? Int == 42)

        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
        #expect(await RuntimeTestIO.waitUntilAsync { trace.all.count == 3 })
        #expect(trace.all == ["lifespan.startup", "lifespan.shutdown", "returned"])
        // The state outlives the application.
        #expect(runner.state.snapshot["answer"] as? Int == 42)
    }

    @Test("startup.failed makes startup throw the application's message")
    func startupFailed() async throws {
        let app = App { _, receive, send in
            _ = try await receive()
            try await send(.lifespanStartupFailed(message: "no database at db:5432"))
        }
        let runner = Self.runner(app)
        await #expect(throws: LifespanError.startupFailed("no database at db:5432")) {
            try await Self.startup(runner)
        }
        #expect(LifespanError.startupFailed("m").description == "lifespan startup failed: m")
        // Shutting down a runner whose startup failed does nothing, and returns.
        #expect(await Self.finishes("shutdown after a failed startup") { await runner.shutdown() })
    }

    @Test("an application that returns at once does not support lifespan: startup and shutdown return")
    func returnsImmediately() async throws {
        let called = Mutex(0)
        let app = App { scope, _, _ in
            called.withLock { $0 += 1 }
            #expect(scope.type == "lifespan")
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(called.withLock { $0 } == 1)
        #expect(runner.state.snapshot.isEmpty)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
        #expect(called.withLock { $0 } == 1, "the application was called again for shutdown")
    }

    @Test("an application that throws before answering does not support lifespan")
    func throwsBeforeAnswering() async throws {
        let app = App { _, _, _ in throw AppFailure() }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
    }

    @Test("an application that throws after receiving lifespan.startup does not support lifespan")
    func throwsAfterReceivingStartup() async throws {
        let received = Mutex<String?>(nil)
        let app = App { _, receive, _ in
            let message = try await receive()
            received.withLock { $0 = message.type }
            throw AppFailure()
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(received.withLock { $0 } == "lifespan.startup")
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
    }

    @Test("startup complete, then shutdown.failed: shutdown returns")
    func shutdownFailed() async throws {
        let trace = Trace()
        let app = App { _, receive, send in
            _ = try await receive()
            try await send(.lifespanStartupComplete)
            trace.add(try await receive().type)
            try await send(.lifespanShutdownFailed(message: "could not flush"))
            trace.add("returned")
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
        #expect(await RuntimeTestIO.waitUntilAsync { trace.all.count == 2 })
        #expect(trace.all == ["lifespan.shutdown", "returned"])
    }

    @Test("an application that throws during shutdown: shutdown returns")
    func throwsDuringShutdown() async throws {
        let app = App { _, receive, send in
            _ = try await receive()
            try await send(.lifespanStartupComplete)
            _ = try await receive()
            throw AppFailure()
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
    }

    @Test("an application that returns right after startup.complete: shutdown returns")
    func returnsAfterStartupComplete() async throws {
        let app = App { _, receive, send in
            _ = try await receive()
            try await send(.lifespanStartupComplete)
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
    }

    @Test("shutdown gives up after its timeout when the application never answers")
    func shutdownTimeout() async throws {
        let release = Mutex(false)
        let trace = Trace()
        let app = App { _, receive, send in
            _ = try await receive()
            try await send(.lifespanStartupComplete)
            _ = try await receive()
            trace.add("shutdown received")
            // Never answers until the test releases it.
            _ = await RuntimeTestIO.waitUntilAsync(boundNanoseconds: 20_000_000_000) { release.withLock { $0 } }
            try? await send(.lifespanShutdownComplete)
            trace.add("returned")
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown with a timeout") { await runner.shutdown(timeout: .milliseconds(50)) })
        #expect(trace.all == ["shutdown received"])
        // A late answer after the timeout is harmless.
        release.withLock { $0 = true }
        #expect(await RuntimeTestIO.waitUntilAsync { trace.all.count == 2 })
    }

    @Test("shutdown without startup returns at once and never calls the application")
    func shutdownWithoutStartup() async {
        let called = Mutex(false)
        let runner = Self.runner(App { _, _, _ in called.withLock { $0 = true } })
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
        #expect(!called.withLock { $0 })
    }

    @Test("messages out of order are refused with unexpectedMessage")
    func unexpectedMessages() async throws {
        let errors = Mutex<[MessageOrderError]>([])
        let app = App { _, receive, send in
            func record(_ message: SendMessage) async {
                do {
                    try await send(message)
                } catch let error as MessageOrderError {
                    errors.withLock { $0.append(error) }
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
            // Before lifespan.startup was received: nothing is expected yet.
            await record(.lifespanStartupComplete)
            _ = try await receive()
            // HTTP messages and shutdown answers are not valid during startup.
            await record(.httpResponseStart(status: 200))
            await record(.lifespanShutdownComplete)
            try await send(.lifespanStartupComplete)
            // A second startup answer is not valid either.
            await record(.lifespanStartupFailed(message: "late"))
            _ = try await receive()
            try await send(.lifespanShutdownComplete)
        }
        let runner = Self.runner(app)
        try await Self.startup(runner)
        #expect(await Self.finishes("shutdown") { await runner.shutdown() })
        #expect(errors.withLock { $0 } == [
            MessageOrderError(.unexpectedMessage(type: "lifespan.startup.complete", scope: "lifespan")),
            MessageOrderError(.unexpectedMessage(type: "http.response.start", scope: "lifespan")),
            MessageOrderError(.unexpectedMessage(type: "lifespan.shutdown.complete", scope: "lifespan")),
            MessageOrderError(.unexpectedMessage(type: "lifespan.startup.failed", scope: "lifespan")),
        ])
    }
}
