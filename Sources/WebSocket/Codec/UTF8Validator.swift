/// Incremental UTF-8 validation (RFC 3629) of text that arrives in pieces: the state carried
/// between pieces is the number of continuation bytes still due and the range the next one
/// must fall in, so a scalar split across fragments is checked exactly as a whole one.
///
/// The narrowed ranges after E0, ED, F0 and F4 are what reject overlong forms, the surrogates
/// U+D800–DFFF and scalars over U+10FFFF; C0, C1 and F5–FF are never valid. Runs of ASCII are
/// skipped eight bytes at a time. Invalid bytes are reported as soon as they arrive (fail fast),
/// not when the message ends.
struct UTF8Validator: Sendable {
    /// Continuation bytes still due for the current scalar (0 at a scalar boundary).
    private var due: UInt8 = 0
    /// Inclusive range for the next continuation byte.
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// Whether the bytes so far end at a scalar boundary (a message must, to be valid).
    var isComplete: Bool { due == 0 }

    /// Checks `bytes`, which continue the bytes seen before; false at the first byte that makes
    /// the text invalid (the validator's state is then meaningless).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            if due == 0 {
                // `index + 8 <= count`: the unaligned eight-byte load stays inside `bytes`.
                while index &+ 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index &+= 8
                }
                guard index < count else { break }
                let lead = bytes[index]
                index &+= 1
                switch lead {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: due = 1; low = 0x80; high = 0xBF
                case 0xE0: due = 2; low = 0xA0; high = 0xBF  // no overlong 3-byte forms
                case 0xED: due = 2; low = 0x80; high = 0x9F  // no surrogates
                case 0xE1...0xEC, 0xEE...0xEF: due = 2; low = 0x80; high = 0xBF
                case 0xF0: due = 3; low = 0x90; high = 0xBF  // no overlong 4-byte forms
                case 0xF1...0xF3: due = 3; low = 0x80; high = 0xBF
                case 0xF4: due = 3; low = 0x80; high = 0x8F  // nothing over U+10FFFF
                default: return false  // a stray continuation byte, C0/C1 (overlong) or F5–FF
                }
            } else {
                let byte = bytes[index]
                guard byte >= low, byte <= high else { return false }
                index &+= 1
                due &-= 1
                low = 0x80
                high = 0xBF
            }
        }
        return true
    }
}
