import RingwayToolkit
import Synchronization
import Testing

/// A `receive` that hands out `messages` in order, counting the calls.
final class ScriptedReceive: Sendable {
    private let state: Mutex<(messages: [ReceiveMessage], calls: Int)>

    init(_ messages: [ReceiveMessage]) { state = Mutex((messages, 0)) }

    /// Body pieces, the last with `moreBody: false`.
    convenience init(pieces: [[UInt8]]) {
        let messages = pieces.isEmpty
            ? [ReceiveMessage.httpRequest(body: [], moreBody: false)]
            : pieces.enumerated().map { .httpRequest(body: $1, moreBody: $0 < pieces.count - 1) }
        self.init(messages)
    }

    var calls: Int { state.withLock { $0.calls } }

    var receive: Receive {
        Receive { [self] in
            state.withLock { state in
                state.calls += 1
                return state.messages.isEmpty ? .httpDisconnect : state.messages.removeFirst()
            }
        }
    }
}

func httpScope(_ method: String = "POST", path: String = "/", headers: Headers = Headers(), query: String = "") -> Scope {
    .http(HTTPScope(method: method, path: path, queryString: Array(query.utf8), headers: headers))
}

@Suite("Request body collection with a limit")
struct BodyCollectionTests {
    static let body = Array("0123456789abcdefghij".utf8)

    @Test("every split of the body collects it whole; at and under the limit it passes, over it 413")
    func everySplit() async throws {
        let body = Self.body
        for first in 0...body.count {
            for second in first...body.count {
                let pieces = [Array(body[0..<first]), Array(body[first..<second]), Array(body[second...])]
                let whole = try await Request(httpScope(), ScriptedReceive(pieces: pieces).receive).body(limit: body.count)
                #expect(whole == body)
                let scripted = ScriptedReceive(pieces: pieces)
                do {
                    _ = try await Request(httpScope(), scripted.receive).body(limit: body.count - 1)
                    Issue.record("a body over the limit was accepted (split \(first), \(second))")
                } catch let error as HTTPError {
                    #expect(error.status == 413)
                    // Stopped at the piece that passed the limit, not after reading everything.
                    // The piece holding the last byte passes the limit: nothing is read after it.
                    let passing = second < body.count ? 3 : (first < body.count ? 2 : 1)
                    #expect(scripted.calls == passing)
                }
            }
        }
    }

    @Test("a declared content-length over the limit is refused before reading anything")
    func declaredLength() async throws {
        let scripted = ScriptedReceive(pieces: [Self.body])
        let request = Request(httpScope(headers: [("content-length", "20")]), scripted.receive)
        await #expect(throws: HTTPError.contentTooLarge(limit: 19)) { try await request.body(limit: 19) }
        #expect(scripted.calls == 0)
        #expect(HTTPError.contentTooLarge(limit: 19).message == "Content Too Large: the body exceeds 19 bytes")
    }

    @Test("a chunked body stops at the piece that passes the limit")
    func chunkedStops() async throws {
        let pieces = (0..<100).map { _ in [UInt8](repeating: 0x61, count: 10) }
        let scripted = ScriptedReceive(pieces: pieces)
        await #expect(throws: HTTPError.self) { try await Request(httpScope(), scripted.receive).body(limit: 55) }
        #expect(scripted.calls == 6)
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() async throws {
        let megabyte = [UInt8](repeating: 1, count: 1 << 20)
        #expect(try await Request(httpScope(), ScriptedReceive(pieces: [megabyte]).receive).body().count == 1 << 20)
        await #expect(throws: HTTPError.contentTooLarge(limit: 1 << 20)) {
            try await Request(httpScope(), ScriptedReceive(pieces: [megabyte, [1]]).receive).body()
        }
    }

    @Test("a client that leaves mid-body throws ClientDisconnected")
    func disconnect() async throws {
        let scripted = ScriptedReceive([.httpRequest(body: [1, 2], moreBody: true), .httpDisconnect])
        await #expect(throws: ClientDisconnected.self) { try await Request(httpScope(), scripted.receive).body() }
    }

    @Test("a WebSocket scope has no body to read")
    func websocketScope() async throws {
        let request = Request(.websocket(WebSocketScope(path: "/ws", queryString: Array("a=1".utf8))), ScriptedReceive([]).receive)
        await #expect(throws: MessageOrderError.self) { try await request.body() }
        #expect(request.query["a"] == "1")
        #expect(request.method == "GET")
    }

    @Test("fields: media type, content length, query and cookies")
    func fields() {
        let request = Request(httpScope(headers: [("content-type", " Application/X-WWW-Form-URLencoded ; charset=utf-8"),
                                                  ("content-length", "12"), ("cookie", "a=1; b=2")], query: "page=2&tag=x&tag=y"),
                              ScriptedReceive([]).receive)
        #expect(request.mediaType == "application/x-www-form-urlencoded")
        #expect(request.contentLength == 12)
        #expect(request.query["page"] == "2")
        #expect(request.query.all("tag") == ["x", "y"])
        #expect(request.cookies["b"] == "2")
        #expect(Request(httpScope(), ScriptedReceive([]).receive).mediaType == nil)
    }
}
