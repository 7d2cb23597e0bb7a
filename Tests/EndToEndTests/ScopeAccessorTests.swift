import Ringway
import Testing

/// The accessors every `Scope` has, and `ScopeValues` on each kind of scope.
@Suite("Scope accessors and values")
struct ScopeAccessorTests {
    enum RequestID: ScopeValueKey { typealias Value = Int }
    enum Tags: ScopeValueKey { typealias Value = [String] }

    static let httpScope = Scope.http(HTTPScope(method: "GET", path: "/a b", rawPath: Array("/a%20b".utf8),
                                           queryString: Array("x=1&y=2".utf8), headers: [("accept", "text/plain")]))
    static let websocketScope = Scope.websocket(WebSocketScope(path: "/chat/lobby", queryString: Array("user=ada".utf8),
                                                          headers: [("origin", "http://example.com")]))
    static let lifespanScope = Scope.lifespan(LifespanScope())

    @Test("path, headers and query read the same on HTTP and WebSocket scopes")
    func common() {
        #expect(Self.httpScope.path == "/a b")
        #expect(Self.httpScope.headers["accept"] == "text/plain")
        #expect(Self.httpScope.query == "x=1&y=2")
        #expect(Self.httpScope.queryString == Array("x=1&y=2".utf8))
        #expect(Self.websocketScope.path == "/chat/lobby")
        #expect(Self.websocketScope.headers["origin"] == "http://example.com")
        #expect(Self.websocketScope.query == "user=ada")
    }

    @Test("the lifespan scope answers empty values")
    func lifespan() {
        #expect(Self.lifespanScope.path == "")
        #expect(Self.lifespanScope.headers.isEmpty)
        #expect(Self.lifespanScope.query == "")
        #expect(Self.lifespanScope.queryString.isEmpty)
    }

    @Test("values are typed, per key, removable, and set on every kind of scope", arguments: [httpScope, websocketScope, lifespanScope])
    func values(scope: Scope) {
        var scope = scope
        #expect(scope.values.isEmpty)
        #expect(scope.values[RequestID.self] == nil)
        scope.values[RequestID.self] = 42
        scope.values[Tags.self] = ["a", "b"]
        let id: Int? = scope.values[RequestID.self]
        #expect(id == 42)
        #expect(scope.values[Tags.self] == ["a", "b"])
        #expect(scope.values.count == 2)
        scope.values[RequestID.self] = nil
        #expect(scope.values[RequestID.self] == nil)
        #expect(scope.values.count == 1)
    }

    @Test("a copy of a scope keeps its own values")
    func valueSemantics() {
        var original = Self.httpScope
        original.values[RequestID.self] = 1
        var copy = original
        copy.values[RequestID.self] = 2
        #expect(original.values[RequestID.self] == 1)
        #expect(copy.values[RequestID.self] == 2)
        guard case .http(let scope) = copy else { Issue.record("not http"); return }
        #expect(scope.values[RequestID.self] == 2)
    }
}
