#if os(Linux)
import CURing
import Glibc

/// A provided-buffer ring (`IORING_REGISTER_PBUF_RING`): the kernel picks a free buffer for
/// each multishot receive, and the loop hands it back right after the parser consumed it.
///
/// Debian's liburing 2.3 lacks `io_uring_setup_buf_ring`, so the ring memory is mapped
/// here. Layout: one page-aligned array of `entries` `io_uring_buf` descriptors shared with
/// the kernel, and one slab of `entries × bufferSize` bytes they point into.
final class ProvidedBufferRing {
    let groupID: UInt16
    let entries: UInt32
    let bufferSize: Int
    private let ring: UnsafeMutablePointer<io_uring_buf_ring>
    private let ringBytes: Int
    private let slab: UnsafeMutableRawPointer
    private let mask: Int32
    /// Buffers handed back since the last `commit`, published to the kernel in one store.
    private var pendingReturns: UInt16 = 0

    init(uring: inout io_uring, groupID: UInt16, entries: UInt32, bufferSize: Int) throws(BackendError) {
        precondition(entries.nonzeroBitCount == 1 && entries <= 32768, "buffer ring entries must be a power of two ≤ 32768")
        self.groupID = groupID
        self.entries = entries
        self.bufferSize = bufferSize
        self.mask = io_uring_buf_ring_mask(entries)

        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        ringBytes = (Int(entries) * MemoryLayout<io_uring_buf>.stride + pageSize - 1) / pageSize * pageSize
        let mapped = mmap(nil, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw BackendError(backend: .ioUring, operation: "mmap(buffer ring)", errno: errno)
        }
        ring = mapped.bindMemory(to: io_uring_buf_ring.self, capacity: 1)
        guard let slab = malloc(Int(entries) * bufferSize) else {
            munmap(mapped, ringBytes)
            throw BackendError(backend: .ioUring, operation: "malloc(receive buffers)", errno: ENOMEM)
        }
        self.slab = slab

        var registration = io_uring_buf_reg()
        registration.ring_addr = UInt64(UInt(bitPattern: mapped))
        registration.ring_entries = entries
        registration.bgid = groupID
        let result = io_uring_register_buf_ring(&uring, &registration, 0)
        guard result == 0 else {
            free(slab)
            munmap(mapped, ringBytes)
            throw BackendError(backend: .ioUring, operation: "io_uring_register_buf_ring", errno: -result,
                               detail: "provided-buffer rings need Linux 5.19 or newer")
        }
        io_uring_buf_ring_init(ring)
        for id in 0..<Int(entries) {
            io_uring_buf_ring_add(ring, slab + id * bufferSize, UInt32(bufferSize), UInt16(id), mask, Int32(id))
        }
        io_uring_buf_ring_advance(ring, Int32(entries))
    }

    /// The bytes the kernel wrote into buffer `id`.
    ///
    /// Invariant: `id` came from a CQE of this group, so it is < `entries` and the buffer is
    /// owned by userspace until `recycle(id)`; `length` ≤ `bufferSize` as the kernel filled it.
    @inline(__always)
    func bytes(id: UInt16, length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: slab + Int(id) * bufferSize, count: length)
    }

    /// Queues buffer `id` for return to the kernel; visible after `commit()`.
    @inline(__always)
    func recycle(id: UInt16) {
        io_uring_buf_ring_add(ring, slab + Int(id) * bufferSize, UInt32(bufferSize), id, mask, Int32(pendingReturns))
        pendingReturns &+= 1
    }

    /// Publishes every recycled buffer to the kernel with one tail update.
    /// Returns whether any buffer was published.
    @inline(__always)
    @discardableResult
    func commit() -> Bool {
        guard pendingReturns > 0 else { return false }
        io_uring_buf_ring_advance(ring, Int32(pendingReturns))
        pendingReturns = 0
        return true
    }

    /// Unregisters and frees the ring; no receive may be in flight.
    func release(uring: inout io_uring) {
        _ = io_uring_unregister_buf_ring(&uring, Int32(groupID))
        munmap(UnsafeMutableRawPointer(ring), ringBytes)
        free(slab)
    }
}
#endif
