import RingwayCore
import Testing

@Suite("UnsafeRawBufferPointer.slice")
struct RawBufferSliceTests {
    @Test("a slice is the range's bytes over the same memory, rebased to 0")
    func slice() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5]
        bytes.withUnsafeBytes { buffer in
            let middle = buffer.slice(1..<4)
            #expect(Array(middle) == [2, 3, 4])
            #expect(middle[0] == 2)
            #expect(middle.baseAddress == buffer.baseAddress! + 1)
            #expect(buffer.slice(5..<5).isEmpty)
        }
    }
}
