import RingwaySSECodec
import Testing

/// Everything `input` produces, fed whole and then split at every byte boundary (the
/// outputs must not depend on the split).
func parsedAtEverySplit(_ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [SSEParser.Output] {
    func run(_ pieces: [ArraySlice<UInt8>]) -> [SSEParser.Output] {
        var parser = SSEParser()
        var outputs: [SSEParser.Output] = []
        for piece in pieces { parser.feed(piece) { outputs.append($0) } }
        parser.finish()
        return outputs
    }
    let whole = run([input[...]])
    for split in 0...input.count {
        let outputs = run([input[..<split], input[split...]])
        #expect(outputs == whole, "split at \(split)", sourceLocation: sourceLocation)
    }
    // And one byte at a time.
    #expect(run(input.indices.map { input[$0...$0] }) == whole, sourceLocation: sourceLocation)
    return whole
}

@Suite("SSE parser: the WHATWG algorithm")
struct SSEParserTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var input: String
        var events: [SSEParser.Output]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one event", input: "data: hello\n\n", events: [.event(type: "message", data: "hello", lastEventID: "")]),
        Case(name: "data lines join with LF", input: "data: a\ndata: b\n\n", events: [.event(type: "message", data: "a\nb", lastEventID: "")]),
        Case(name: "CR, LF and CRLF all end lines", input: "data: a\rdata: b\r\ndata: c\n\r\n",
             events: [.event(type: "message", data: "a\nb\nc", lastEventID: "")]),
        Case(name: "data: without the space", input: "data:x\n\n", events: [.event(type: "message", data: "x", lastEventID: "")]),
        Case(name: "only one leading space is dropped", input: "data:  x\n\n", events: [.event(type: "message", data: " x", lastEventID: "")]),
        Case(name: "a field name alone has an empty value", input: "data\n\n", events: [.event(type: "message", data: "", lastEventID: "")]),
        Case(name: "event type and id", input: "event: update\nid: 7\ndata: {}\n\n",
             events: [.event(type: "update", data: "{}", lastEventID: "7")]),
        Case(name: "the id persists; the type does not", input: "event: a\nid: 1\ndata: x\n\ndata: y\n\n",
             events: [.event(type: "a", data: "x", lastEventID: "1"), .event(type: "message", data: "y", lastEventID: "1")]),
        Case(name: "an id with NUL is ignored", input: "id: 1\ndata: x\n\nid: 2\u{0}3\ndata: y\n\n",
             events: [.event(type: "message", data: "x", lastEventID: "1"), .event(type: "message", data: "y", lastEventID: "1")]),
        Case(name: "an empty id resets the last id", input: "id: 1\ndata: x\n\nid\ndata: y\n\n",
             events: [.event(type: "message", data: "x", lastEventID: "1"), .event(type: "message", data: "y", lastEventID: "")]),
        Case(name: "retry counts only when all digits", input: "retry: 1500\nretry: 15x\nretry: -1\nretry:\ndata: x\n\n",
             events: [.retry(1500), .event(type: "message", data: "x", lastEventID: "")]),
        Case(name: "comments are reported, not dispatched", input: ": heartbeat\n:\ndata: x\n\n",
             events: [.comment("heartbeat"), .comment(""), .event(type: "message", data: "x", lastEventID: "")]),
        Case(name: "unknown fields are ignored", input: "foo: bar\nDATA: no\ndata: yes\n\n",
             events: [.event(type: "message", data: "yes", lastEventID: "")]),
        Case(name: "a blank line without data dispatches nothing", input: "event: x\n\ndata: y\n\n",
             events: [.event(type: "message", data: "y", lastEventID: "")]),
        Case(name: "an event without its blank line is dropped at the end", input: "data: x\n\ndata: cut",
             events: [.event(type: "message", data: "x", lastEventID: "")]),
        Case(name: "an event ended by one line break only is dropped at the end", input: "data: x\n",
             events: []),
        Case(name: "a leading BOM is stripped once; a later one is part of a field name",
             input: "\u{FEFF}data: x\n\n\u{FEFF}data: y\n\n", events: [.event(type: "message", data: "x", lastEventID: "")]),
        Case(name: "a second BOM is part of the field name", input: "\u{FEFF}\u{FEFF}data: x\n\n", events: []),
        Case(name: "multi-byte UTF-8 split anywhere", input: "data: héllo ✓ 🚀\n\n",
             events: [.event(type: "message", data: "héllo ✓ 🚀", lastEventID: "")]),
    ]

    @Test("parses as WHATWG specifies, at every split", arguments: cases)
    func whatwg(_ test: Case) {
        #expect(parsedAtEverySplit(Array(test.input.utf8)) == test.events)
    }

    @Test("invalid UTF-8 becomes U+FFFD")
    func invalidUTF8() {
        #expect(parsedAtEverySplit(Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8))
            == [.event(type: "message", data: "a\u{FFFD}b", lastEventID: "")])
    }

    @Test("the parser keeps the last event id and retry for a reconnect")
    func state() {
        var parser = SSEParser()
        parser.feed(Array("id: 42\nretry: 3000\ndata: x\n\n".utf8)) { _ in }
        #expect(parser.lastEventID == "42")
        #expect(parser.retry == 3000)
    }
}

