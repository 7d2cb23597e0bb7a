import Testing
@testable import RingwayWebSocketCodec

/// One text payload from the Autobahn 6.x cases (or in their style).
struct UTF8Case: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }
}

/// Valid UTF-8 (Autobahn 6.1, 6.2, 6.5–6.7, 6.9–6.11, 6.23): must decode to the same text.
let validUTF8: [UTF8Case] = [
    .init("6.1 empty", ""),
    .init("6.2 mixed", "Hello-µ@ßöäüàá-UTF-8!!"),
    .init("6.5 kosme", "κόσμε"),
    .init("6.6 kosme plus ASCII", "κόσμε abc κόσμε"),
    .init("6.7.1 U+0000", [0x00]),
    .init("6.7.2 U+0080", [0xC2, 0x80]),
    .init("6.7.3 U+0800", [0xE0, 0xA0, 0x80]),
    .init("6.7.4 U+10000", [0xF0, 0x90, 0x80, 0x80]),
    .init("6.9.1 U+007F", [0x7F]),
    .init("6.9.2 U+07FF", [0xDF, 0xBF]),
    .init("6.9.3 U+FFFF", [0xEF, 0xBF, 0xBF]),
    .init("6.9.4 U+10FFFF", [0xF4, 0x8F, 0xBF, 0xBF]),
    .init("6.10 U+D7FF", [0xED, 0x9F, 0xBF]),
    .init("6.10 U+E000", [0xEE, 0x80, 0x80]),
    .init("6.10 U+FFFD", [0xEF, 0xBF, 0xBD]),
    .init("6.11 U+FFFE noncharacter", [0xEF, 0xBF, 0xBE]),
    .init("6.23 U+FDD0 noncharacter", [0xEF, 0xB7, 0x90]),
    .init("all four lengths", "a é € 😀 𝄞 z"),
    .init("long ASCII then 4-byte", String(repeating: "0123456789", count: 5) + "😀" + String(repeating: "x", count: 17)),
]

/// Invalid UTF-8 (Autobahn 6.3, 6.4, 6.8, 6.12–6.22 and neighbours): 1007.
let invalidUTF8: [UTF8Case] = [
    .init("6.3 kosme then surrogate then text", Array("κόσμε".utf8) + [0xED, 0xA0, 0x80] + Array("edited".utf8)),
    .init("6.8.1 5-byte sequence", [0xF8, 0x88, 0x80, 0x80, 0x80]),
    .init("6.8.2 6-byte sequence", [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80]),
    .init("6.12 lone continuation 80", [0x80]),
    .init("6.12 lone continuation BF", [0xBF]),
    .init("6.12 continuations after ASCII", [0x61, 0x80, 0xBF]),
    .init("6.13 lead bytes with a space", [0xC0, 0x20, 0xC1, 0x20]),
    .init("6.14 3-byte lead then space", [0xE0, 0x20]),
    .init("6.15 4-byte lead then ASCII", [0xF0, 0x90, 0x41]),
    .init("6.16 F8 lead", [0xF8]),
    .init("6.16 FE", [0xFE]),
    .init("6.16 FF", [0xFF]),
    .init("6.17 overlong / U+002F 2 bytes", [0xC0, 0xAF]),
    .init("6.17 overlong / U+002F 3 bytes", [0xE0, 0x80, 0xAF]),
    .init("6.17 overlong / U+002F 4 bytes", [0xF0, 0x80, 0x80, 0xAF]),
    .init("6.18 overlong max 2 bytes", [0xC1, 0xBF]),
    .init("6.18 overlong max 3 bytes", [0xE0, 0x9F, 0xBF]),
    .init("6.18 overlong max 4 bytes", [0xF0, 0x8F, 0xBF, 0xBF]),
    .init("6.19 overlong NUL", [0xC0, 0x80]),
    .init("6.19 overlong NUL 3 bytes", [0xE0, 0x80, 0x80]),
    .init("6.20 surrogate U+D800", [0xED, 0xA0, 0x80]),
    .init("6.20 surrogate U+DB7F", [0xED, 0xAD, 0xBF]),
    .init("6.20 surrogate U+DC00", [0xED, 0xB0, 0x80]),
    .init("6.20 surrogate U+DFFF", [0xED, 0xBF, 0xBF]),
    .init("6.21 surrogate pair", [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]),
    .init("6.21 surrogate pair U+DBFF U+DFFF", [0xED, 0xAF, 0xBF, 0xED, 0xBF, 0xBF]),
    .init("over U+10FFFF: U+110000", [0xF4, 0x90, 0x80, 0x80]),
    .init("over U+10FFFF: F5 lead", [0xF5, 0x80, 0x80, 0x80]),
    .init("over U+10FFFF: F7 lead", [0xF7, 0xBF, 0xBF, 0xBF]),
    .init("truncated 2-byte at end", Array("ab".utf8) + [0xC3]),
    .init("truncated 3-byte at end", Array("ab".utf8) + [0xE2, 0x82]),
    .init("truncated 4-byte at end", Array("ab".utf8) + [0xF0, 0x9F, 0x98]),
    .init("truncated 4-byte after one byte", [0xF0]),
    .init("4-byte sequence missing a continuation in the middle", [0xF0, 0x9F, 0x61, 0x80]),
    .init("invalid after a long ASCII run", Array(String(repeating: "a", count: 40).utf8) + [0xC0, 0x80] + Array("b".utf8)),
]

