import RingwayToolkit
import Testing

@Suite("MultipartParser")
struct MultipartParserTests {
    typealias Part = MultipartHarness.Part

    @Test("the boundary comes from the content type, quoted or not; a bad one is a typed 400")
    func boundaries() throws {
        #expect(try MultipartBoundary(contentType: Array("multipart/form-data; boundary=abc".utf8)).bytes == Array("abc".utf8))
        #expect(try MultipartBoundary(contentType: Array(#"Multipart/Form-Data;charset=utf-8; BOUNDARY="a b:c""#.utf8)).bytes == Array("a b:c".utf8))
        let seventy = String(repeating: "x", count: 70)
        #expect(try MultipartBoundary(contentType: Array("multipart/form-data; boundary=\(seventy)".utf8)).bytes.count == 70)
        let cases: [(String, MultipartError)] = [
            ("multipart/form-data", .missingBoundary),
            ("multipart/form-data; charset=utf-8", .missingBoundary),
            ("multipart/form-data; boundary=", .invalidBoundary),
            (#"multipart/form-data; boundary="""#, .invalidBoundary),
            ("multipart/form-data; boundary=\(seventy)x", .invalidBoundary),
            (#"multipart/form-data; boundary="ends in space ""#, .invalidBoundary),
            ("multipart/form-data; boundary=semi\u{01}colon", .invalidBoundary),
            ("multipart/form-data; boundary=caf\u{E9}", .invalidBoundary),
            ("application/x-www-form-urlencoded", .notMultipart),
            ("multipart/mixed; boundary=abc", .notMultipart),
            (#"multipart/form-data; boundary="unterminated"#, .notMultipart),
            ("", .notMultipart),
        ]
        for (contentType, expected) in cases {
            #expect(throws: expected, "\(contentType)") { try MultipartBoundary(contentType: Array(contentType.utf8)) }
        }
        #expect(MultipartError.invalidBoundary.status == 400)
        #expect(MultipartError.headersTooLarge.status == 413)
    }

    @Test("fields and files whole, cut at every byte and fed byte by byte give the same parts")
    func everySplit() {
        let body = MultipartHarness.body([
            ("title", nil, nil, Array("Hello".utf8)),
            ("empty", nil, nil, []),
            ("upload", "a.txt", "text/plain", Array("line\r\n--XyZ-boundar\r\nx--XyZ-boundary not at a line start \r\n-".utf8)),
            ("crlf", nil, nil, Array("\r\n\r\n".utf8)),
        ], preamble: "This is the preamble.\r\n--XyZ-b\r\n", epilogue: "ignored\r\n--XyZ-boundary\r\ngarbage")
        let (whole, mismatches) = MultipartHarness.parseEverySplit(body)
        #expect(mismatches.count == 0, "\(mismatches.prefix(3))")
        #expect(whole == .parts([
            Part(name: "title", filename: nil, contentType: nil, body: Array("Hello".utf8)),
            Part(name: "empty", filename: nil, contentType: nil, body: []),
            Part(name: "upload", filename: "a.txt", contentType: "text/plain",
                 body: Array("line\r\n--XyZ-boundar\r\nx--XyZ-boundary not at a line start \r\n-".utf8)),
            Part(name: "crlf", filename: nil, contentType: nil, body: Array("\r\n\r\n".utf8)),
        ], ended: true))
    }

