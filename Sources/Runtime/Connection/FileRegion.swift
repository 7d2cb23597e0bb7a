#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte range of an open file, queued on a `Connection` like bytes and sent by the
/// kernel (`sendfile(2)`) without passing through user space.
///
/// `closesDescriptor` says who owns `descriptor`: when true the connection closes it once,
/// after the range is sent or when the connection closes first (a region that is never
/// written is closed with `discard()`); when false the caller keeps it open at least until
/// then (a descriptor held for the server's lifetime, say).
package struct FileRegion: Sendable, Equatable {
    /// The open file, readable at `offset`.
    package let descriptor: Int32
    /// Where the range starts in the file.
    package private(set) var offset: Int64
    /// Bytes of the range; the file must hold them when they are sent.
    package private(set) var count: Int
    /// Whether the connection closes `descriptor` when done with it.
    package let closesDescriptor: Bool

    /// - Precondition: `offset` and `count` are not negative.
    package init(descriptor: Int32, offset: Int64, count: Int, closesDescriptor: Bool) {
        precondition(offset >= 0 && count >= 0, "a file region needs a non-negative offset and count")
        self.descriptor = descriptor
        self.offset = offset
        self.count = count
        self.closesDescriptor = closesDescriptor
    }

    /// The region after its first `sent` bytes went out.
    func advanced(by sent: Int) -> FileRegion {
        var rest = self
        rest.offset += Int64(sent)
        rest.count -= sent
        return rest
    }

    /// Closes `descriptor` if the region owns it: for a region that will not be written.
    package func discard() {
        if closesDescriptor { _ = close(descriptor) }
    }
}
