import Logging
@testable import RingwayRuntime
import Synchronization
import Testing

/// `BackendSelection`: precedence flag > `RINGWAY_BACKEND` > configuration, probing, and the
/// `auto` fallback.
@Suite("BackendSelection")
struct BackendSelectionTests {
    static let forceUnavailable = ["RINGWAY_FORCE_IO_URING_UNAVAILABLE": "1"]

    /// Keeps every log record, to check what selection tells the operator.
    struct CapturingLogHandler: LogHandler {
        final class Records: Sendable {
            private let storage = Mutex<[(Logger.Level, String)]>([])
            func add(_ level: Logger.Level, _ message: String) { storage.withLock { $0.append((level, message)) } }
            var all: [(level: Logger.Level, message: String)] { storage.withLock { $0.map { ($0.0, $0.1) } } }
        }

        let records: Records
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.add(event.level, event.message.description)
        }
    }

    static func capturingLogger() -> (Logger, CapturingLogHandler.Records) {
        let records = CapturingLogHandler.Records()
        return (Logger(label: "ringway.tests.selection") { _ in CapturingLogHandler(records: records) }, records)
    }

    // MARK: kinds

    @Test("the concrete kinds are every kind but auto, fastest first, each with its own name")
    func concreteKinds() {
        #expect(BackendKind.concrete == [.ioUring, .epoll, .dispatch])
        #expect(Set(BackendKind.concrete + [.auto]) == Set(BackendKind.allCases))
        for kind in BackendKind.concrete { #expect(BackendKind(name: kind.rawValue) == kind) }
    }

    // MARK: resolve

    @Test func flagWinsOverEnvironmentAndConfiguration() throws {
        let kind = try BackendSelection.resolve(flag: "epoll", environment: ["RINGWAY_BACKEND": "io_uring"], configured: .dispatch)
        #expect(kind == .epoll)
        // Even when the environment holds an invalid name, it is not consulted.
        #expect(try BackendSelection.resolve(flag: "dispatch", environment: ["RINGWAY_BACKEND": "nonsense"], configured: .epoll) == .dispatch)
    }

    @Test func environmentWinsOverConfiguration() throws {
        #expect(try BackendSelection.resolve(flag: nil, environment: ["RINGWAY_BACKEND": "dispatch"], configured: .epoll) == .dispatch)
        #expect(try BackendSelection.resolve(flag: nil, environment: ["RINGWAY_BACKEND": "auto"], configured: .ioUring) == .auto)
    }

    @Test func configurationIsTheDefault() throws {
        #expect(try BackendSelection.resolve(flag: nil, environment: [:], configured: .epoll) == .epoll)
        #expect(try BackendSelection.resolve(flag: nil, environment: ["OTHER": "x"], configured: .ioUring) == .ioUring)
        // An empty variable counts as unset.
        #expect(try BackendSelection.resolve(flag: nil, environment: ["RINGWAY_BACKEND": ""], configured: .dispatch) == .dispatch)
        #expect(BackendSelection.environmentVariable == "RINGWAY_BACKEND")
    }

    @Test(arguments: [
        ("io_uring", BackendKind.ioUring), ("IO_URING", .ioUring), ("iouring", .ioUring), ("uring", .ioUring),
        ("io-uring", .ioUring), ("epoll", .epoll), ("EPoll", .epoll), ("dispatch", .dispatch), ("Auto", .auto),
    ])
    func acceptedNames(name: String, kind: BackendKind) throws {
        #expect(try BackendSelection.resolve(flag: name, environment: [:], configured: .dispatch) == kind)
        #expect(try BackendSelection.resolve(flag: nil, environment: ["RINGWAY_BACKEND": name], configured: .dispatch) == kind)
    }

    @Test func unknownFlagThrowsNamingTheFlag() {
        #expect(throws: BackendSelectionError.unknownBackend("kqueue", source: "--backend")) {
            try BackendSelection.resolve(flag: "kqueue", environment: ["RINGWAY_BACKEND": "epoll"], configured: .epoll)
        }
        // An empty flag is a given (and invalid) name, not an absent one.
        #expect(throws: BackendSelectionError.unknownBackend("", source: "--backend")) {
            try BackendSelection.resolve(flag: "", environment: [:], configured: .epoll)
        }
    }

    @Test func unknownEnvironmentValueThrowsNamingTheVariable() {
        #expect(throws: BackendSelectionError.unknownBackend("iocp", source: "RINGWAY_BACKEND")) {
            try BackendSelection.resolve(flag: nil, environment: ["RINGWAY_BACKEND": "iocp"], configured: .epoll)
        }
    }

    @Test func unknownBackendDescriptionNamesSourceAndValidNames() {
        let text = BackendSelectionError.unknownBackend("iocp", source: "RINGWAY_BACKEND").description
        #expect(text.contains("'iocp'"))
        #expect(text.contains("RINGWAY_BACKEND"))
        #expect(text.contains(BackendKind.validNames))
    }

    // MARK: probe and factory

    @Test func forcedUnavailableProbeFails() throws {
        let error = try #require(BackendSelection.probe(.ioUring, environment: Self.forceUnavailable))
        #expect(error.backend == .ioUring)
        #expect(error.description.contains("RINGWAY_FORCE_IO_URING_UNAVAILABLE"))
    }

    #if os(Linux)
    @Test func epollProbeSucceeds() {
        #expect(BackendSelection.probe(.epoll, environment: [:]) == nil)
        #expect(BackendSelection.probe(.epoll, environment: Self.forceUnavailable) == nil)
    }

    @Test func autoProbeSucceedsThroughTheEpollFallback() {
        #expect(BackendSelection.probe(.auto, environment: Self.forceUnavailable) == nil)
    }

    @Test func autoWithIOURingForcedUnavailableFallsBackToEpoll() throws {
        let (logger, records) = Self.capturingLogger()
        let factory = try BackendSelection.factory(for: .auto, environment: Self.forceUnavailable, logger: logger)
        #expect(factory.kind == .epoll)
        // One line says which backend was chosen and why.
        let notices = records.all.filter { $0.level >= .notice }
        #expect(notices.count == 1)
        let line = notices.first?.message ?? ""
        #expect(line.contains("epoll"))
        #expect(line.contains("io_uring unavailable"))
        #expect(line.contains("RINGWAY_FORCE_IO_URING_UNAVAILABLE"))

        // The factory makes working epoll backends.
        let backend = try factory.make()
        #expect(backend.kind == .epoll)
        backend.shutdown()
    }

    @Test func explicitIOURingForcedUnavailableThrows() {
        #expect {
            try BackendSelection.factory(for: .ioUring, environment: Self.forceUnavailable, logger: Logger(label: "t"))
        } throws: { error in
            (error as? BackendError)?.backend == .ioUring
        }
    }

    @Test func explicitEpollIgnoresTheIOURingOverride() throws {
        let factory = try BackendSelection.factory(for: .epoll, environment: Self.forceUnavailable, logger: Logger(label: "t"))
        #expect(factory.kind == .epoll)
    }

    @Test func autoChoosesIOURingExactlyWhenItsProbePasses() throws {
        let (logger, records) = Self.capturingLogger()
        let available = BackendSelection.probe(.ioUring, environment: [:]) == nil
        let factory = try BackendSelection.factory(for: .auto, environment: [:], logger: logger)
        #expect(factory.kind == (available ? .ioUring : .epoll))
        #expect(factory.kind != .auto)
        #expect(records.all.contains { $0.message.contains(available ? "using io_uring" : "using epoll") })
    }

    @Test func explicitIOURingWhenAvailableMakesIOURingBackends() throws {
        if let reason = BackendSelection.probe(.ioUring, environment: [:]) {
            try Test.cancel("io_uring cannot run here: \(reason)")
        }
        let factory = try BackendSelection.factory(for: .ioUring, environment: [:], logger: Logger(label: "t"))
        #expect(factory.kind == .ioUring)
        // Created and shut down on this thread (SINGLE_ISSUER).
        let backend = try factory.make()
        #expect(backend.kind == .ioUring)
        backend.shutdown()
    }
    #endif
}
