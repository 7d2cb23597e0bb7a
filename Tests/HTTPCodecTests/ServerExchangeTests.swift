import Testing
import RingwayCore
@testable import RingwayHTTPCodec

/// Drives `HTTPServerExchange` as the connection handler does, without sockets.
private struct ExchangeDriver {
    var machine = HTTPServerExchange(serverHeader: nil, maxDiscardedBodyBytes: 1024)
    /// Everything written, in order.
    var wire: [UInt8] = []
    /// Every action other than `.none`, with its call.
    var actions: [String] = []
    var closed: HTTPServerExchange.Close?

    var text: String { String(decoding: wire, as: UTF8.self) }

    mutating func carryOut(_ call: String, _ action: HTTPServerAction, _ output: [UInt8], body: [UInt8] = []) {
        if action != .none { actions.append("\(call): \(action)") }
        switch action {
        case .none, .runApplication: break
        case .write: wire += output
        case .writeBody: wire += body
        case .sendFile(let suffix): wire += output + Array("<file>".utf8) + suffix
        case .writeAndClose(let close):
            wire += output
            closed = closed ?? close
        case .close(let close): closed = closed ?? close
        case .fail(_, let close):
            wire += output
            if let close { closed = closed ?? close }
        }
    }

    @discardableResult
    mutating func begin(_ head: HTTPRequestHead, bodyLimit: UInt64 = 1 << 20) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.beginRequest(head, bodyLimit: bodyLimit, into: &output)
        carryOut("begin", action, output)
        return action
    }

    @discardableResult
    mutating func bodyRequested() -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.bodyRequested(into: &output)
        carryOut("bodyRequested", action, output)
        return action
    }

    @discardableResult
    mutating func requestBody(_ count: Int) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.requestBody(count: count, into: &output)
        carryOut("requestBody", action, output)
        return action
    }

    mutating func start(_ status: Int, _ headers: Headers = Headers(), trailers: Bool = false) {
        machine.responseStart(status: status, headers: headers, trailers: trailers)
    }

    @discardableResult
    mutating func body(_ text: String, more: Bool = false) -> HTTPServerAction {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        let action = machine.responseBody(bytes, more: more, into: &output)
        carryOut("body", action, output, body: bytes)
        return action
    }

    @discardableResult
    mutating func file(_ count: Int, more: Bool = false) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.responseFile(count: count, more: more, into: &output)
        carryOut("file", action, output)
        return action
    }

    @discardableResult
    mutating func trailers(_ headers: Headers, more: Bool = false) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.responseTrailers(headers, more: more, into: &output)
        carryOut("trailers", action, output)
        return action
    }

    @discardableResult
    mutating func parseError(_ error: HTTPParserError) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.parseError(error, into: &output)
        carryOut("parseError", action, output)
        return action
    }

    @discardableResult
    mutating func appReturned() -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.appReturned(into: &output)
        carryOut("appReturned", action, output)
        return action
    }

    @discardableResult
    mutating func appFailed(answering response: HTTPServerExchange.ErrorResponse? = nil) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.appFailed(answering: response, into: &output)
        carryOut("appFailed", action, output)
        return action
    }

    @discardableResult
    mutating func timedOut(_ timeout: HTTPServerExchange.Timeout, betweenRequests: Bool = false) -> HTTPServerAction {
        var output: [UInt8] = []
        let action = machine.timedOut(timeout, betweenRequests: betweenRequests, into: &output)
        carryOut("timedOut", action, output)
        return action
    }

    @discardableResult
    mutating func end() -> HTTPServerAction {
        let action = machine.endExchange()
        carryOut("end", action, [])
        return action
    }
}

/// The request head the parser makes of `text` (a whole head, CRLFs included).
private func head(_ text: String) -> HTTPRequestHead {
    var parser = HTTPRequestParser()
    var found: HTTPRequestHead?
    Array(text.utf8).withUnsafeBytes { bytes in
        try? parser.parse(bytes) { if case .head(let head) = $0 { found = head } }
    }
    guard let found else { preconditionFailure("not a request head: \(text)") }
    return found
}

private func get(_ extra: String = "", version: String = "1.1", method: String = "GET") -> HTTPRequestHead {
    head("\(method) / HTTP/\(version)\r\nhost: x\r\n\(extra)\r\n")
}

