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
/// application. Empty storage allocates nothing, and neither do the first two values when
/// each fits an existential's inline buffer (three words): a router's match plus one
/// middleware value (a request id) cost no allocation.
///
/// ```
/// first:  (key, value)?   ─┐ inline, filled first
/// second: (key, value)?   ─┘
/// spill:  [key: value]?   the third value on; nil until then
/// ```
/// A key lives in exactly one of the three places.
public struct ScopeValues: Sendable {
    private struct Entry: Sendable {
        var key: ObjectIdentifier
        var value: any Sendable
    }

    private var first: Entry?
    private var second: Entry?
    /// nil until a third value is set, so a scope with few values costs no dictionary (even
    /// the empty dictionary's immortal singleton takes the slow retain/release path on copy).
    private var spill: [ObjectIdentifier: any Sendable]?

    public init() {}

    /// The value stored under `key`, or nil; assigning nil removes it.
    public subscript<Key: ScopeValueKey>(key: Key.Type) -> Key.Value? {
        get {
            let id = ObjectIdentifier(key)
            // Only `Key.Value`s are stored under `ObjectIdentifier(Key.self)` (the setter below).
            if let first, first.key == id { return first.value as? Key.Value }
            if let second, second.key == id { return second.value as? Key.Value }
            guard let spill, let value = spill[id] else { return nil }
            return value as? Key.Value
        }
        set {
            let id = ObjectIdentifier(key)
            guard let newValue else {
                if first?.key == id {
                    first = nil
                } else if second?.key == id {
                    second = nil
                } else if spill?.removeValue(forKey: id) != nil, spill?.isEmpty == true {
                    spill = nil
                }
                return
            }
            if first?.key == id {
                first!.value = newValue
            } else if second?.key == id {
                second!.value = newValue
            } else if spill?[id] != nil {
                spill![id] = newValue
            } else if first == nil {
                first = Entry(key: id, value: newValue)
            } else if second == nil {
                second = Entry(key: id, value: newValue)
            } else {
                spill = spill ?? [:]
                spill![id] = newValue
            }
        }
    }

    /// Whether no value is set.
    public var isEmpty: Bool { count == 0 }

    /// The number of values set.
    public var count: Int { (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + (spill?.count ?? 0) }
}
