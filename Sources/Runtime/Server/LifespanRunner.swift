package import Logging
import Synchronization

/// Runs the application's `lifespan` scope: `lifespan.startup` before the server accepts
/// connections, `lifespan.shutdown` after it drained them.
///
/// Like uvicorn's `--lifespan auto`: an application that returns or throws before
/// answering `lifespan.startup` does not implement lifespan, and the server runs anyway.
/// `lifespan.startup.failed` stops the server with the application's message.
package final class LifespanRunner: MessageChannel, Sendable {
    /// The state the application filled during startup.
    package let state = LifespanState()
    private let application: any Application
    private let logger: Logger
    private let shared = Mutex<Shared>(Shared())

    private struct Shared: ~Copyable {
        var phase = Phase.idle
        var supported = true
        var startupWaiter: CheckedContinuation<Outcome, Never>?
        var shutdownWaiter: CheckedContinuation<Outcome, Never>?
        var shutdownSignal: CheckedContinuation<Void, Never>?
        var shutdownRequested = false
        var task: Task<Void, Never>?
    }

    private enum Phase { case idle, startupSent, started, shutdownSent, done }
    private enum Outcome { case complete, failed(String), unsupported(String) }

    package init(application: any Application, logger: Logger) {
        self.application = application
        self.logger = logger
    }

    /// Sends `lifespan.startup` and waits for the answer. Throws `LifespanError.startupFailed`.
    package func startup() async throws(LifespanError) {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            shared.withLock { $0.startupWaiter = continuation }
            let task = Task { [self] in
                let scope = Scope.lifespan(LifespanScope(state: state))
                var failure: (any Error)?
                do {
                    try await application(scope, Receive(channel: self, exchange: 0), Send(channel: self, exchange: 0))
                } catch {
                    failure = error
                }
                applicationEnded(failure)
            }
            shared.withLock { $0.task = task }
        }
        switch outcome {
        case .complete:
            logger.debug("lifespan startup complete")
        case .failed(let message):
            throw .startupFailed(message)
        case .unsupported(let reason):
            logger.info("ASGI 'lifespan' protocol appears unsupported (\(reason)); continuing without it")
        }
    }

    /// Sends `lifespan.shutdown` and waits (up to `timeout`) for the answer; failures are logged.
    package func shutdown(timeout: Duration = .seconds(30)) async {
        let proceed = shared.withLock { shared -> Bool in
            guard shared.supported, shared.phase == .started else { return false }
            shared.shutdownRequested = true
            return true
        }
        guard proceed else { return }
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            let waiter = self.shared.withLock { shared -> CheckedContinuation<Outcome, Never>? in
                defer { shared.shutdownWaiter = nil }
                return shared.shutdownWaiter
            }
            waiter?.resume(returning: .failed("no answer within \(timeout)"))
        }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let signal = shared.withLock { shared -> CheckedContinuation<Void, Never>? in
                shared.shutdownWaiter = continuation
                defer { shared.shutdownSignal = nil }
                return shared.shutdownSignal
            }
            signal?.resume()
        }
        timer.cancel()
        switch outcome {
        case .complete: logger.debug("lifespan shutdown complete")
        case .failed(let message): logger.error("lifespan shutdown failed: \(message)")
        case .unsupported(let reason): logger.debug("lifespan ended during shutdown: \(reason)")
        }
    }

    private func applicationEnded(_ error: (any Error)?) {
        let reason = error.map { "application raised \($0)" } ?? "application returned"
        let (startup, shutdown, signal) = shared.withLock { shared -> (CheckedContinuation<Outcome, Never>?, CheckedContinuation<Outcome, Never>?, CheckedContinuation<Void, Never>?) in
            if shared.phase == .idle || shared.phase == .startupSent { shared.supported = false }
            shared.phase = .done
            defer { shared.startupWaiter = nil; shared.shutdownWaiter = nil; shared.shutdownSignal = nil }
            return (shared.startupWaiter, shared.shutdownWaiter, shared.shutdownSignal)
        }
        startup?.resume(returning: .unsupported(reason))
        shutdown?.resume(returning: error.map { .failed("\($0)") } ?? .unsupported(reason))
        signal?.resume()
    }

    package func receive(exchange: UInt64) async throws -> ReceiveMessage {
        let isFirst = shared.withLock { shared -> Bool in
            guard shared.phase == .idle else { return false }
            shared.phase = .startupSent
            return true
        }
        if isFirst { return .lifespanStartup }
        // Wait until the server asks for shutdown.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = shared.withLock { shared -> Bool in
                if shared.shutdownWaiter != nil || shared.phase == .done { return true }
                shared.shutdownSignal = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        shared.withLock { if $0.phase == .started { $0.phase = .shutdownSent } }
        return .lifespanShutdown
    }

    package func send(_ message: SendMessage, exchange: UInt64) async throws {
        let (waiter, outcome): (CheckedContinuation<Outcome, Never>?, Outcome) = try shared.withLock { shared throws(MessageOrderError) in
            switch (shared.phase, message) {
            case (.startupSent, .lifespanStartupComplete):
                shared.phase = .started
                defer { shared.startupWaiter = nil }
                return (shared.startupWaiter, .complete)
            case (.startupSent, .lifespanStartupFailed(let text)):
                shared.phase = .done
                defer { shared.startupWaiter = nil }
                return (shared.startupWaiter, .failed(text))
            case (.shutdownSent, .lifespanShutdownComplete):
                shared.phase = .done
                defer { shared.shutdownWaiter = nil }
                return (shared.shutdownWaiter, .complete)
            case (.shutdownSent, .lifespanShutdownFailed(let text)):
                shared.phase = .done
                defer { shared.shutdownWaiter = nil }
                return (shared.shutdownWaiter, .failed(text))
            default:
                throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "lifespan"))
            }
        }
        waiter?.resume(returning: outcome)
    }
}

/// The application refused to start.
public enum LifespanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `lifespan.startup.failed` with the application's message.
    case startupFailed(String)

    public var description: String {
        switch self {
        case .startupFailed(let message): "lifespan startup failed: \(message)"
        }
    }
}