@Suite("HTTP server exchange machine")
struct ServerExchangeTests {
    struct KeepAliveCase: Sendable, CustomTestStringConvertible {
        var name: String
        var request: HTTPRequestHead
        var headers: Headers = Headers()
        var more = false
        var shutdown = false
        /// The `connection` field the head carries, if any.
        var field: String?
        var keepsOpen: Bool
        var testDescription: String { name }
    }

    static let keepAliveCases: [KeepAliveCase] = [
        .init(name: "1.1 stays open", request: get(), keepsOpen: true),
        .init(name: "1.1 client close", request: get("connection: close\r\n"), field: "close", keepsOpen: false),
        .init(name: "1.0 closes", request: get(version: "1.0"), field: "close", keepsOpen: false),
        .init(name: "1.0 keep-alive", request: get("connection: keep-alive\r\n", version: "1.0"), field: "keep-alive", keepsOpen: true),
        .init(name: "1.1 app close", request: get(), headers: [("Connection", "Close")], field: "close", keepsOpen: false),
        .init(name: "1.0 keep-alive streamed: close-delimited", request: get("connection: keep-alive\r\n", version: "1.0"),
              more: true, field: "close", keepsOpen: false),
        .init(name: "draining", request: get(), shutdown: true, field: "close", keepsOpen: false),
    ]

    @Test("keep-alive is decided once, from both sides", arguments: keepAliveCases)
    func keepAlive(_ test: KeepAliveCase) {
        var driver = ExchangeDriver()
        if test.shutdown { driver.machine.shutdownRequested() }
        #expect(driver.begin(test.request) == .runApplication)
        driver.start(200, test.headers)
        driver.body("hi", more: test.more)
        if test.more { driver.body("") }
        #expect(driver.text.contains("connection: \(test.field ?? "")\r\n") == (test.field != nil))
        #expect(!driver.text.contains("Connection:"))  // the app's own field is not echoed
        #expect(driver.appReturned() == .none)
        #expect(driver.end() == (test.keepsOpen ? .none : .close(.graceful)))
        #expect(driver.machine.keepAlive == test.keepsOpen)
    }

    @Test("the app's connection field is replaced by the server's")
    func appConnectionFieldIsNotEchoed() {
        var driver = ExchangeDriver()
        driver.begin(get())
        driver.start(200, [("connection", "close")])
        driver.body("x")
        #expect(driver.text == "HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx")
    }

    struct FramingCase: Sendable, CustomTestStringConvertible {
        var name: String
        var request: HTTPRequestHead = get()
        var status = 200
        var headers: Headers = Headers()
        var trailers: Headers?
        var bodies: [(String, Bool)]
        var wire: String
        var testDescription: String { name }
    }