    @Test("bodies recorded from requests, httpx and curl -F parse at every split", arguments: MultipartFixtures.all.map(\.client))
    func recordedClients(client: String) throws {
        let fixture = try #require(MultipartFixtures.all.first { $0.client == client })
        let (whole, mismatches) = MultipartHarness.parseEverySplit(fixture.body, contentType: fixture.contentType)
        #expect(mismatches.count == 0, "\(mismatches.prefix(3))")
        guard case .parts(let parts, ended: true) = whole else {
            Issue.record("\(client): \(whole)")
            return
        }
        switch client {
        case "requests":
            #expect(parts.map(\.name) == ["title", "tag", "tag", "upload"])
            #expect(parts.map { String(decoding: $0.body, as: UTF8.self) }.prefix(3) == ["Hello", "a", "b"])
            #expect(parts[3].filename == "report.txt")
            #expect(parts[3].contentType == "text/plain")
            #expect(parts[3].body == Array("line1\r\nline2\r\n--not-a-boundary\r\n".utf8))
        case "httpx":
            #expect(parts.map(\.name) == ["key", "key", "file"])
            #expect(parts[2].filename == "résumé %221%22.bin")  // HTML5 encoding: `"` as %22, UTF-8 raw
            #expect(parts[2].body == Array((0..<4).flatMap { _ in (0...255).map(UInt8.init) }))
        case "curl":
            #expect(parts.map(\.name) == ["key", "key", "note", "blob", "empty"])
            #expect(parts[2].body == Array("hello from curl\r\n--almost\r\nend".utf8))
            #expect(parts[3].filename == "blob.bin")
            #expect(parts[3].contentType == "application/octet-stream")
            #expect(parts[3].body.count == 3000)
            #expect(parts[4].filename == "empty.txt")
            #expect(parts[4].body.isEmpty)
        default:
            Issue.record("unknown fixture \(client)")
        }
    }

    @Test("a body cut anywhere before its close delimiter is truncated (400)")
    func truncatedAtEveryPrefix() {
        let body = MultipartHarness.body([("a", nil, nil, Array("one".utf8)), ("b", "b.bin", nil, Array("two".utf8))])
        let closeEnd = body.count - 2  // "--boundary--" complete, its CRLF not needed
        for length in 0..<closeEnd {
            let outcome = MultipartHarness.parse(Array(body.prefix(length)))
            #expect(outcome == .failed(.truncated), "prefix \(length): \(outcome)")
        }
        #expect(MultipartHarness.parse(Array(body.prefix(closeEnd))).parts.count == 2)
        #expect(MultipartError.truncated.status == 400)
    }

    @Test("the first delimiter may open the body or follow a preamble line; padding after it is allowed")
    func delimiterForms() {
        let padded = Array("--b \t\r\ncontent-disposition: form-data; name=x\r\n\r\n1\r\n--b--".utf8)
        #expect(MultipartHarness.parse(padded, contentType: "multipart/form-data; boundary=b").parts.map(\.body) == [[0x31]])
        let preambleOnly = Array("preamble --b\r\n--b\r\ncontent-disposition: form-data; name=x\r\n\r\n\r\n--b--".utf8)
        #expect(MultipartHarness.parse(preambleOnly, contentType: "multipart/form-data; boundary=b").parts.map(\.name) == ["x"])
        // "--bb" on a line of its own is the boundary "b" followed by a stray "b" (RFC 2046 forbids
        // the boundary inside the body): a malformed delimiter, not preamble.
        let glued = Array("--bb\r\ncontent-disposition: form-data; name=x\r\n\r\n\r\n--b--".utf8)
        #expect(MultipartHarness.parse(glued, contentType: "multipart/form-data; boundary=b") == .failed(.malformedDelimiter))
        let noClose = Array("--b\r\ncontent-disposition: form-data; name=x\r\n\r\n1\r\n--b-x".utf8)
        #expect(MultipartHarness.parse(noClose, contentType: "multipart/form-data; boundary=b") == .failed(.malformedDelimiter))
        let bareLF = Array("--b\ncontent-disposition: form-data; name=x\r\n\r\n1\r\n--b--".utf8)
        #expect(MultipartHarness.parse(bareLF, contentType: "multipart/form-data; boundary=b") == .failed(.malformedDelimiter))
    }

