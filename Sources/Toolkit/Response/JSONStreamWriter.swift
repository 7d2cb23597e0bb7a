/// The state of one `OrderedJSONEncoder.encode` on its fast path: the output so far and the
/// stack of containers still open, which are written as they are used.
///
/// ```
/// frames:  [0] object (User)   [1] array ("tags")   [2] pending (the element being encoded)
/// output:  {"id":42,"tags":[
/// ```
/// A container or encoder holds its frame's (depth, id). Writing to a frame first closes
/// every frame above it (a synthesized `encode(to:)` never returns to them). When a frame
/// is used after it was closed (an `encode(to:)` that interleaves containers), the bytes
/// already written are wrong: `interleaved` is set, `Restart` thrown, and
/// `OrderedJSONEncoder` encodes the value again into a tree.
final class JSONStreamWriter {
    enum FrameKind { case pending, object, array }

    struct Frame {
        var kind: FrameKind
        var count: Int
        let id: Int
        /// The key this frame's value is at (nil at the top).
        let key: (any CodingKey)?
    }

    /// Thrown by a write to a closed frame; it only unwinds to `OrderedJSONEncoder`.
    struct Restart: Error {}

    var output: [UInt8] = []
    var frames: [Frame] = []
    private var nextID = 1
    var interleaved = false
    /// A misuse found where the protocol gives no way to throw (asking for a container).
    var failure: JSONEncodingError?
    let style: JSONValue.Style
    let userInfo: [CodingUserInfoKey: any Sendable]

    init(style: JSONValue.Style, userInfo: [CodingUserInfoKey: any Sendable]) {
        self.style = style
        self.userInfo = userInfo
        output.reserveCapacity(128)
        frames.reserveCapacity(8)
    }

    func encodeTopLevel(_ value: some Encodable) throws {
        frames.append(Frame(kind: .pending, count: 0, id: 0, key: nil))
        try JSONStreamEncoder(writer: self, depth: 0, id: 0).encodeValue(value)
        guard !interleaved, failure == nil else { return }
        if frames.first?.kind == .pending { throw JSONEncodingError(.noValue, codingPath: []) }
        while !frames.isEmpty { closeTop() }
    }

    func codingPath(depth: Int) -> [any CodingKey] {
        frames.prefix(depth + 1).compactMap(\.key)
    }

    func isOpen(depth: Int, id: Int) -> Bool {
        depth < frames.count && frames[depth].id == id
    }

    /// Makes frame (depth, id) the innermost one, closing those above it.
    func reopen(depth: Int, id: Int) throws(Restart) {
        guard isOpen(depth: depth, id: id) else {
            interleaved = true
            throw Restart()
        }
        while frames.count > depth + 1 { closeTop() }
    }

    private func closeTop() {
        let frame = frames.removeLast()
        let depth = frames.count
        switch frame.kind {
        case .pending: output.append(contentsOf: "{}".utf8)  // a nested value that encoded nothing, as Foundation
        case .object:
            if frame.count > 0 { JSONValue.writeClosingBreak(style, depth: depth, into: &output) }
            output.append(UInt8(ascii: "}"))
        case .array:
            if frame.count > 0 { JSONValue.writeClosingBreak(style, depth: depth, into: &output) }
            output.append(UInt8(ascii: "]"))
        }
    }

    /// Starts member `key` of the object at (depth, id): separator, name, colon.
    func beginMember(_ key: some CodingKey, depth: Int, id: Int) throws(Restart) {
        try reopen(depth: depth, id: id)
        JSONValue.writeItemBreak(first: frames[depth].count == 0, style, depth: depth + 1, into: &output)
        frames[depth].count += 1
        JSONValue.writeString(key.stringValue, into: &output, asciiOnly: style != .compact)
        output.append(UInt8(ascii: ":"))
        if style != .compact { output.append(0x20) }
    }

    /// Starts the next element of the array at (depth, id).
    func beginElement(depth: Int, id: Int) throws(Restart) {
        try reopen(depth: depth, id: id)
        JSONValue.writeItemBreak(first: frames[depth].count == 0, style, depth: depth + 1, into: &output)
        frames[depth].count += 1
    }

