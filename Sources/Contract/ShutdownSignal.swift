import Synchronization

/// Tells long-lived responses that the server is shutting down gracefully.
///
/// A graceful shutdown stops accepting, then waits for the exchanges in progress to end. A
/// response that never ends on its own (an event stream, a long poll) would hold the
/// shutdown until its timeout; with this signal it ends at once instead, telling its client
/// to reconnect elsewhere. The server puts one signal in every HTTP and WebSocket scope
/// (`scope.shutdownSignal`) and triggers it when the shutdown starts.
///
/// ```swift
/// let registration = scope.shutdownSignal?.onShutdown { stream.finish() }
/// defer { registration?.cancel() }
/// ```
public final class ShutdownSignal: Sendable {
    private struct State: ~Copyable {
        var triggered = false
        var nextID: UInt64 = 0
        var handlers: [UInt64: @Sendable () -> Void] = [:]
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before they stored their continuation.
        var cancelledWaits: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the shutdown has started.
    public var isTriggered: Bool { state.withLock { $0.triggered } }

    /// Calls `handler` once when the shutdown starts (at once, on this thread, when it has
    /// started already). Handlers run on the thread that triggers the signal: keep them short.
    @discardableResult
    public func onShutdown(_ handler: @escaping @Sendable () -> Void) -> ShutdownRegistration {
        let id = state.withLock { state -> UInt64? in
            guard !state.triggered else { return nil }
            state.nextID &+= 1
            state.handlers[state.nextID] = handler
            return state.nextID
        }
        guard let id else {
            handler()
            return ShutdownRegistration(signal: nil, id: 0)
        }
        return ShutdownRegistration(signal: self, id: id)
    }

    /// Returns when the shutdown has started, or at once when the task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.triggered || state.cancelledWaits.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.triggered { state.cancelledWaits.insert(id) }
                return nil
            }
            waiter?.resume()
        }
        _ = state.withLock { $0.cancelledWaits.remove(id) }
    }

    /// Starts the shutdown: runs every handler and resumes every waiter, once. The server
    /// calls it; a test or an embedder may too.
    public func trigger() {
        let (handlers, waiters) = state.withLock { state -> ([@Sendable () -> Void], [CheckedContinuation<Void, Never>]) in
            guard !state.triggered else { return ([], []) }
            state.triggered = true
            defer { state.handlers = [:]; state.waiters = [:] }
            return (Array(state.handlers.values), Array(state.waiters.values))
        }
        for handler in handlers { handler() }
        for waiter in waiters { waiter.resume() }
    }

    fileprivate func remove(_ id: UInt64) {
        _ = state.withLock { $0.handlers.removeValue(forKey: id) }
    }
}

/// A handler registered with `ShutdownSignal.onShutdown`; `cancel()` removes it.
public struct ShutdownRegistration: Sendable {
    fileprivate let signal: ShutdownSignal?
    fileprivate let id: UInt64

    /// Removes the handler (nothing when it ran already).
    public func cancel() { signal?.remove(id) }
}
