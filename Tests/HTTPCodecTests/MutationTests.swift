import Testing
@testable import RingwayHTTPCodec

/// SplitMix64: a small deterministic generator, so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct MutationTests {
    private static let seeds: [[UInt8]] = [
        "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
        "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: b\r\n\r\n",
        "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nX: y\r\n\r\n",
        "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\u{1}\u{2}",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
    ].map { [UInt8]($0) }

    private static let fragments: [[UInt8]] = [
        "\r", "\n", "\r\n", "\r\n\r\n", " ", "\t", ":", ",", ";", "\"", "\u{0}", "\u{7F}", "\u{FF}",
        "0", "F", "FFFFFFFFFFFFFFFFF", "chunked", "Content-Length: ", "Transfer-Encoding: chunked\r\n",
        "Host: x\r\n", "HTTP/1.1", "%", "*", "@",
    ].map { [UInt8]($0) }

    private static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where position < bytes.count:
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2 where position < bytes.count:
                bytes.remove(at: position)
            case 3:
                bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: position)
            case 4 where position < bytes.count:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            default:
                bytes.removeSubrange(position...)
            }
        }
        return bytes
    }

    /// 20 000 mutations of valid requests: each parses or throws `HTTPParserError` (never
    /// crashes or hangs), and splitting it in two at a random point changes nothing.
    @Test func mutatedRequestsParseOrThrowAndSplitTheSameWay() {
        var random = SplitMix64(state: 0x5EED_2026)
        var parsed = 0
        var rejected = 0
        for round in 0..<20_000 {
            let input = Self.mutate(Self.seeds[round % Self.seeds.count], &random)
            let whole = run([input[...]])
            if whole.error == nil { parsed += 1 } else { rejected += 1 }
            guard input.count > 1 else { continue }
            let cut = Int.random(in: 1..<input.count, using: &random)
            let split = run([input[..<cut], input[cut...]])
            if split != whole {
                Issue.record("round \(round): split at \(cut) gives \(split), whole gives \(whole)")
                return
            }
        }
        // Both paths must have been exercised for the test to mean anything.
        #expect(parsed > 1000)
        #expect(rejected > 1000)
    }
}
