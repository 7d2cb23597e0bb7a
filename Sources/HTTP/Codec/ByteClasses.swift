import RingwayCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ASCII bytes and byte classes of RFC 9110/9112, as inline tests with no call per byte.
///
/// Classes are 128-bit masks split in two words (bit `n` set ⇔ byte `n` is in the class), so a
/// test is a compare, a shift and an AND. The hot loops go further: header names use a
/// 256-byte table, field values and targets are scanned eight bytes at a time (SWAR), and
/// line ends are found with memchr.
enum ASCII {
    static let htab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let percent: UInt8 = 0x25
    static let asterisk: UInt8 = 0x2A
    static let comma: UInt8 = 0x2C
    static let slash: UInt8 = 0x2F
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let question: UInt8 = 0x3F
    static let backslash: UInt8 = 0x5C

    /// tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, DIGIT, ALPHA.
    static let tokenLow: UInt64 = 0x03FF_6CFA_0000_0000
    static let tokenHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE
    /// Host field bytes: unreserved, sub-delims, `:`, `[`, `]`, `%` (RFC 3986 host and port).
    static let hostLow: UInt64 = 0x2FFF_7FF2_0000_0000
    static let hostHigh: UInt64 = 0x47FF_FFFE_AFFF_FFFE
    /// URI scheme bytes after the first letter: ALPHA, DIGIT, `+`, `-`, `.`.
    static let schemeLow: UInt64 = 0x03FF_6800_0000_0000
    static let schemeHigh: UInt64 = 0x07FF_FFFE_07FF_FFFE

    @inline(__always)
    static func inClass(_ byte: UInt8, _ low: UInt64, _ high: UInt64) -> Bool {
        let word = byte < 64 ? low : (byte < 128 ? high : 0)
        return (word >> UInt64(byte & 63)) & 1 != 0
    }

    /// Whether `byte` is a tchar.
    @inline(__always) static func isToken(_ byte: UInt8) -> Bool { inClass(byte, tokenLow, tokenHigh) }

    /// tchar as a 256-entry table, `1` for members: one load per byte in the name loop. A
    /// StaticString lives in read-only data, so there is no lazy initialisation to check.
    static let tokenTable: StaticString = """
        0000000000000000000000000000000001011111001101101111111111000000\
        0111111111111111111111111110001111111111111111111111111111101010\
        0000000000000000000000000000000000000000000000000000000000000000\
        0000000000000000000000000000000000000000000000000000000000000000
        """

    /// Index of the first byte from `start` that is not a tchar, or `bytes.count`.
    @inline(__always)
    static func firstNonToken(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        // The table has 256 one-byte entries, so any UInt8 indexes inside it.
        let table = tokenTable.utf8Start
        var position = start
        while position < bytes.count, table[Int(bytes[position])] == 0x31 { position += 1 }
        return position
    }

    /// Whether `byte` may appear in a Host value (userinfo's `@` excluded).
    @inline(__always) static func isHost(_ byte: UInt8) -> Bool { inClass(byte, hostLow, hostHigh) }

    /// Whether `byte` may follow the first letter of a URI scheme.
    @inline(__always) static func isScheme(_ byte: UInt8) -> Bool { inClass(byte, schemeLow, schemeHigh) }

    /// VCHAR (0x21–0x7E): visible ASCII, the request-target alphabet.
    @inline(__always) static func isVisible(_ byte: UInt8) -> Bool { byte &- 0x21 < 0x5E }

    /// field-vchar: VCHAR or obs-text (0x80–0xFF).
    @inline(__always) static func isFieldVisible(_ byte: UInt8) -> Bool { byte &- 0x21 < 0x5E || byte >= 0x80 }

    /// SP or HTAB.
    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == htab }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @inline(__always) static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        if byte &- 0x30 < 10 { return byte &- 0x30 }
        let folded = byte | 0x20
        if folded &- 0x61 < 6 { return folded &- 0x61 &+ 10 }
        return nil
    }

    /// Whether `bytes[start...]` equals the lowercase ASCII `literal`, folding the bytes to lower
    /// case. Sound for bytes already validated as tchar or field-value bytes: `| 0x20` maps no
    /// such byte onto a lowercase letter, digit or `-` other than the letter's two cases, the
    /// digit and `-` themselves (the other preimages are control characters).
    @inline(__always)
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ literal: StaticString) -> Bool {
        // `literal` is an ASCII literal, so its utf8Start points at `utf8CodeUnitCount` bytes; the
        // callers compared lengths, so `start + index` stays inside `bytes`.
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for index in 0..<expected.count where bytes[start + index] | 0x20 != expected[index] {
            return false
        }
        return true
    }

    /// Whether `bytes` equals the ASCII `literal` exactly (case-sensitive).
    @inline(__always)
    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        // `literal` is ASCII, so utf8Start points at `utf8CodeUnitCount` bytes.
        bytes.count == literal.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Index of the first byte from `start` that is a control character (< 0x20) or DEL, or
    /// `bytes.count`: the end of a field value's run of VCHAR, SP and obs-text.
    ///
    /// Eight bytes per step (SWAR): `(w - 0x20…) & ~w & 0x80…` flags bytes below 0x20; the
    /// same on `w ^ 0x7F…` flags DEL. Only bytes above a true hit can be flagged falsely, so the
    /// lowest flag is exact.
    @inline(__always)
    static func firstControl(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var position = start
        while position &+ 8 <= bytes.count {
            // `position + 8 <= bytes.count`: the eight-byte load stays inside the buffer.
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let control = (word &- ones &* 0x20) & ~word & highs
            let flipped = word ^ (ones &* 0x7F)
            let delete = (flipped &- ones) & ~flipped & highs
            let hits = control | delete
            if hits != 0 { return position &+ hits.trailingZeroBitCount >> 3 }
            position &+= 8
        }
        while position < bytes.count, bytes[position] >= 0x20, bytes[position] != 0x7F { position += 1 }
        return position
    }

    /// Index of the first byte from `start` that is not VCHAR (0x21–0x7E), or `bytes.count`:
    /// the end of a request-target. Same SWAR scheme as `firstControl`; bytes of 0x7F and
    /// above are flagged exactly by `((w & 0x7F…) + 0x01…) | w`.
    @inline(__always)
    static func firstNonVisible(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var position = start
        while position &+ 8 <= bytes.count {
            // `position + 8 <= bytes.count`: the eight-byte load stays inside the buffer.
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let low = (word &- ones &* 0x21) & ~word & highs
            let high = (((word & ~highs) &+ ones) | word) & highs
            let hits = low | high
            if hits != 0 { return position &+ hits.trailingZeroBitCount >> 3 }
            position &+= 8
        }
        while position < bytes.count, isVisible(bytes[position]) { position += 1 }
        return position
    }

    /// Index of the first `byte` in `bytes[start..<end]`, or nil (memchr: vectorised).
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = bytes.baseAddress else { return nil }
        // `start..<end` lies inside `bytes` (callers clamp `end` to `bytes.count`), so memchr
        // reads only the buffer's own bytes.
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}

extension UnsafeRawBufferPointer {
    /// A copy of the bytes `range` as an array (one allocation, one memcpy).
    @inline(__always)
    func copyBytes(_ range: Range<Int>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: range.count) { destination, initialized in
            // `destination` has room for `range.count` bytes and `range` lies inside `self`.
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: slice(range))
            initialized = range.count
        }
    }
}
