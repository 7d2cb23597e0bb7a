extension Array where Element == UInt8 {
    /// `withUnsafeBytes` with the body's typed error preserved (the standard one rethrows
    /// as `any Error` under typed throws).
    @inlinable @inline(__always)
    public func withBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeBytes { bytes in Swift.Result { () throws(Failure) in try body(bytes) } }.get()
    }
}
