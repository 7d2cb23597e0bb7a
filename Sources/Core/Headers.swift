/// An ordered list of header fields, stored as bytes in one contiguous buffer.
///
/// This is the ASGI `headers` value: ordered `(name, value)` byte pairs, duplicates kept.
/// Request headers parsed by the runtime have lowercased names; headers an application
/// builds are written as given. Storage is two arrays regardless of the field count, so
/// copying a parsed header block costs two allocations, not two per field.
///
/// ```
/// bytes:  | n a m e₀ | v a l u e₀ | n a m e₁ | v a l u e₁ | …
/// fields: [ (nameStart₀, valueStart₀, valueEnd₀), (nameStart₁, …), … ]
/// ```
public struct Headers: Sendable, Hashable {
    @usableFromInline
    struct FieldIndex: Sendable, Hashable {
        @usableFromInline var nameStart: UInt32
        @usableFromInline var valueStart: UInt32
        @usableFromInline var valueEnd: UInt32

        @usableFromInline
        init(nameStart: UInt32, valueStart: UInt32, valueEnd: UInt32) {
            self.nameStart = nameStart
            self.valueStart = valueStart
            self.valueEnd = valueEnd
        }
    }

    @usableFromInline var bytes: [UInt8]
    @usableFromInline var fields: [FieldIndex]

    /// An empty header list.
    @inlinable
    public init() {
        bytes = []
        fields = []
    }

    /// A header list from string pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { append(name: name, value: value) }
    }

    /// The number of fields, duplicates included.
    @inlinable public var count: Int { fields.count }

    /// Whether the list has no fields.
    @inlinable public var isEmpty: Bool { fields.isEmpty }

    /// Bytes of heap storage the list holds (its capacity, not its count).
    public var storageCapacity: Int {
        bytes.capacity + fields.capacity * MemoryLayout<FieldIndex>.stride
    }

    /// Removes every field; with `keepingCapacity`, storage no other value shares is kept
    /// for reuse (shared storage is left to its other owners).
    public mutating func removeAll(keepingCapacity: Bool) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        fields.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Reserves room for `fields` fields totalling `bytes` bytes of names and values.
    public mutating func reserveCapacity(fields fieldCount: Int, bytes byteCount: Int) {
        fields.reserveCapacity(fieldCount)
        bytes.reserveCapacity(byteCount)
    }

    /// Appends a field given as strings.
    public mutating func append(name: String, value: String) {
        append(name: name.utf8, value: value.utf8)
    }

    /// Appends a field given as byte collections.
    @inlinable
    public mutating func append(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        let nameStart = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: name)
        let valueStart = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: value)
        fields.append(FieldIndex(nameStart: nameStart, valueStart: valueStart, valueEnd: UInt32(truncatingIfNeeded: bytes.count)))
    }

    /// Appends a field copied from raw memory, lowercasing ASCII letters of the name.
    ///
    /// This is the parser's path: one copy of each byte straight from the receive buffer.
    public mutating func appendLowercasingName(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let nameStart = UInt32(truncatingIfNeeded: bytes.count)
        for byte in name { bytes.append(byte | ((byte &- 0x41) < 26 ? 0x20 : 0)) }
        let valueStart = UInt32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: value)
        fields.append(FieldIndex(nameStart: nameStart, valueStart: valueStart, valueEnd: UInt32(truncatingIfNeeded: bytes.count)))
    }

    /// The name of field `index`.
    @inlinable
    public func name(at index: Int) -> ArraySlice<UInt8> {
        let field = fields[index]
        return bytes[Int(field.nameStart)..<Int(field.valueStart)]
    }

    /// The value of field `index`.
    @inlinable
    public func value(at index: Int) -> ArraySlice<UInt8> {
        let field = fields[index]
        return bytes[Int(field.valueStart)..<Int(field.valueEnd)]
    }

    /// The value of the first field whose name equals `name`, ignoring ASCII case.
    public func first(_ name: String) -> ArraySlice<UInt8>? {
        for index in fields.indices where Self.asciiCaseInsensitiveEqual(self.name(at: index), name.utf8) {
            return value(at: index)
        }
        return nil
    }

    /// The value of the first field named `name` (ASCII case-insensitive), decoded as UTF-8.
    public subscript(_ name: String) -> String? {
        first(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// All values of fields named `name` (ASCII case-insensitive), in order.
    public func values(_ name: String) -> [ArraySlice<UInt8>] {
        fields.indices.filter { Self.asciiCaseInsensitiveEqual(self.name(at: $0), name.utf8) }.map { value(at: $0) }
    }

    /// Whether a field named `name` exists (ASCII case-insensitive).
    public func contains(_ name: String) -> Bool { first(name) != nil }

    /// Removes every field named `name` (ASCII case-insensitive).
    public mutating func removeAll(_ name: String) {
        let kept = self.filter { !Self.asciiCaseInsensitiveEqual($0.name, name.utf8) }
        var rebuilt = Headers()
        for field in kept { rebuilt.append(name: field.name, value: field.value) }
        self = rebuilt
    }

    /// Total bytes of all names and values.
    @inlinable public var byteCount: Int { bytes.count }

    /// Compares two byte sequences, folding ASCII letters to lower case.
    @inlinable
    public static func asciiCaseInsensitiveEqual(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (left, right) in zip(lhs, rhs) where left != right {
            guard left | 0x20 == right | 0x20, (left | 0x20) &- 0x61 < 26 else { return false }
        }
        return true
    }
}

extension Headers: RandomAccessCollection {
    /// One header field: byte slices of the list's storage, no copy.
    public typealias Element = (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { fields.count }

    @inlinable
    public subscript(position: Int) -> Element { (name(at: position), value(at: position)) }
}

extension Headers: ExpressibleByArrayLiteral {
    /// A header list from `("name", "value")` literals.
    public init(arrayLiteral elements: (String, String)...) { self.init(elements) }
}

extension Headers: CustomStringConvertible {
    public var description: String {
        "[" + self.map { "\(String(decoding: $0.name, as: UTF8.self)): \(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: ", ") + "]"
    }
}