    /// Pushes a frame for the value just begun; returns its (depth, id).
    func push(_ kind: FrameKind, key: (any CodingKey)?) -> (depth: Int, id: Int) {
        let id = nextID
        nextID += 1
        frames.append(Frame(kind: kind, count: 0, id: id, key: key))
        switch kind {
        case .pending: break
        case .object: output.append(UInt8(ascii: "{"))
        case .array: output.append(UInt8(ascii: "["))
        }
        return (frames.count - 1, id)
    }

    /// Begins member `key` of (depth, id) and pushes a frame for its value; a closed parent
    /// gives a slot no write can use (id -1), `interleaved` being set already.
    func nestedMember(_ kind: FrameKind, key: some CodingKey, depth: Int, id: Int) -> (depth: Int, id: Int) {
        do { try beginMember(key, depth: depth, id: id) } catch { return (depth, -1) }
        return push(kind, key: key)
    }

    /// Begins the next element of (depth, id) and pushes a frame for it.
    func nestedElement(_ kind: FrameKind, key: JSONCodingKey, depth: Int, id: Int) -> (depth: Int, id: Int) {
        do { try beginElement(depth: depth, id: id) } catch { return (depth, -1) }
        return push(kind, key: key)
    }

    /// Turns the pending frame (depth, id) into a container of `kind`, or finds it already
    /// one; false (recording why) when it cannot be used.
    func openContainer(_ kind: FrameKind, depth: Int, id: Int) -> Bool {
        guard isOpen(depth: depth, id: id) else {
            interleaved = true
            return false
        }
        while frames.count > depth + 1 { closeTop() }
        switch frames[depth].kind {
        case .pending:
            frames[depth].kind = kind
            output.append(kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "["))
            return true
        case let existing where existing == kind: return true  // a second request (super.encode(to:)) shares it
        default:
            failure = failure ?? JSONEncodingError(.containerMismatch, path: codingPath(depth: depth))
            return false
        }
    }

    /// Writes a direct value as the whole value of the pending frame (depth, id).
    func writeSingle(_ value: some JSONDirectValue, depth: Int, id: Int) throws {
        try reopen(depth: depth, id: id)
        guard frames[depth].kind == .pending else {
            throw JSONEncodingError(.containerMismatch, path: codingPath(depth: depth))
        }
        try write(value, depth: depth, path: codingPath(depth: depth))
        frames.removeLast()
    }

    /// Writes a direct value at `depth` (after its member or element was begun); `path`
    /// names it in an error.
    func write(_ value: some JSONDirectValue, depth: Int, path: @autoclosure () -> [any CodingKey]) throws(JSONEncodingError) {
        do {
            try value.writeJSON(into: &output, style: style, depth: depth)
        } catch {
            throw JSONEncodingError(error.kind, path: path())
        }
    }

    func writeNull() { output.append(contentsOf: "null".utf8) }
}

/// The `Encoder` of one value position (the top, a member, an element): a frame that is
/// pending until the value asks for a container. Three words, so `any Encoder` holds it
/// without a box.
struct JSONStreamEncoder: Encoder {
    let writer: JSONStreamWriter
    let depth: Int
    let id: Int

    var codingPath: [any CodingKey] { writer.codingPath(depth: depth) }
    var userInfo: [CodingUserInfoKey: Any] { writer.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        _ = writer.openContainer(.object, depth: depth, id: id)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<Key>(writer: writer, depth: depth, id: id))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = writer.openContainer(.array, depth: depth, id: id)
        return JSONStreamUnkeyedContainer(writer: writer, depth: depth, id: id)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    /// Encodes `value` into this (pending) position.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let direct = value as? any JSONDirectValue {
            try writer.writeSingle(direct, depth: depth, id: id)
        } else if let dictionary = value as? any JSONSortedKeysEncodable, try dictionary.encodeSortedKeys(to: self) {
            return
        } else {
            try value.encode(to: self)
        }
    }
}

extension JSONStreamEncoder: SingleValueEncodingContainer {
    mutating func encodeNil() throws {
        try writer.reopen(depth: depth, id: id)
        guard writer.frames[depth].kind == .pending else {
            throw JSONEncodingError(.containerMismatch, path: codingPath)
        }
        writer.writeNull()
        writer.frames.removeLast()
    }

    mutating func encode(_ value: Bool) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: String) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Double) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Float) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Int) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Int8) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Int16) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Int32) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: Int64) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: UInt) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: UInt8) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: UInt16) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: UInt32) throws { try writer.writeSingle(value, depth: depth, id: id) }
    mutating func encode(_ value: UInt64) throws { try writer.writeSingle(value, depth: depth, id: id) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.reopen(depth: depth, id: id)
        guard writer.frames[depth].kind == .pending else {
            throw JSONEncodingError(.containerMismatch, path: codingPath)
        }
        try encodeValue(value)
    }
}