    @Test("content-disposition: filename* (RFC 5987) wins, quotes and Windows paths are read as browsers send them")
    func dispositions() {
        func head(_ disposition: String) -> MultipartHarness.Outcome {
            let body = Array("--b\r\ncontent-disposition: \(disposition)\r\n\r\nx\r\n--b--".utf8)
            return MultipartHarness.parse(body, contentType: "multipart/form-data; boundary=b")
        }
        func filename(_ disposition: String) -> String?? { head(disposition).parts.first.map(\.filename) }
        #expect(filename(#"form-data; name="f"; filename="plain.txt"; filename*=UTF-8''%e2%82%ac%20rates.txt"#) == "€ rates.txt")
        #expect(filename(#"form-data; name="f"; filename*=iso-8859-1'en'%E9t%E9.txt"#) == "été.txt")
        #expect(filename(#"form-data; name="f"; filename="fallback"; filename*=UTF-8''%ZZ"#) == "fallback")
        #expect(filename(#"form-data; name="f"; filename="C:\dir\a.txt""#) == #"C:\dir\a.txt"#)
        #expect(filename(#"form-data; name="f"; filename="say \"hi\".txt""#) == #"say "hi".txt"#)
        #expect(filename(#"form-data; name="f"; filename="""#) == "")
        #expect(filename("FORM-DATA; NAME=f") == .some(nil))
        #expect(head(#"form-data; name="a;b"; filename="x;y""#).parts.first?.name == "a;b")
        #expect(head("attachment; name=f") == .failed(.notFormData))
        #expect(head("form-data; filename=a.txt") == .failed(.missingName))
        #expect(head(#"form-data; name="unterminated"#) == .failed(.malformedHeader))
        let noDisposition = Array("--b\r\ncontent-type: text/plain\r\n\r\nx\r\n--b--".utf8)
        #expect(MultipartHarness.parse(noDisposition, contentType: "multipart/form-data; boundary=b") == .failed(.missingContentDisposition))
        let emptyHeaders = Array("--b\r\n\r\nx\r\n--b--".utf8)
        #expect(MultipartHarness.parse(emptyHeaders, contentType: "multipart/form-data; boundary=b") == .failed(.missingContentDisposition))
    }

    @Test("header lines must be name: value without folding or control bytes")
    func malformedHeaders() {
        for block in ["no colon", ": no name", "bad name: x", "content-disposition: form-data; name=x\r\n folded", "x-nul: a\u{0}b", "x: a\nb"] {
            let body = Array("--b\r\n\(block)\r\n\r\nx\r\n--b--".utf8)
            #expect(MultipartHarness.parse(body, contentType: "multipart/form-data; boundary=b") == .failed(.malformedHeader), "\(block)")
        }
    }

    @Test("header blocks over the limit and parts over the count are refused (413), at every split")
    func limits() {
        let limits = MultipartLimits(maxParts: 2, maxHeaderBytes: 80)
        let long = Array("--b\r\ncontent-disposition: form-data; name=x\r\nx-pad: \(String(repeating: "p", count: 40))\r\n\r\n1\r\n--b--".utf8)
        let (headers, headerMismatches) = MultipartHarness.parseEverySplit(long, contentType: "multipart/form-data; boundary=b", limits: limits)
        #expect(headers == .failed(.headersTooLarge))
        #expect(headerMismatches.count == 0, "\(headerMismatches.prefix(3))")
        // No blank line ever comes: refused once the limit is passed, not at the end of the body.
        var parser = MultipartParser(boundary: try! MultipartBoundary(Array("b".utf8)), limits: limits)
        parser.append(Array("--b\r\ncontent-disposition: form-data; name=x\r\n".utf8) + Array(repeating: 0x61, count: 100))
        #expect(throws: MultipartError.headersTooLarge) { _ = try parser.next() }
        #expect(throws: MultipartError.headersTooLarge) { _ = try parser.next() }  // failed for good
        let block = "content-disposition: form-data; name=x\r\n\r\n"
        let exactly = Array("--b\r\n\(block)1\r\n--b--".utf8)
        #expect(MultipartHarness.parse(exactly, contentType: "multipart/form-data; boundary=b", limits: MultipartLimits(maxHeaderBytes: block.utf8.count)).parts.count == 1)
        #expect(MultipartHarness.parse(exactly, contentType: "multipart/form-data; boundary=b", limits: MultipartLimits(maxHeaderBytes: block.utf8.count - 1)) == .failed(.headersTooLarge))

        let three = MultipartHarness.body([("a", nil, nil, []), ("b", nil, nil, []), ("c", nil, nil, [])])
        let (parts, partMismatches) = MultipartHarness.parseEverySplit(three, limits: limits)
        #expect(parts == .failed(.tooManyParts))
        #expect(partMismatches.count == 0, "\(partMismatches.prefix(3))")
        #expect(MultipartHarness.parse(three, limits: MultipartLimits(maxParts: 3)).parts.count == 3)
    }

