import Benchmark
import RingwayToolkit

// Allocation counts of the multipart/form-data parser (checked in CI against Thresholds/,
// per 1000 bodies); times are for people. Each part costs its head (two header arrays, the
// name and file name strings) and one array per body chunk handed out.

/// A body of `parts` form fields of 16 bytes each, as a browser form sends them.
func formBody(parts: Int, boundary: String) -> [UInt8] {
    var body: [UInt8] = []
    for index in 0..<parts {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"field\(index)\"\r\n\r\nvalue-0123456789\r\n".utf8)
    }
    return body + Array("--\(boundary)--\r\n".utf8)
}

/// One file of `size` bytes.
func fileBody(size: Int, boundary: String) -> [UInt8] {
    Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"data.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        + (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) } + Array("\r\n--\(boundary)--\r\n".utf8)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
    )
    let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

    // The whole body in one chunk, as a small form arrives in one read.
    Benchmark("MultipartParse.fields4") { benchmark in
        let body = formBody(parts: 4, boundary: boundary)
        let contentType = Array("multipart/form-data; boundary=\(boundary)".utf8)
        var parts = 0
        for _ in benchmark.scaledIterations {
            var parser = try MultipartParser(contentType: contentType)
            parser.append(body)
            parser.finish()
            while let event = try parser.next() { if case .partEnd = event { parts += 1 } }
        }
        blackHole(parts)
    }

    // A 64 KiB file in 16 KiB receive chunks.
    Benchmark("MultipartParse.file64KiB") { benchmark in
        let body = fileBody(size: 64 << 10, boundary: boundary)
        let chunks = stride(from: 0, to: body.count, by: 16 << 10).map { Array(body[$0..<min($0 + (16 << 10), body.count)]) }
        let contentType = Array("multipart/form-data; boundary=\(boundary)".utf8)
        var bytes = 0
        for _ in benchmark.scaledIterations {
            var parser = try MultipartParser(contentType: contentType)
            for chunk in chunks {
                parser.append(chunk)
                while let event = try parser.next() { if case .bodyChunk(let piece) = event { bytes += piece.count } }
            }
            parser.finish()
            while try parser.next() != nil {}
        }
        blackHole(bytes)
    }
}