/// Text messages: UTF-8 checked across fragments, whatever the split.
@Suite struct UTF8Tests {
    @Test(arguments: validUTF8)
    func validText(testCase: UTF8Case) {
        let expected = String(decoding: testCase.bytes, as: UTF8.self)
        #expect(runAllSplits(clientFrame(.text, testCase.bytes)) == Outcome(events: [.text(expected)]))
        // Split into two fragments at every position, scalars split across them included.
        for cut in 0...testCase.bytes.count {
            let input = clientFrame(.text, Array(testCase.bytes[..<cut]), fin: false) + clientFrame(.continuation, Array(testCase.bytes[cut...]))
            #expect(run([input[...]]) == Outcome(events: [.text(expected)]), "cut at \(cut)")
        }
        // One fragment per byte.
        var input = clientFrame(.text, [], fin: false)
        for byte in testCase.bytes { input += clientFrame(.continuation, [byte], fin: false) }
        input += clientFrame(.continuation, [])
        #expect(runAllSplits(input, stride: 5) == Outcome(events: [.text(expected)]))
    }

    @Test(arguments: invalidUTF8)
    func invalidText(testCase: UTF8Case) {
        let error = expectFailure(clientFrame(.text, testCase.bytes), 1007)
        #expect(error != nil)
        for cut in 0...testCase.bytes.count {
            let input = clientFrame(.text, Array(testCase.bytes[..<cut]), fin: false) + clientFrame(.continuation, Array(testCase.bytes[cut...]))
            #expect(run([input[...]]).error?.closeCode == 1007, "cut at \(cut)")
        }
        // Binary messages carry any bytes.
        #expect(run([clientFrame(.binary, testCase.bytes)[...]]) == Outcome(events: [.binary(testCase.bytes)]))
    }

    /// A 4-byte scalar split between two, three and four fragments at every position.
    @Test func fourByteScalarAcrossFragments() {
        let bytes: [UInt8] = [0x61] + [0xF0, 0x9D, 0x84, 0x9E] + [0x62]  // a𝄞b
        for first in 1..<bytes.count {
            for second in first..<bytes.count {
                let input = clientFrame(.text, Array(bytes[..<first]), fin: false)
                    + clientFrame(.continuation, Array(bytes[first..<second]), fin: false)
                    + clientFrame(.ping, [])
                    + clientFrame(.continuation, Array(bytes[second...]))
                #expect(runAllSplits(input) == Outcome(events: [.ping([]), .text("a𝄞b")]), "cuts \(first), \(second)")
            }
        }
    }

    /// Autobahn 6.4: invalid bytes fail the connection when they arrive, not when the message ends.
    @Test func failFastOnTheFragmentHoldingInvalidBytes() {
        let first = clientFrame(.text, Array("κόσμε".utf8) + [0xED, 0xA0], fin: false)
        #expect(run([first[...]]).error?.closeCode == 1007)
        // Within a frame: the rest of the payload has not arrived yet.
        let whole = clientFrame(.text, Array("κόσμε".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("edited".utf8))
        let upToInvalid = 6 + "κόσμε".utf8.count + 2
        #expect(run([whole[..<upToInvalid]]).error?.closeCode == 1007)
        // A truncated scalar is only wrong once the message ends.
        let open = clientFrame(.text, [0xF0, 0x9F], fin: false)
        #expect(run([open[...]]) == Outcome())
    }

    /// Every 1- to 4-byte sequence whose lead byte decides the range of the next byte, against
    /// the standard library's decoder.
    @Test func validatorAgreesWithTheStandardLibrary() {
        var checked = 0
        for lead in UInt8.min...UInt8.max {
            for second in [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF] as [UInt8] {
                for third in [0x80, 0xBF, 0x41] as [UInt8] {
                    for fourth in [0x80, 0xBF, 0xC0] as [UInt8] {
                        let bytes = [lead, second, third, fourth]
                        var validator = UTF8Validator()
                        let accepted = bytes.withUnsafeBytes { validator.consume($0) } && validator.isComplete
                        let standard = String(validating: bytes, as: UTF8.self) != nil
                        #expect(accepted == standard, "\(bytes)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 256 * 11 * 3 * 3)
    }
}
