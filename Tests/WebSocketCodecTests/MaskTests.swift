import Testing
@testable import RingwayWebSocketCodec

/// `applyWebSocketMask` against a byte-at-a-time reference.
@Suite struct MaskTests {
    static let keys: [[UInt8]] = [[0x37, 0xFA, 0x21, 0x3D], [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x01, 0x02, 0x04, 0x80]]

    static func keyValue(_ key: [UInt8]) -> UInt32 {
        key.reduce(0) { $0 << 8 | UInt32($1) }
    }

    @Test func matchesReferenceForEveryLengthAndPhase() {
        for key in Self.keys {
            for phase in 0..<4 {
                for length in 0...100 {
                    let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
                    // Offsets 0–7 into a larger buffer: the eight-byte steps are unaligned too.
                    for offset in [0, 1, 3, 7] {
                        var buffer = Array(repeating: UInt8(0xAA), count: offset) + input + [0x55, 0x55]
                        let next = buffer.withUnsafeMutableBytes { bytes in
                            applyWebSocketMask(UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<offset + length]), key: Self.keyValue(key), phase: phase)
                        }
                        #expect(Array(buffer[offset..<offset + length]) == referenceMask(input, key: key, phase: phase), "key \(key) phase \(phase) length \(length) offset \(offset)")
                        #expect(buffer[..<offset].allSatisfy { $0 == 0xAA } && buffer.suffix(2) == [0x55, 0x55], "wrote outside the buffer")
                        #expect(next == (phase + length) % 4)
                    }
                }
            }
        }
    }

    @Test func piecewiseEqualsWhole() {
        let key = Self.keys[0]
        let input = (0..<97).map { UInt8($0) }
        for cut in 0...input.count {
            var buffer = input
            buffer.withUnsafeMutableBytes { bytes in
                let phase = applyWebSocketMask(UnsafeMutableRawBufferPointer(rebasing: bytes[..<cut]), key: Self.keyValue(key), phase: 0)
                _ = applyWebSocketMask(UnsafeMutableRawBufferPointer(rebasing: bytes[cut...]), key: Self.keyValue(key), phase: phase)
            }
            #expect(buffer == referenceMask(input, key: key), "cut \(cut)")
        }
    }

    @Test func maskingTwiceRestores() {
        let input = Array("the quick brown fox jumps over the lazy dog".utf8)
        var buffer = input
        buffer.withUnsafeMutableBytes { bytes in
            _ = applyWebSocketMask(bytes, key: 0xDEAD_BEEF, phase: 2)
            _ = applyWebSocketMask(bytes, key: 0xDEAD_BEEF, phase: 2)
        }
        #expect(buffer == input)
    }

    @Test func emptyBufferKeepsPhase() {
        for phase in 0..<4 {
            #expect(applyWebSocketMask(UnsafeMutableRawBufferPointer(start: nil, count: 0), key: 1, phase: phase) == phase)
        }
    }
}
