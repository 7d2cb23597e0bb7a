/// Outbound byte storage a protocol handler reuses from one message to the next.
///
/// The handler builds a message in `take(capacity:)`, hands it to `Connection.write` and
/// `keep`s it: the connection's queue and this value then share the storage. Once the
/// connection has sent and dropped its reference, the next `take` gets that storage back
/// without allocating; while it is still queued, copy-on-write gives the next message fresh
/// storage, so queued bytes are never overwritten.
package struct ReusableBuffer: Sendable {
    private var storage: [UInt8] = []
    /// Storage above this capacity is not kept (a large body must not stay with an idle connection).
    package static let maxKeptCapacity = 8192

    package init() {}

    /// An empty buffer with room for at least `capacity` bytes.
    package mutating func take(capacity: Int) -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &storage)
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(capacity)
        return buffer
    }

    /// Keeps `buffer` (just written) for the next `take`, unless it grew large.
    package mutating func keep(_ buffer: [UInt8]) {
        if buffer.capacity <= Self.maxKeptCapacity { storage = buffer }
    }

    /// Drops the kept storage (for a connection going idle).
    package mutating func release() {
        storage = []
    }
}
