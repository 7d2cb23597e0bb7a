import Benchmark
import RingwayCore
import RingwayHTTPCodec
import RingwaySSECodec
import RingwayWebSocketCodec

// Allocation counts are what CI checks (Thresholds/): they are deterministic for a given
// input and toolchain, and a new allocation on these paths is a regression. Times are shown
// for people and never fail the build. Every benchmark runs its operation 1000 times per
// sample (scaling factor kilo): counts in Thresholds/ are per 1000 operations.
// Names carry no spaces: package-benchmark looks thresholds up by the unescaped name.

/// The TechEmpower-style plaintext request, as wrk sends it.
let plaintextRequest = Array("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\nUser-Agent: ringway-load\r\n\r\n".utf8)
/// A browser-like request with a dozen headers.
let browserRequest = Array(("GET /chat/lobby?user=ada HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
    + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n"
    + "Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: session=0123456789abcdef; theme=dark\r\n"
    + "Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nCache-Control: max-age=0\r\n\r\n").utf8)

/// A masked client frame of `size` bytes (what a browser sends).
func maskedFrame(size: Int, opcode: UInt8) -> [UInt8] {
    var frame: [UInt8] = [0x80 | opcode]
    switch size {
    case ..<126: frame.append(0x80 | UInt8(size))
    case ..<65536: frame += [0x80 | 126, UInt8(size >> 8), UInt8(size & 0xFF)]
    default: frame += [0x80 | 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) }
    }
    let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    frame += key
    for index in 0..<size { frame.append(UInt8(ascii: "a") &+ UInt8(index % 26) ^ key[index & 3]) }
    return frame
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
    )

    // MARK: HTTP/1.1

    // The input is made inside each benchmark, as the allocation thresholds were recorded.
    let requests: [(name: String, input: @Sendable () -> [UInt8])] = [
        ("HTTPParse.plaintext", { plaintextRequest }),
        ("HTTPParse.browser12Headers", { browserRequest }),
        ("HTTPParse.pipelined16", { Array([[UInt8]](repeating: plaintextRequest, count: 16).joined()) }),
    ]
    // As the server does: each head is given back to the parser once served, so steady-state
    // parsing reuses its storage (the counts show what a keep-alive connection allocates).
    for (name, input) in requests {
        Benchmark(name) { benchmark in
            let bytes = input()
            var parser = HTTPRequestParser()
            var heads: [HTTPRequestHead] = []
            heads.reserveCapacity(16)
            var served = 0
            for _ in benchmark.scaledIterations {
                try bytes.withUnsafeBytes { bytes in
                    try parser.parse(bytes) { event in if case .head(let head) = event { heads.append(head) } }
                }
                served += heads.count
                while let head = heads.popLast() { parser.recycle(head) }
            }
            blackHole(served)
        }
    }

    // As the server writes a head: the app's fields, then date, server and framing as
    // `ServerFields` (the `extraHeaders:` overload is not on the response path).
    Benchmark("HTTPSerialize.plaintextHead") { benchmark in
        var headers = Headers()
        headers.append(name: "content-type", value: "text/plain")
        let head = HTTPResponseHead(status: 200, headers: headers)
        let fields = ServerFields(date: Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8), server: "Ringway", contentLength: 13)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512)
        for _ in benchmark.scaledIterations {
            buffer.removeAll(keepingCapacity: true)
            try HTTPResponseSerializer.writeHead(head, fields: fields, into: &buffer)
        }
        blackHole(buffer)
    }

    // MARK: WebSocket

    let frames: [(name: String, size: Int, opcode: UInt8)] = [
        ("WebSocketDecode.binary64B", 64, 0x2), ("WebSocketDecode.binary16384B", 16 * 1024, 0x2), ("WebSocketDecode.text64B", 64, 0x1),
    ]
    for (name, size, opcode) in frames {
        Benchmark(name) { benchmark in
            let frame = maskedFrame(size: size, opcode: opcode)
            var decoder = WebSocketDecoder()
            var messages = 0
            for _ in benchmark.scaledIterations {
                try frame.withUnsafeBytes { bytes in
                    try decoder.parse(bytes) { event in
                        switch event {
                        case .text, .binary: messages += 1
                        default: break
                        }
                    }
                }
            }
            blackHole(messages)
        }
    }

    Benchmark("WebSocketUnmask.16KiB", configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal])) { benchmark in
        var payload = [UInt8](repeating: 0x5A, count: 16 * 1024)
        for _ in benchmark.scaledIterations {
            payload.withUnsafeMutableBytes { _ = applyWebSocketMask($0, key: 0x1234_5678, phase: 0) }
        }
        blackHole(payload)
    }

    Benchmark("WebSocketEncode.binary64B") { benchmark in
        let payload = [UInt8](repeating: 0x61, count: 64)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        for _ in benchmark.scaledIterations {
            buffer.removeAll(keepingCapacity: true)
            WebSocketEncoder.appendMessage(payload, opcode: .binary, into: &buffer)
        }
        blackHole(buffer)
    }

    // One broadcast event (id, type, 64 B of data) encoded into a reused buffer: what a
    // topic does once per publish, whatever the number of subscribers.
    Benchmark("SSEEncode.event64B") { benchmark in
        let event = ServerSentEvent(data: String(repeating: "d", count: 64), event: "update", id: "123456")
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        for _ in benchmark.scaledIterations {
            buffer.removeAll(keepingCapacity: true)
            try? SSEEncoder.append(event, into: &buffer)
        }
        blackHole(buffer)
    }

    // The same event parsed back, as the load generator's subscribers and users' clients do.
    Benchmark("SSEParse.event64B") { benchmark in
        let bytes = (try? SSEEncoder.encode(ServerSentEvent(data: String(repeating: "d", count: 64), event: "update", id: "123456"))) ?? []
        var parser = SSEParser()
        var events = 0
        for _ in benchmark.scaledIterations {
            parser.feed(bytes) { output in
                if case .event = output { events += 1 }
            }
        }
        blackHole(events)
    }
}
