import RingwayToolkit

/// Feeds multipart bodies to `MultipartParser` in chosen pieces and reduces the events to a
/// comparable outcome: the parts (head and joined body bytes) and whether `.end` came, or
/// the error. Splitting must never change the outcome.
enum MultipartHarness {
    struct Part: Equatable, CustomStringConvertible {
        var name: String
        var filename: String?
        var contentType: String?
        var body: [UInt8]
        var description: String { "\(name) \(filename ?? "-") \(contentType ?? "-") \(body.count) bytes" }
    }

    enum Outcome: Equatable {
        case parts([Part], ended: Bool)
        case failed(MultipartError)

        var parts: [Part] {
            if case .parts(let parts, _) = self { return parts }
            return []
        }
    }

    static let boundary = "XyZ-boundary"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    /// A body of `parts` (name, filename, content type, body) with the test boundary.
    static func body(_ parts: [(String, String?, String?, [UInt8])], preamble: String = "", epilogue: String = "") -> [UInt8] {
        var bytes = Array(preamble.utf8)
        for (name, filename, contentType, body) in parts {
            bytes += Array("--\(boundary)\r\ncontent-disposition: form-data; name=\"\(name)\"".utf8)
            if let filename { bytes += Array("; filename=\"\(filename)\"".utf8) }
            bytes += Array("\r\n".utf8)
            if let contentType { bytes += Array("content-type: \(contentType)\r\n".utf8) }
            bytes += Array("\r\n".utf8) + body + Array("\r\n".utf8)
        }
        return bytes + Array("--\(boundary)--\r\n\(epilogue)".utf8)
    }

    /// Parses `body` cut at `cuts` (sorted offsets), then finishes.
    static func parse(_ body: [UInt8], contentType: String = contentType, cuts: [Int] = [],
                      limits: MultipartLimits = MultipartLimits()) -> Outcome {
        do {
            var parser = try MultipartParser(contentType: Array(contentType.utf8), limits: limits)
            var parts: [Part] = []
            var ended = false
            var eventsAfterEnd = 0
            func drain() throws(MultipartError) {
                while let event = try parser.next() {
                    if ended { eventsAfterEnd += 1 }
                    switch event {
                    case .head(let head):
                        parts.append(Part(name: head.name, filename: head.filename, contentType: head.contentType, body: []))
                    case .bodyChunk(let chunk):
                        precondition(!chunk.isEmpty, "empty body chunk")
                        parts[parts.count - 1].body += chunk
                    case .partEnd:
                        break
                    case .end:
                        ended = true
                    }
                }
            }
            var from = 0
            for cut in cuts + [body.count] where cut >= from {
                parser.append(body[from..<cut])
                try drain()
                from = cut
            }
            parser.finish()
            try drain()
            precondition(eventsAfterEnd == 0, "events after .end")
            return .parts(parts, ended: ended)
        } catch {
            return .failed(error)
        }
    }

    /// The outcome of `body` whole, asserting it is the same cut at every single offset and
    /// fed one byte at a time.
    static func parseEverySplit(_ body: [UInt8], contentType: String = contentType,
                                limits: MultipartLimits = MultipartLimits()) -> (whole: Outcome, mismatches: [String]) {
        let whole = parse(body, contentType: contentType, limits: limits)
        var mismatches: [String] = []
        for cut in 0...body.count {
            let outcome = parse(body, contentType: contentType, cuts: [cut], limits: limits)
            if outcome != whole { mismatches.append("cut at \(cut): \(outcome)") }
        }
        let bytewise = parse(body, contentType: contentType, cuts: Array(0...body.count), limits: limits)
        if bytewise != whole { mismatches.append("byte by byte: \(bytewise)") }
        return (whole, mismatches)
    }
}

/// A small deterministic generator (MultipartRandom) so mutation tests are reproducible.
struct MultipartRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
