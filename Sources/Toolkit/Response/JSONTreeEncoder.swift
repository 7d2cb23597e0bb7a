/// `OrderedJSONEncoder`'s fallback for an `encode(to:)` that interleaves containers: each
/// container is a node that keeps its members, so a container written to after another
/// one was started still lands in its place; the finished tree is serialized as a
/// `JSONValue`.
final class JSONTreeNode {
    enum Kind { case empty, value, object, array }

    var kind = Kind.empty
    var scalar = JSONValue.null
    var members: [(key: String, node: JSONTreeNode)] = []
    var elements: [JSONTreeNode] = []

    /// The value, nil when nothing was encoded.
    var value: JSONValue? {
        switch kind {
        case .empty: nil
        case .value: scalar
        case .object: .object(JSONObject(members.map { ($0.key, $0.node.value ?? .object(JSONObject())) }))
        case .array: .array(elements.map { $0.value ?? .object(JSONObject()) })
        }
    }
}

/// What the nodes of one fallback encoding share.
final class JSONTreeContext {
    let style: JSONValue.Style
    let userInfo: [CodingUserInfoKey: any Sendable]
    var failure: JSONEncodingError?

    init(style: JSONValue.Style, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.style = style
        self.userInfo = userInfo
    }
}

struct JSONTreeEncoder: Encoder {
    let node: JSONTreeNode
    let codingPath: [any CodingKey]
    let context: JSONTreeContext

    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    /// Makes `node` a container of `kind` (or finds it one already); records a mismatch.
    private func open(_ kind: JSONTreeNode.Kind) {
        if node.kind == .empty { node.kind = kind }
        if node.kind != kind { context.failure = context.failure ?? JSONEncodingError(.containerMismatch, path: codingPath) }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.object)
        return KeyedEncodingContainer(JSONTreeKeyedContainer<Key>(node: node, codingPath: codingPath, context: context))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        open(.array)
        return JSONTreeUnkeyedContainer(node: node, codingPath: codingPath, context: context)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeValue<T: Encodable>(_ value: T) throws {
        if let direct = value as? any JSONDirectValue {
            guard node.kind == .empty else { throw JSONEncodingError(.containerMismatch, path: codingPath) }
            do {
                node.scalar = try direct.jsonValue()
            } catch {
                throw JSONEncodingError(error.kind, path: codingPath)
            }
            node.kind = .value
        } else if let dictionary = value as? any JSONSortedKeysEncodable, try dictionary.encodeSortedKeys(to: self) {
            return
        } else {
            try value.encode(to: self)
        }
    }
}

extension JSONTreeEncoder: SingleValueEncodingContainer {
    mutating func encodeNil() throws { try encodeValue(JSONValue.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        guard node.kind == .empty else { throw JSONEncodingError(.containerMismatch, path: codingPath) }
        try encodeValue(value)
    }
}

struct JSONTreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONTreeNode
    let codingPath: [any CodingKey]
    let context: JSONTreeContext

    private func member(_ key: some CodingKey) -> JSONTreeEncoder {
        let encoder = JSONTreeEncoder(node: JSONTreeNode(), codingPath: codingPath + [key], context: context)
        node.members.append((key.stringValue, encoder.node))
        return encoder
    }

    mutating func encodeNil(forKey key: Key) throws { try member(key).encodeValue(JSONValue.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try member(key).encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        member(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { member(key).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { member(JSONCodingKey.superKey) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { member(key) }
}

struct JSONTreeUnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONTreeNode
    let codingPath: [any CodingKey]
    let context: JSONTreeContext

    var count: Int { node.elements.count }

    private func element() -> JSONTreeEncoder {
        let encoder = JSONTreeEncoder(node: JSONTreeNode(), codingPath: codingPath + [JSONCodingKey(intValue: count)], context: context)
        node.elements.append(encoder.node)
        return encoder
    }

    mutating func encodeNil() throws { try element().encodeValue(JSONValue.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try element().encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { element().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { element() }
}