struct JSONStreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONStreamWriter
    let depth: Int
    let id: Int

    var codingPath: [any CodingKey] { writer.codingPath(depth: depth) }

    private func direct(_ value: some JSONDirectValue, _ key: Key) throws {
        try writer.beginMember(key, depth: depth, id: id)
        try writer.write(value, depth: depth + 1, path: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws {
        try writer.beginMember(key, depth: depth, id: id)
        writer.writeNull()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try direct(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try direct(value, key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.beginMember(key, depth: depth, id: id)
        if let direct = value as? any JSONDirectValue {
            try writer.write(direct, depth: depth + 1, path: codingPath + [key])
            return
        }
        let slot = writer.push(.pending, key: key)
        try JSONStreamEncoder(writer: writer, depth: slot.depth, id: slot.id).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let slot = writer.nestedMember(.object, key: key, depth: depth, id: id)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(writer: writer, depth: slot.depth, id: slot.id))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let slot = writer.nestedMember(.array, key: key, depth: depth, id: id)
        return JSONStreamUnkeyedContainer(writer: writer, depth: slot.depth, id: slot.id)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: JSONCodingKey.superKey) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key) }

    private func superEncoder(key: some CodingKey) -> any Encoder {
        let slot = writer.nestedMember(.pending, key: key, depth: depth, id: id)
        return JSONStreamEncoder(writer: writer, depth: slot.depth, id: slot.id)
    }
}

struct JSONStreamUnkeyedContainer: UnkeyedEncodingContainer {
    let writer: JSONStreamWriter
    let depth: Int
    let id: Int

    var codingPath: [any CodingKey] { writer.codingPath(depth: depth) }
    var count: Int { writer.isOpen(depth: depth, id: id) ? writer.frames[depth].count : 0 }

    private var nextKey: JSONCodingKey { JSONCodingKey(intValue: count) }

    private func direct(_ value: some JSONDirectValue) throws {
        try writer.beginElement(depth: depth, id: id)
        try writer.write(value, depth: depth + 1, path: codingPath + [JSONCodingKey(intValue: count - 1)])
    }

    mutating func encodeNil() throws {
        try writer.beginElement(depth: depth, id: id)
        writer.writeNull()
    }

    mutating func encode(_ value: Bool) throws { try direct(value) }
    mutating func encode(_ value: String) throws { try direct(value) }
    mutating func encode(_ value: Double) throws { try direct(value) }
    mutating func encode(_ value: Float) throws { try direct(value) }
    mutating func encode(_ value: Int) throws { try direct(value) }
    mutating func encode(_ value: Int8) throws { try direct(value) }
    mutating func encode(_ value: Int16) throws { try direct(value) }
    mutating func encode(_ value: Int32) throws { try direct(value) }
    mutating func encode(_ value: Int64) throws { try direct(value) }
    mutating func encode(_ value: UInt) throws { try direct(value) }
    mutating func encode(_ value: UInt8) throws { try direct(value) }
    mutating func encode(_ value: UInt16) throws { try direct(value) }
    mutating func encode(_ value: UInt32) throws { try direct(value) }
    mutating func encode(_ value: UInt64) throws { try direct(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let direct = value as? any JSONDirectValue {
            try self.direct(direct)
            return
        }
        let key = nextKey
        try writer.beginElement(depth: depth, id: id)
        let slot = writer.push(.pending, key: key)
        try JSONStreamEncoder(writer: writer, depth: slot.depth, id: slot.id).encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = nextKey
        let slot = writer.nestedElement(.object, key: key, depth: depth, id: id)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(writer: writer, depth: slot.depth, id: slot.id))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = nextKey
        let slot = writer.nestedElement(.array, key: key, depth: depth, id: id)
        return JSONStreamUnkeyedContainer(writer: writer, depth: slot.depth, id: slot.id)
    }

    mutating func superEncoder() -> any Encoder {
        let key = nextKey
        let slot = writer.nestedElement(.pending, key: key, depth: depth, id: id)
        return JSONStreamEncoder(writer: writer, depth: slot.depth, id: slot.id)
    }
}
