extension UnsafeRawBufferPointer {
    /// The bytes `range` of this buffer as a new buffer over the same memory (no copy).
    /// For the codecs' parsers; package-only, so users' namespace stays clean.
    @inlinable @inline(__always)
    package func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}