    @Test("a body chunk holds back only a tail that could begin the delimiter")
    func holdBack() throws {
        var parser = try MultipartParser(contentType: Array(MultipartHarness.contentType.utf8))
        parser.append(Array("--XyZ-boundary\r\ncontent-disposition: form-data; name=f; filename=f\r\n\r\n".utf8))
        guard case .head = try parser.next() else { Issue.record("expected the head"); return }
        #expect(try parser.next() == nil)
        parser.append(Array(repeating: 0x61, count: 1000) + Array("\r\n--XyZ-bou".utf8))
        #expect(try parser.next() == .bodyChunk(Array(repeating: 0x61, count: 1000)))
        #expect(try parser.next() == nil)
        parser.append(Array("x".utf8))  // not the delimiter after all: the held-back tail is body
        #expect(try parser.next() == .bodyChunk(Array("\r\n--XyZ-boux".utf8)))
        parser.append(Array("\r\n--XyZ-boundary--".utf8))
        #expect(try parser.next() == .partEnd)
        #expect(try parser.next() == .end)
        #expect(parser.isComplete)
        parser.append(Array("epilogue".utf8))
        parser.finish()
        #expect(try parser.next() == nil)
    }

    @Test("mutated bodies never crash and give the same outcome whole and split")
    func mutations() {
        var random = MultipartRandom(state: 14)
        let seeds = MultipartFixtures.all.map { ($0.body, $0.contentType) }
            + [(MultipartHarness.body([("a", nil, nil, Array("1".utf8)), ("f", "f.txt", "text/plain", Array("abc\r\n".utf8))]), MultipartHarness.contentType)]
        var outcomes: [String: Int] = [:]
        for round in 0..<600 {
            let (original, contentType) = seeds[round % seeds.count]
            var body = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<body.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: body[index] = UInt8.random(in: 0...255, using: &random)
                case 1: body.remove(at: index)
                case 2: body.insert([0x0D, 0x0A, 0x2D, 0x3A, 0x22][Int.random(in: 0..<5, using: &random)], at: index)
                default: body = Array(body.prefix(index))
                }
                if body.isEmpty { body = [0x2D] }
            }
            let whole = MultipartHarness.parse(body, contentType: contentType, limits: MultipartLimits(maxParts: 8, maxHeaderBytes: 256))
            let cuts = (0..<3).map { _ in Int.random(in: 0...body.count, using: &random) }.sorted()
            let split = MultipartHarness.parse(body, contentType: contentType, cuts: cuts, limits: MultipartLimits(maxParts: 8, maxHeaderBytes: 256))
            #expect(whole == split, "round \(round), cuts \(cuts)")
            switch whole {
            case .parts(_, let ended): outcomes[ended ? "ended" : "open", default: 0] += 1
            case .failed(let error): outcomes["\(error)", default: 0] += 1
            }
        }
        // The mutations reach both accepted and refused bodies.
        #expect(outcomes["ended", default: 0] > 0)
        #expect(outcomes.count > 3, "\(outcomes)")
        #expect(outcomes["open"] == nil, "a finished parser either ends or fails")
    }
}
