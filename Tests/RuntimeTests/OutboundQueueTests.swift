#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import RingwayRuntime
import Testing

/// The outbound queue on its own: order, partial sends across bytes and file regions, and
/// the regions it hands back for closing. No sockets: the tests play the kernel.
@Suite("Outbound queue")
struct OutboundQueueTests {
    static func region(_ descriptor: Int32, offset: Int64 = 0, count: Int, owned: Bool = true) -> FileRegion {
        FileRegion(descriptor: descriptor, offset: offset, count: count, closesDescriptor: owned)
    }

    /// The bytes the queue's next gather would send, concatenated.
    static func gathered(_ queue: OutboundQueue, capacity: Int = 32) -> [UInt8] {
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: capacity)
        defer { iovecs.deallocate() }
        let count = queue.gather(into: iovecs, capacity: capacity)
        var bytes: [UInt8] = []
        for index in 0..<count {
            bytes += UnsafeRawBufferPointer(start: iovecs[index].iov_base, count: iovecs[index].iov_len)
        }
        return bytes
    }

    @Test func aGatherStopsAtAFileRegionAndTheOrderHolds() {
        var queue = OutboundQueue()
        var released: [FileRegion] = []
        queue.append(Array("head-".utf8))
        queue.append(Array("more".utf8))
        queue.append(Self.region(40, offset: 100, count: 10))
        queue.append(Array("tail".utf8))
        #expect(queue.byteCount == 9 + 10 + 4)
        #expect(queue.headFile == nil)
        #expect(Self.gathered(queue) == Array("head-more".utf8))

        // A partial send of the bytes, then the rest of them.
        queue.consume(3) { released.append($0) }
        #expect(Self.gathered(queue) == Array("d-more".utf8))
        queue.consume(6) { released.append($0) }
        #expect(Self.gathered(queue).isEmpty, "bytes after a file region must wait for it")
        #expect(queue.headFile == Self.region(40, offset: 100, count: 10))

        // The file in two pieces: the region advances, then is released.
        queue.consume(4) { released.append($0) }
        #expect(queue.headFile == Self.region(40, offset: 104, count: 6))
        #expect(released.isEmpty)
        queue.consume(6) { released.append($0) }
        #expect(released == [Self.region(40, offset: 104, count: 6)])
        #expect(queue.headFile == nil)
        #expect(Self.gathered(queue) == Array("tail".utf8))
        #expect(queue.byteCount == 4)

        queue.consume(4) { released.append($0) }
        #expect(queue.isEmpty)
        #expect(queue.byteCount == 0)
        #expect(released.count == 1)
    }

    @Test func consumeCrossesItemsInOneCall() {
        var queue = OutboundQueue()
        var released: [Int32] = []
        queue.append([1, 2])
        queue.append(Self.region(41, count: 3))
        queue.append(Self.region(42, count: 3, owned: false))
        queue.append([3, 4, 5])
        queue.consume(2 + 3 + 3 + 1) { released.append($0.descriptor) }
        #expect(released == [41, 42])
        #expect(Self.gathered(queue) == [4, 5])
        #expect(queue.byteCount == 2)
    }

    @Test func aGatherTakesAtMostCapacityArrays() {
        var queue = OutboundQueue()
        for value in 0..<5 { queue.append([UInt8(value)]) }
        #expect(Self.gathered(queue, capacity: 3) == [0, 1, 2])
        queue.consume(3) { _ in }
        #expect(Self.gathered(queue, capacity: 3) == [3, 4])
    }

    @Test func removeAllReleasesEveryQueuedRegionInOrder() {
        var queue = OutboundQueue()
        var released: [Int32] = []
        queue.append([9])
        queue.append(Self.region(50, count: 8))
        queue.append([9])
        queue.append(Self.region(51, count: 8, owned: false))
        queue.consume(5) { released.append($0.descriptor) }  // into the first region
        queue.removeAll { released.append($0.descriptor) }
        #expect(released == [50, 51])
        #expect(queue.isEmpty && queue.byteCount == 0)
    }

    /// Closing is observed through a pipe: its reader sees EOF only once every copy of the
    /// write end is closed (robust against fd numbers reused by tests running in parallel).
    @Test func discardClosesOwnedDescriptorsOnly() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let (reader, writer) = (ends[0], ends[1])
        defer { close(reader) }
        _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK)
        var byte: UInt8 = 0

        Self.region(writer, count: 1, owned: false).discard()
        #expect(read(reader, &byte, 1) == -1 && errno == EAGAIN, "a borrowed descriptor was closed")

        Self.region(writer, count: 1, owned: true).discard()
        #expect(read(reader, &byte, 1) == 0, "an owned descriptor was not closed")
    }
}
