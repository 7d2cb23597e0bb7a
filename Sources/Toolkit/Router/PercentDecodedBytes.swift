/// Percent-decoding over raw path bytes, one byte at a time, without building a buffer.
///
/// `%XX` (either hex case) is one byte; a `%` not followed by two hex digits stands for
/// itself (`%G1` is three bytes), as Starlette and Go compare such paths. A decoded `%2F` is
/// the byte `/` inside a segment: it never equals a pattern literal, which holds no `/`.
enum PercentDecodedBytes {
    /// The value of an ASCII hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// The decoded byte starting at `index` (< `end`) and the index after it.
    @inline(__always)
    static func step(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ end: Int) -> (byte: UInt8, next: Int) {
        let byte = bytes[index]
        if byte == UInt8(ascii: "%"), index + 2 < end,
           let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
            return (high << 4 | low, index + 3)
        }
        return (byte, index + 1)
    }

    /// The number of decoded bytes in `bytes[start..<end]`.
    static func decodedCount(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var index = start
        var count = 0
        while index < end {
            index = step(bytes, index, end).next
            count += 1
        }
        return count
    }

    /// The raw index reached after decoding `decoded` bytes from `start`.
    static func rawIndex(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ end: Int, afterDecoded decoded: Int) -> Int {
        var index = start
        for _ in 0..<decoded { index = step(bytes, index, end).next }
        return index
    }

    /// Whether `bytes[start..<end]`, decoded, equals `literal`.
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = start
        var position = 0
        while index < end {
            guard position < literal.count else { return false }
            let (byte, next) = step(bytes, index, end)
            guard byte == literal[position] else { return false }
            index = next
            position += 1
        }
        return position == literal.count
    }

    /// `bytes` decoded into a new array (the slow path: parameter values a handler asks for).
    static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "%")) else { return Array(bytes) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let (byte, next) = step(buffer, index, buffer.count)
                result.append(byte)
                index = next
            }
        }
        return result
    }
}
