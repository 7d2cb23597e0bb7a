#if canImport(Glibc)
import Glibc
#endif

/// A connection's received bytes not yet consumed: one growable allocation, read into
/// directly and compacted in place, so steady-state receiving allocates nothing.
struct ReceiveBuffer: ~Copyable {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var start = 0
    private(set) var end = 0

    init(capacity: Int = 64 * 1024) {
        self.capacity = capacity
        // Invariant: `storage` holds `capacity` bytes; `start...end` is within it.
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { start == end }

    /// Reads once from `fd` into free space (making room first); returns read(2)'s result.
    mutating func read(from fd: Int32) -> Int {
        if capacity - end < 16 * 1024 {
            if start > 0 {
                memmove(storage, storage + start, end - start)
                end -= start
                start = 0
            }
            if capacity - end < 16 * 1024 {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: storage, byteCount: end)
                storage.deallocate()
                storage = bigger
                capacity *= 2
            }
        }
        let count = Glibc.read(fd, storage + end, capacity - end)
        if count > 0 { end += count }
        return count
    }

    /// The unconsumed bytes (valid until the next mutation).
    var unconsumed: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage + start, count: end - start) }

    mutating func consume(_ count: Int) {
        start += count
        if start == end { start = 0; end = 0 }
    }

    mutating func reset() { start = 0; end = 0 }
}
