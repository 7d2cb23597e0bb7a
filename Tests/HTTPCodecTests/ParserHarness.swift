import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// An event with body pieces merged, so runs that split the input differently compare equal.
enum Event: Equatable, CustomStringConvertible {
    case head(HTTPRequestHead)
    case body([UInt8])
    case end(Headers?)

    var description: String {
        switch self {
        case .head(let head): "head(\(head.method) \(String(decoding: head.target, as: UTF8.self)) \(head.headers))"
        case .body(let bytes): "body(\(bytes.count) bytes: \(String(decoding: bytes.prefix(40), as: UTF8.self)))"
        case .end(let trailers): "end(\(trailers.map(\.description) ?? "nil"))"
        }
    }
}

/// Everything observable from one run of the parser over some input.
struct Outcome: Equatable, CustomStringConvertible {
    var events: [Event] = []
    var error: HTTPParserError?
    var upgradeLeftover: [UInt8]?

    var description: String {
        "events: \(events), error: \(error.map(\.description) ?? "none"), leftover: \(upgradeLeftover.map { "\($0.count) bytes" } ?? "nil")"
    }
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}

/// Feeds `pieces` in order, then calls `finish()` if no error occurred. Checks on the way that
/// body pieces are never empty and that, once an error is thrown, every later call throws the
/// same error without emitting anything.
func run(_ pieces: [ArraySlice<UInt8>], limits: HTTPParserLimits = .init(), stopAtUpgrade: Bool = true, finish: Bool = true) -> Outcome {
    var parser = HTTPRequestParser(limits: limits, stopAtUpgrade: stopAtUpgrade)
    var raw: [HTTPRequestEvent] = []
    var outcome = Outcome()
    for (index, piece) in pieces.enumerated() {
        do {
            try feed(&parser, piece) { raw.append($0) }
        } catch {
            outcome.error = error
            let emitted = raw.count
            for later in pieces[(index + 1)...] + [[UInt8]("GET / HTTP/1.1\r\nHost: a\r\n\r\n")[...]] {
                #expect(throws: error) { try feed(&parser, later) { raw.append($0) } }
            }
            #expect(throws: error) { try parser.finish() }
            #expect(raw.count == emitted, "events emitted after an error")
            break
        }
    }
    if outcome.error == nil, finish {
        do { try parser.finish() } catch { outcome.error = error }
    }
    outcome.upgradeLeftover = parser.upgradeLeftover
    for event in raw {
        switch event {
        case .head(let head): outcome.events.append(.head(head))
        case .end(let trailers): outcome.events.append(.end(trailers))
        case .body(let bytes):
            #expect(!bytes.isEmpty, "empty body event")
            if case .body(let previous) = outcome.events.last {
                outcome.events[outcome.events.count - 1] = .body(previous + bytes)
            } else {
                outcome.events.append(.body(bytes))
            }
        }
    }
    return outcome
}

func feed(_ parser: inout HTTPRequestParser, _ piece: ArraySlice<UInt8>, _ onEvent: (HTTPRequestEvent) -> Void) throws(HTTPParserError) {
    try Array(piece).withBytes { (bytes) throws(HTTPParserError) in try parser.parse(bytes, onEvent: onEvent) }
}

/// Runs `input` whole, split in two at every position (or every `stride`-th one), and one byte
/// at a time; expects every run to give the outcome of the whole run, which it returns.
@discardableResult
func runAllSplits(
    _ input: [UInt8],
    limits: HTTPParserLimits = .init(),
    stopAtUpgrade: Bool = true,
    stride step: Int = 1,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Outcome {
    let whole = run([input[...]], limits: limits, stopAtUpgrade: stopAtUpgrade)
    for cut in Swift.stride(from: 1, to: input.count, by: step) {
        let split = run([input[..<cut], input[cut...]], limits: limits, stopAtUpgrade: stopAtUpgrade)
        if split != whole {
            Issue.record("split at \(cut) differs: \(split) vs whole \(whole)", sourceLocation: sourceLocation)
            return whole
        }
    }
    let bytewise = run(input.indices.map { input[$0...$0] }, limits: limits, stopAtUpgrade: stopAtUpgrade)
    #expect(bytewise == whole, "byte-at-a-time run differs", sourceLocation: sourceLocation)
    return whole
}

/// A head as the parser should report it, for comparisons.
func head(
    _ method: String,
    _ target: String,
    version: HTTPVersion = .http1_1,
    _ headers: [(String, String)],
    keepAlive: Bool = true,
    expectsContinue: Bool = false,
    isUpgrade: Bool = false,
    framing: HTTPBodyFraming = .none
) -> Event {
    .head(HTTPRequestHead(
        method: method,
        target: [UInt8](target),
        version: version,
        headers: Headers(headers),
        keepAlive: keepAlive,
        expectsContinue: expectsContinue,
        isUpgrade: isUpgrade,
        bodyFraming: framing
    ))
}

func body(_ text: String) -> Event { .body([UInt8](text)) }
