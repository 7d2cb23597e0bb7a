import RingwayCore
extension UnsafeRawBufferPointer {
    /// The bytes `range` of this buffer as a new buffer over the same memory (no copy).
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}