    static let framingCases: [FramingCase] = [
        .init(name: "one body: content-length", bodies: [("hello", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"),
        .init(name: "streamed 1.1: chunked", bodies: [("ab", true), ("c", true), ("", false)],
              wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"),
        .init(name: "streamed with a last piece", bodies: [("ab", true), ("c", false)],
              wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"),
        .init(name: "app length, streamed", headers: [("content-length", "5")], bodies: [("he", true), ("llo", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"),
        .init(name: "app transfer-encoding is dropped", headers: [("transfer-encoding", "gzip")], bodies: [("x", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx"),
        .init(name: "streamed 1.0: close-delimited", request: get(version: "1.0"), bodies: [("ab", true), ("c", false)],
              wire: "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabc"),
        .init(name: "HEAD: the GET's length, no body", request: get(method: "HEAD"), bodies: [("hello", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"),
        .init(name: "HEAD streamed: no length", request: get(method: "HEAD"), bodies: [("he", true), ("llo", false)],
              wire: "HTTP/1.1 200 OK\r\n\r\n"),
        .init(name: "204: no length, no body", status: 204, bodies: [("", false)], wire: "HTTP/1.1 204 No Content\r\n\r\n"),
        .init(name: "304: the app's length dropped", status: 304, headers: [("content-length", "10")], bodies: [("", false)],
              wire: "HTTP/1.1 304 Not Modified\r\n\r\n"),
        .init(name: "HEAD 304: no length", request: get(method: "HEAD"), status: 304, headers: [("content-length", "10")],
              bodies: [("", false)], wire: "HTTP/1.1 304 Not Modified\r\n\r\n"),
        .init(name: "1xx: bodiless", status: 103, bodies: [("x", false)], wire: "HTTP/1.1 103 Early Hints\r\n\r\n"),
        .init(name: "trailers, chunked 1.1", trailers: [("x-sum", "1")], bodies: [("abc", false)],
              wire: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 1\r\n\r\n"),
        .init(name: "trailers dropped on 1.0", request: get(version: "1.0"), trailers: [("x-sum", "1")], bodies: [("abc", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc"),
        .init(name: "trailers dropped on HEAD", request: get(method: "HEAD"), trailers: [("x-sum", "1")], bodies: [("abc", false)],
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n"),
    ]

    @Test("framing is chosen once, from the start and the first body", arguments: framingCases)
    func framing(_ test: FramingCase) {
        var driver = ExchangeDriver()
        driver.begin(test.request)
        driver.start(test.status, test.headers, trailers: test.trailers != nil)
        for (text, more) in test.bodies { driver.body(text, more: more) }
        if let trailers = test.trailers {
            #expect(driver.machine.response == .awaitingTrailers)
            driver.trailers(trailers)
        }
        #expect(driver.text == test.wire)
        #expect(driver.machine.responseComplete)
        #expect(driver.closed == nil)
    }

    @Test("file regions are framed like bodies")
    func files() {
        var chunked = ExchangeDriver()
        chunked.begin(get())
        chunked.start(200)
        chunked.file(4, more: true)
        chunked.file(3)
        #expect(chunked.text == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n<file>\r\n3\r\n<file>\r\n0\r\n\r\n")
        var whole = ExchangeDriver()
        whole.begin(get())
        whole.start(200)
        whole.file(3)
        #expect(whole.text == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n<file>")
        var head = ExchangeDriver()
        head.begin(get(method: "HEAD"))
        head.start(200)
        #expect(head.file(3) == .write)  // the head only: the region is discarded
        #expect(head.text == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n")
    }

    @Test("a body longer or shorter than the app's content-length fails the response")
    func contentLengthMismatch() {
        var longer = ExchangeDriver()
        longer.begin(get())
        longer.start(200, [("content-length", "2")])
        #expect(longer.body("abc") == .fail(.bodyExceedsContentLength(2), close: .graceful))
        #expect(longer.machine.abandoned && !longer.machine.keepAlive)

        var shorter = ExchangeDriver()
        shorter.begin(get())
        shorter.start(200, [("content-length", "5")])
        #expect(shorter.body("abc") == .fail(.bodyLengthMismatch(sent: 3, declared: 5), close: .abortive))

        var notANumber = ExchangeDriver()
        notANumber.begin(get())
        notANumber.start(200, [("content-length", "five")])
        #expect(notANumber.body("abc") == .fail(.contentLengthNotANumber("five"), close: nil))
        #expect(notANumber.appFailed() == .write)  // nothing reached the wire: a clean 500
        #expect(notANumber.text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
    }

    @Test("an invalid response head is answered 500 in its place")
    func invalidHead() {
        var driver = ExchangeDriver()
        driver.begin(get())
        driver.start(200, [("x-bad", "a\r\nb")])
        guard case .fail(.invalidHead, close: .graceful) = driver.body("x") else {
            Issue.record("expected an invalid-head failure, got \(driver.actions)")
            return
        }
        #expect(driver.text == "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
    }

    struct ContinueCase: Sendable, CustomTestStringConvertible {
        var name: String
        var expect: String
        var asksForBody: Bool
        var startsFirst = false
        var wire: String
        var testDescription: String { name }
    }

    static let continueCases: [ContinueCase] = [
        .init(name: "100 when the body is asked for", expect: "100-continue", asksForBody: true,
              wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        .init(name: "no 100 when the body is not asked for", expect: "100-continue", asksForBody: false,
              wire: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        .init(name: "100 while the start is sent but not on the wire yet", expect: "100-Continue", asksForBody: true, startsFirst: true,
              wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
    ]

    @Test("100 Continue only when the body is asked for", arguments: continueCases)
    func expectContinue(_ test: ContinueCase) {
        var driver = ExchangeDriver()
        #expect(driver.begin(head("POST / HTTP/1.1\r\nhost: x\r\nexpect: \(test.expect)\r\ncontent-length: 2\r\n\r\n")) == .runApplication)
        if test.startsFirst { driver.start(200) }
        if test.asksForBody {
            driver.bodyRequested()
            #expect(driver.bodyRequested() == .none)  // once
        }
        if !test.startsFirst { driver.start(200) }
        driver.body("ok")
        #expect(driver.text == test.wire)
    }

    @Test("after the server's 500 a later timeout closes without a second response")
    func oneAnswerPerRequest() {
        var driver = ExchangeDriver()
        #expect(driver.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n")) == .runApplication)
        #expect(driver.appReturned() == .write)  // a 500; the connection may stay
        let answered = driver.text
        #expect(answered.hasPrefix("HTTP/1.1 500 "))
        // The unread body stalls while it is discarded: the body timeout closes, quietly.
        #expect(driver.timedOut(.body(.seconds(30))) == .close(.graceful))
        #expect(driver.text == answered)
    }

    @Test("no 100 Continue once the response head is on the wire")
    func noContinueAfterHead() {
        var driver = ExchangeDriver()
        #expect(driver.begin(head("POST / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n")) == .runApplication)
        driver.start(200)
        driver.body("o", more: true)
        #expect(driver.bodyRequested() == .none)
        #expect(!driver.text.contains("100 Continue"))
    }

    @Test("an expectation other than 100-continue is answered 417 and closes")
    func expectationFailed() {
        var driver = ExchangeDriver()
        #expect(driver.begin(get("expect: teapot\r\n")) == .writeAndClose(.graceful))
        #expect(driver.text.hasPrefix("HTTP/1.1 417 Expectation Failed\r\ncontent-type: text/plain; charset=utf-8\r\n"))
        #expect(driver.text.contains("connection: close\r\n"))
        #expect(driver.machine.abandoned)
    }

    @Test("a body over the limit is answered 413, or closes abortively once the response started")
    func bodyLimit() {
        var declared = ExchangeDriver()
        #expect(declared.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 11\r\n\r\n"), bodyLimit: 10) == .writeAndClose(.graceful))
        #expect(declared.text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))

        let chunked = head("POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
        var growing = ExchangeDriver()
        #expect(growing.begin(chunked, bodyLimit: 10) == .runApplication)
        #expect(growing.requestBody(6) == .none)
        #expect(growing.requestBody(5) == .writeAndClose(.graceful))
        #expect(growing.text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(growing.machine.abandoned)

        var started = ExchangeDriver()
        started.begin(chunked, bodyLimit: 10)
        started.start(200)
        started.body("a", more: true)
        #expect(started.requestBody(11) == .close(.abortive))
    }

    @Test("a parse error is answered with its status before the response starts, else closes abortively")
    func parseErrors() {
        let error = HTTPParserError(.invalidChunkSize)
        var idle = ExchangeDriver()
        #expect(idle.parseError(error) == .writeAndClose(.graceful))
        #expect(idle.text.hasPrefix("HTTP/1.1 \(error.status) "))

        var pending = ExchangeDriver()
        pending.begin(head("POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"))
        pending.start(200)  // not on the wire yet
        #expect(pending.parseError(error) == .close(.abortive))
        // The start had not gone out, but the app's message order is past it: as today, close.

        var inBody = ExchangeDriver()
        inBody.begin(head("POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"))
        #expect(inBody.parseError(error) == .writeAndClose(.graceful))
        #expect(inBody.machine.abandoned)
    }

    @Test("the app's return or failure: 500 when nothing was sent, abortive close when unfinished")
    func applicationEnds() {
        var silent = ExchangeDriver()
        silent.begin(get())
        #expect(silent.appReturned() == .write)  // keep-alive: the connection stays
        #expect(silent.text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        #expect(silent.end() == .none)

        var unfinished = ExchangeDriver()
        unfinished.begin(get())
        unfinished.start(200)
        #expect(unfinished.appReturned() == .close(.abortive))

        var failedPending = ExchangeDriver()
        failedPending.begin(get())
        failedPending.start(200)
        #expect(failedPending.appFailed() == .write)  // the pending start is dropped
        #expect(failedPending.text.hasPrefix("HTTP/1.1 500 "))

        var failedStreaming = ExchangeDriver()
        failedStreaming.begin(get())
        failedStreaming.start(200)
        failedStreaming.body("a", more: true)
        #expect(failedStreaming.appFailed() == .close(.abortive))
    }

    @Test("timeouts: quiet between requests, 408 before a response, abortive after")
    func timeouts() {
        var fresh = ExchangeDriver()
        #expect(fresh.timedOut(.head(.seconds(10)), betweenRequests: true) == .writeAndClose(.graceful))  // never served: 408
        #expect(fresh.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))

        var served = ExchangeDriver()
        served.begin(get())
        served.start(200)
        served.body("")
        served.end()
        #expect(served.timedOut(.head(.seconds(10)), betweenRequests: true) == .close(.quiet))
        var servedPartial = ExchangeDriver()
        servedPartial.begin(get())
        servedPartial.start(200)
        servedPartial.body("")
        servedPartial.end()
        #expect(servedPartial.timedOut(.head(.seconds(10)), betweenRequests: false) == .writeAndClose(.graceful))

        var body = ExchangeDriver()
        body.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n"))
        #expect(body.timedOut(.body(.seconds(30))) == .writeAndClose(.graceful))
        var bodyStarted = ExchangeDriver()
        bodyStarted.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n"))
        bodyStarted.start(200)
        bodyStarted.body("a", more: true)
        #expect(bodyStarted.timedOut(.body(.seconds(30))) == .close(.abortive))
        var idle = ExchangeDriver()
        #expect(idle.timedOut(.idle) == .close(.quiet))
        #expect(idle.machine.abandoned)
    }

    @Test("discarding too much unread body ends the connection after the exchange")
    func discardLimit() {
        var driver = ExchangeDriver()
        driver.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n"))
        driver.start(200)
        driver.body("")
        #expect(driver.machine.discardedBody(count: 1000) == .none)
        #expect(driver.machine.discardedBody(count: 1000) == .close(.graceful))
        #expect(driver.end() == .close(.graceful))
    }

    // MARK: Every split of a pipelined stream

    static let pipelined: [UInt8] = Array([
        "GET /a HTTP/1.1\r\nhost: x\r\n\r\n",
        "POST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello",
        "POST /c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nx-t: 1\r\n\r\n",
        "HEAD /d HTTP/1.1\r\nhost: x\r\n\r\n",
        "POST /e HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nwxyz",  // the app does not read this body
        "GET /f HTTP/1.0\r\n\r\n",
        "GET /g HTTP/1.1\r\nhost: x\r\n\r\n",  // after the 1.0 request closed the connection: never served
    ].joined().utf8)

    /// Feeds `pieces` one by one; after each, the "app" consumes what is there, as the handler's
    /// task does: it echoes each body back (with its path) and skips the body of `/e`.
    private static func serve(_ pieces: [ArraySlice<UInt8>]) -> ExchangeDriver {
        var driver = ExchangeDriver()
        var parser = HTTPRequestParser()
        var queue: [HTTPRequestEvent] = []
        var current: HTTPRequestHead?
        var body: [UInt8] = []
        for piece in pieces {
            piece.withUnsafeBytes { bytes in
                do { try parser.parse(bytes) { queue.append($0) } } catch { Issue.record("parse error \(error)") }
            }
            while !queue.isEmpty, driver.closed == nil {
                let event = queue.removeFirst()
                switch event {
                case .head(let head):
                    #expect(current == nil, "a head before the previous request's end")
                    #expect(driver.begin(head) == .runApplication)
                    current = head
                    body = []
                case .body(let chunk):
                    if current?.target == Array("/e".utf8) {
                        _ = driver.machine.discardedBody(count: chunk.count)
                        continue
                    }
                    driver.bodyRequested()
                    #expect(driver.requestBody(chunk.count) == .none)
                    body += chunk
                case .end(let trailers):
                    guard let head = current else { continue }
                    driver.bodyRequested()
                    driver.machine.requestEnded()
                    let path = String(decoding: head.target, as: UTF8.self)
                    driver.start(200, [("x-path", path)], trailers: trailers != nil)
                    driver.body(String(decoding: body, as: UTF8.self))
                    if let trailers { driver.trailers(trailers) }
                    driver.appReturned()
                    driver.end()
                    current = nil
                }
            }
        }
        return driver
    }

    @Test("a pipelined stream split at every index gives the same actions and bytes, in request order")
    func everySplit() {
        let whole = Self.serve([Self.pipelined[...]])
        let expected: [String] = [
            "HTTP/1.1 200 OK\r\nx-path: /a\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-path: /b\r\ncontent-length: 5\r\n\r\nhello",
            "HTTP/1.1 100 Continue\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-path: /c\r\ntransfer-encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\nx-t: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-path: /d\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-path: /e\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-path: /f\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ]
        #expect(whole.text == expected.joined())
        #expect(whole.closed == HTTPServerExchange.Close.graceful)
        #expect(whole.machine.requestsServed == 6)
        for index in 0...Self.pipelined.count {
            let split = Self.serve([Self.pipelined[..<index], Self.pipelined[index...]])
            #expect(split.text == whole.text, "split at \(index)")
            #expect(split.actions == whole.actions, "split at \(index)")
            #expect(split.closed == whole.closed, "split at \(index)")
        }
    }
}

extension ServerExchangeTests {
    @Test("an error response the app threw is answered in its place: its fields and body, framing the machine's")
    func errorResponse() {
        var driver = ExchangeDriver()
        driver.begin(get())
        driver.start(200, [("x-start", "dropped")])
        let response = HTTPServerExchange.ErrorResponse(
            status: 400, headers: [("content-type", "text/plain"), ("content-length", "99"), ("transfer-encoding", "chunked"), ("connection", "x")],
            body: Array("Invalid JSON".utf8))
        #expect(driver.appFailed(answering: response) == .write)  // the connection stays
        #expect(driver.text == "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nInvalid JSON")
        #expect(driver.machine.keepAlive)
        #expect(driver.end() == .none)

        var head = ExchangeDriver()
        head.begin(get(method: "HEAD"))
        #expect(head.appFailed(answering: response) == .write)
        #expect(head.text.hasSuffix("content-length: 12\r\n\r\n"))  // HEAD: no body, the length stays

        var closing = ExchangeDriver()
        closing.begin(get())
        let close = HTTPServerExchange.ErrorResponse(status: 401, headers: [("Connection", "close")], body: [])
        #expect(closing.appFailed(answering: close) == .writeAndClose(.graceful))
        #expect(closing.text == "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
    }

    @Test("a thrown 413, an unmet 100-continue or draining close; a bad status or field is a 500; after the head, a reset")
    func errorResponseClosing() {
        var tooLarge = ExchangeDriver()
        tooLarge.begin(head("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n"))
        #expect(tooLarge.appFailed(answering: .init(status: 413, body: Array("big".utf8))) == .writeAndClose(.graceful))
        #expect(tooLarge.text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))

        var continuing = ExchangeDriver()
        continuing.begin(head("POST / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n"))
        #expect(continuing.appFailed(answering: .init(status: 400)) == .writeAndClose(.graceful))

        var draining = ExchangeDriver()
        draining.begin(get())
        draining.machine.shutdownRequested()
        #expect(draining.appFailed(answering: .init(status: 404)) == .writeAndClose(.graceful))
        #expect(draining.text.contains("connection: close\r\n"))

        for status in [200, 302, 399, 600, 99] {
            var odd = ExchangeDriver()
            odd.begin(get())
            #expect(odd.appFailed(answering: .init(status: status)) == .write)
            #expect(odd.text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"), "status \(status)")
        }

        var badField = ExchangeDriver()
        badField.begin(get())
        #expect(badField.appFailed(answering: .init(status: 400, headers: [("x-bad", "a\nb")])) == .write)
        #expect(badField.text.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))

        var started = ExchangeDriver()
        started.begin(get())
        started.start(200)
        started.body("a", more: true)
        #expect(started.appFailed(answering: .init(status: 400)) == .close(.abortive))
    }
}
