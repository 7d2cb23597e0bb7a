import DequeModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a connection has yet to send, in order: owned byte arrays and file regions.
///
/// ```
///  head                                                     tail
///  [bytes: response head][file: fd 12, 0..<1 MiB][bytes: next response]
///   ╰─ headOffset bytes of it already sent
/// ```
///
/// Byte arrays at the head leave in one gathered `sendmsg`, which stops at the first file
/// region; a region at the head leaves with `sendfile`. So the bytes reach the wire in
/// `append` order whatever mix is queued. `byteCount` counts file bytes too: backpressure
/// (the connection's water marks) sees a queued file like queued bytes.
///
/// Free of I/O: the connection does the syscalls and reports what went out with `consume`;
/// the queue says which regions are finished (`release`), so their owned descriptors are
/// closed exactly once.
struct OutboundQueue {
    private enum Item {
        case bytes([UInt8])
        case file(FileRegion)
    }

    private var items = Deque<Item>()
    /// Bytes of the head item, when it is an array, already sent.
    private var headOffset = 0
    /// Bytes queued and not yet confirmed sent, file bytes included.
    private(set) var byteCount = 0

    var isEmpty: Bool { items.isEmpty }

    /// Frees the storage an empty queue keeps for its next items (for an idle connection).
    mutating func releaseCapacity() {
        precondition(items.isEmpty, "only an empty queue gives its capacity back")
        items = Deque()
        headOffset = 0
    }

    /// Queues `bytes` (not empty) after everything queued so far.
    mutating func append(_ bytes: [UInt8]) {
        items.append(.bytes(bytes))
        byteCount += bytes.count
    }

    /// Queues `region` (not empty) after everything queued so far.
    mutating func append(_ region: FileRegion) {
        items.append(.file(region))
        byteCount += region.count
    }

    /// The region at the head of the queue when the head is a file region (what to send next
    /// with `sendfile`), nil when it is bytes or the queue is empty.
    var headFile: FileRegion? {
        if case .file(let region) = items.first { region } else { nil }
    }

    /// Describes the byte arrays at the head, up to the first file region and at most
    /// `capacity` of them, in `iovecs`; returns how many entries it filled.
    ///
    /// The entries point into arrays the queue holds: they stay valid until `consume` or
    /// `removeAll` drops those arrays, and nothing else mutates them.
    func gather(into iovecs: UnsafeMutablePointer<iovec>, capacity: Int) -> Int {
        var count = 0
        for item in items {
            guard count < capacity, case .bytes(let chunk) = item else { break }
            let offset = count == 0 ? headOffset : 0
            // Invariant: `chunk` stays in `items`, unmutated, until `consume` drops it, so its
            // heap storage (native, contiguous) outlives the kernel's use of it.
            chunk.withUnsafeBytes { bytes in
                iovecs[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), iov_len: bytes.count - offset)
            }
            count += 1
        }
        return count
    }

    /// Drops the first `sent` bytes (at most `byteCount`). `release` receives every file
    /// region that is now completely sent, in order.
    mutating func consume(_ sent: Int, release: (FileRegion) -> Void) {
        byteCount -= sent
        var remaining = sent
        while remaining > 0, let first = items.first {
            switch first {
            case .bytes(let chunk):
                let available = chunk.count - headOffset
                if remaining >= available {
                    remaining -= available
                    items.removeFirst()
                    headOffset = 0
                } else {
                    headOffset += remaining
                    remaining = 0
                }
            case .file(let region):
                if remaining >= region.count {
                    remaining -= region.count
                    items.removeFirst()
                    release(region)
                } else {
                    items[items.startIndex] = .file(region.advanced(by: remaining))
                    remaining = 0
                }
            }
        }
    }

    /// Drops everything; `release` receives every file region still queued, in order.
    mutating func removeAll(release: (FileRegion) -> Void) {
        for case .file(let region) in items { release(region) }
        items.removeAll()
        headOffset = 0
        byteCount = 0
    }
}
