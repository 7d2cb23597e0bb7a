#if os(Linux)
import CURing
import Glibc

/// A provided-buffer ring (`IORING_REGISTER_PBUF_RING`): the kernel picks a free buffer for
/// each multishot receive, and the loop hands it back right after the parser consumed it.
///
/// Incremental (`IOU_PBUF_RING_INC`, Linux 6.12): the kernel fills each buffer receive after
/// receive, every completion taking only the bytes it needs from where the last one ended,
/// so a few large buffers serve both a 100-byte request (without wasting a buffer on it) and
/// a 16 KiB message (in one completion instead of four). A buffer comes back to the loop
/// when the kernel is done with it (a completion without `IORING_CQE_F_BUF_MORE`).
///
/// Debian's liburing 2.3 lacks `io_uring_setup_buf_ring` and the incremental flag, so the
/// ring memory is mapped here. Layout: one page-aligned array of `entries` `io_uring_buf`
/// descriptors shared with the kernel, and one slab of `entries × bufferSize` bytes they
/// point into.
final class ProvidedBufferRing {
    let groupID: UInt16
    let entries: UInt32
    let bufferSize: Int
    /// Whether the kernel consumes buffers incrementally.
    let incremental: Bool
    /// Incremental mode: bytes of each buffer already delivered (where its next data starts).
    private let consumed: UnsafeMutablePointer<Int>

    /// `IOU_PBUF_RING_INC` (the registration's flags, called `pad` in liburing 2.3).
    private static let incrementalFlag: UInt16 = 2
    /// `IORING_CQE_F_BUF_MORE`: the kernel keeps using this buffer for later completions.
    static let bufferMoreFlag: UInt32 = 1 << 4
    private let ring: UnsafeMutablePointer<io_uring_buf_ring>
    private let ringBytes: Int
    private let slab: UnsafeMutableRawPointer
    private let mask: Int32
    /// Buffers handed back since the last `commit`, published to the kernel in one store.
    private var pendingReturns: UInt16 = 0

    /// - Parameter incremental: register with `IOU_PBUF_RING_INC`; a kernel without it
    ///   refuses with `EINVAL` (thrown).
    init(uring: inout io_uring, groupID: UInt16, entries: UInt32, bufferSize: Int, incremental: Bool) throws(BackendError) {
        precondition(entries.nonzeroBitCount == 1 && entries <= 32768, "buffer ring entries must be a power of two ≤ 32768")
        self.groupID = groupID
        self.entries = entries
        self.bufferSize = bufferSize
        self.incremental = incremental
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
        consumed = .allocate(capacity: Int(entries))
        consumed.initialize(repeating: 0, count: Int(entries))

        var registration = io_uring_buf_reg()
        registration.ring_addr = UInt64(UInt(bitPattern: mapped))
        registration.ring_entries = entries
        registration.bgid = groupID
        if incremental { registration.pad = Self.incrementalFlag }
        let result = io_uring_register_buf_ring(&uring, &registration, 0)
        guard result == 0 else {
            free(slab)
            consumed.deallocate()
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

    /// The bytes a completion delivered in buffer `id`.
    ///
    /// Invariant: `id` came from a CQE of this group, so it is < `entries`; the kernel wrote
    /// `length` bytes at the buffer's consumed offset (0 unless incremental), within the
    /// buffer, and writes later data only after them.
    @inline(__always)
    func bytes(id: UInt16, length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: slab + Int(id) * bufferSize + consumed[Int(id)], count: length)
    }

    /// Accounts for a completion's `length` bytes of buffer `id` once they were consumed:
    /// the buffer goes back to the kernel unless it said it keeps filling it (`flags`).
    @inline(__always)
    func completed(id: UInt16, length: Int, flags: UInt32) {
        if incremental && flags & Self.bufferMoreFlag != 0 {
            consumed[Int(id)] += length
        } else {
            consumed[Int(id)] = 0
            recycle(id: id)
        }
    }

    /// Queues buffer `id` for return to the kernel; visible after `commit()`.
    @inline(__always)
    private func recycle(id: UInt16) {
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
        consumed.deallocate()
    }
}
#endif
