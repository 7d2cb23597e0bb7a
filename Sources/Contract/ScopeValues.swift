/// A key for a typed per-request value that middleware sets and handlers read.
///
/// ```swift
/// enum CurrentUser: ScopeValueKey { typealias Value = User }
/// // middleware:
/// var scope = scope
/// scope.values[CurrentUser.self] = user
/// try await next(scope, receive, send)
/// // handler:
/// let user = scope.values[CurrentUser.self]  // User?
/// ```
public protocol ScopeValueKey {
    /// The type of the value stored under this key.
    associatedtype Value: Sendable
}

/// Typed values carried by one scope, keyed by `ScopeValueKey` types: no string keys, and
/// reading gives back the key's `Value` type.
///
/// Unlike `state` (the ASGI lifespan state, shared by every request), these belong to one
/// scope value: a middleware sets them on its copy of the scope before calling the next
/// application. Empty storage allocates nothing.
public struct ScopeValues: Sendable {
    /// nil until the first value is set, so a scope that never uses values costs one word and
    /// no reference counting when it is copied (even the empty dictionary's immortal
    /// singleton takes the slow retain/release path).
    private var storage: [ObjectIdentifier: any Sendable]?

    public init() {}

    /// The value stored under `key`, or nil; assigning nil removes it.
    public subscript<Key: ScopeValueKey>(key: Key.Type) -> Key.Value? {
        get {
            guard let storage, let value = storage[ObjectIdentifier(key)] else { return nil }
            // Only `Key.Value`s are stored under `ObjectIdentifier(Key.self)` (the setter below).
            return value as? Key.Value
        }
        set {
            if let newValue {
                storage = storage ?? [:]
                storage![ObjectIdentifier(key)] = newValue
            } else {
                storage?[ObjectIdentifier(key)] = nil
                if storage?.isEmpty == true { storage = nil }
            }
        }
    }

    /// Whether no value is set.
    public var isEmpty: Bool { storage?.isEmpty ?? true }

    /// The number of values set.
    public var count: Int { storage?.count ?? 0 }
}
