/// XORs `bytes` in place with the 4-byte masking `key` (RFC 6455 §5.3), which unmasks a client
/// payload or masks one; returns the phase for the byte after the last.
///
/// `key` holds the key bytes in wire order, first byte in the most significant position (the
/// four key bytes read as a big-endian integer). `phase` (taken modulo 4) is the index of the
/// key byte for `bytes[0]`, so a payload that arrives in pieces is unmasked piece by piece by
/// passing each call's result to the next.
///
/// Eight bytes per step: the key, rotated to `phase`, is laid out twice in one 64-bit word that
/// is XORed into each unaligned word of the buffer; the last 0–7 bytes go one at a time.
public func applyWebSocketMask(_ bytes: UnsafeMutableRawBufferPointer, key: UInt32, phase: Int) -> Int {
    let phase = phase & 3
    let count = bytes.count
    guard count > 0, let base = bytes.baseAddress else { return phase }
    let shift = UInt32(phase * 8)
    // Key bytes in the order they apply from `bytes[0]`, most significant first.
    let rotated = key << shift | key >> (32 - shift)
    // `.bigEndian` lays the rotated key out in memory in that order on any host; both halves of
    // the 64-bit word are equal, so its in-memory order is the key's repeated twice.
    let half = UInt64(rotated.bigEndian)
    let word = half | half << 32
    var offset = 0
    while offset &+ 8 <= count {
        // `offset + 8 <= count`: the unaligned eight-byte load and store stay inside `bytes`.
        let masked = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ word
        base.storeBytes(of: masked, toByteOffset: offset, as: UInt64.self)
        offset &+= 8
    }
    // `offset` is a multiple of 8, so byte `offset + i` takes key byte `(phase + i) % 4`, which is
    // byte `i` of `rotated` from the top.
    var tail = rotated
    while offset < count {
        // `offset < count`: inside `bytes`.
        base.storeBytes(of: base.load(fromByteOffset: offset, as: UInt8.self) ^ UInt8(truncatingIfNeeded: tail >> 24), toByteOffset: offset, as: UInt8.self)
        tail = tail << 8 | tail >> 24
        offset &+= 1
    }
    return (phase + count) & 3
}