@Suite("SSE encoder")
struct SSEEncoderTests {
    @Test("fields in order, data split on every line break, then the blank line")
    func fields() throws {
        let bytes = try SSEEncoder.encode(ServerSentEvent(data: "a\nb\r\nc\rd", event: "update", id: "7", retry: 1000))
        #expect(String(decoding: bytes, as: UTF8.self) == "event: update\nid: 7\nretry: 1000\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
    }

    @Test("empty data and data that starts with a space survive the round trip")
    func edges() throws {
        for data in ["", " leading", "trailing\n", "\n\n", "x\r\n"] {
            let bytes = try SSEEncoder.encode(ServerSentEvent(data: data))
            let expected = data.replacingLineBreaksWithLF()
            #expect(parsedAtEverySplit(bytes) == [.event(type: "message", data: expected, lastEventID: "")], "\(data.debugDescription)")
        }
    }

    @Test("an id or event type with CR, LF or NUL is refused and nothing is written", arguments: ["a\nb", "a\rb", "a\u{0}b"])
    func refused(_ value: String) {
        var buffer: [UInt8] = Array("kept".utf8)
        #expect(throws: SSEEncodingError.self) { try SSEEncoder.append(ServerSentEvent(data: "x", id: value), into: &buffer) }
        #expect(throws: SSEEncodingError.self) { try SSEEncoder.append(ServerSentEvent(data: "x", event: value), into: &buffer) }
        #expect(throws: SSEEncodingError(.negativeRetry(-1))) { try SSEEncoder.append(ServerSentEvent(data: "x", retry: -1), into: &buffer) }
        #expect(buffer == Array("kept".utf8))
    }

    @Test("comments: one line per line break, ignored by the parser except as comments")
    func comments() {
        var buffer: [UInt8] = []
        SSEEncoder.appendComment("ping", into: &buffer)
        SSEEncoder.appendComment("a\nb", into: &buffer)
        SSEEncoder.appendComment("", into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == ": ping\n: a\n: b\n:\n")
        #expect(parsedAtEverySplit(buffer) == [.comment("ping"), .comment("a"), .comment("b"), .comment("")])
    }

    @Test("encoded events parse back to themselves")
    func roundTrip() throws {
        let events = [
            ServerSentEvent(data: "{\"type\":\"connected\"}", event: "connected"),
            ServerSentEvent(data: "line 1\nline 2", event: "update", id: "1"),
            ServerSentEvent(data: "plain", id: "2"),
        ]
        var bytes: [UInt8] = []
        for event in events { try SSEEncoder.append(event, into: &bytes) }
        #expect(parsedAtEverySplit(bytes) == [
            .event(type: "connected", data: "{\"type\":\"connected\"}", lastEventID: ""),
            .event(type: "update", data: "line 1\nline 2", lastEventID: "1"),
            .event(type: "message", data: "plain", lastEventID: "2"),
        ])
    }
}

extension String {
    /// CRLF and CR as LF, the way a parser reads them back.
    func replacingLineBreaksWithLF() -> String {
        var result = ""
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = scalar == "\r"
            result.unicodeScalars.append(scalar == "\r" ? "\n" : scalar)
        }
        return result
    }
}
