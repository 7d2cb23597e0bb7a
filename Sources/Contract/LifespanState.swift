import Synchronization

/// The mutable state an application fills at lifespan startup (ASGI `scope["state"]`).
///
/// Written during startup, then read-only: the runtime snapshots it once after
/// `lifespan.startup.complete` and shallow-copies the snapshot into every request scope.
public final class LifespanState: Sendable {
    private let storage = Mutex<ScopeState>([:])

    public init() {}

    /// Reads or writes one key.
    public subscript(key: String) -> (any Sendable)? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }

    /// A copy of all keys.
    public var snapshot: ScopeState { storage.withLock { $0 } }
}
