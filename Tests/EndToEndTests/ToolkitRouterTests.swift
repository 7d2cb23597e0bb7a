import Foundation
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Testing

/// Answers `body` as `text/plain`.
private func text(_ body: String, _ send: Send) async throws {
    let bytes = Array(body.utf8)
    try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain"), ("content-length", String(bytes.count))]))
    try await send(.httpResponseBody(body: bytes))
}

@Suite("Router on a live server")
struct ToolkitRouterTests {
    /// `/api` (GET), `/users/{id:int}`, WebSocket `/ws`, and a mounted child router at `/legacy`.
    static func app() throws -> RouterApplication {
        let child = Router()
        child.get("/info") { scope, _, send in
            guard case .http(let http) = scope else { return }
            try await text("root=\(http.rootPath) path=\(http.path)", send)
        }
        let router = Router()
        router.get("/api") { _, _, send in try await text(#"{"message": "API Response"}"#, send) }
        router.get("/users/{id:int}") { scope, _, send in try await text(#"{"id": \#(scope.pathParameters.int("id")!)}"#, send) }
        router.websocket("/ws") { _, receive, send in
            guard case .websocketConnect = try await receive() else { return }
            try await send(.websocketAccept())
            while case .websocketReceive(.text(let message)) = try await receive() {
                try await send(.websocketSend(.text("Echo: \(message)")))
            }
        }
        router.mount("/legacy", try child.build())
        return try router.build()
    }

    @Test("405 with allow, 404 text, HEAD from GET and parameters on the wire", arguments: Backends.all)
    func httpAnswers(backend: BackendKind) async throws {
        try await withServer(try Self.app(), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let api = try await client.get("/api")
            #expect(api.text == #"{"message": "API Response"}"#)
            let delete = try await client.request("DELETE", "/api")
            #expect(delete.status == 405)
            #expect(delete.header("allow") == "GET, HEAD")
            #expect(delete.text == "Method Not Allowed")
            let missing = try await client.get("/nowhere")
            #expect(missing.status == 404)
            #expect(missing.text == "Not Found")
            #expect(missing.header("content-type") == "text/plain; charset=utf-8")
            let head = try await client.request("HEAD", "/api")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == String(api.body.count))
            #expect(try await client.get("/users/42").text == #"{"id": 42}"#)
            #expect(try await client.get("/users/x").status == 404)
            #expect(try await client.get("/legacy/info").text == "root=/legacy path=/legacy/info")
            // Still one connection after all of that.
            #expect(try await client.get("/api").status == 200)
        }
    }

    @Test("an unknown WebSocket path is refused with 403; a known one is accepted", arguments: Backends.all)
    func websocketRefusal(backend: BackendKind) async throws {
        try await withServer(try Self.app(), backend: backend) { (_: Server, port: Int) async throws in
            let handshake = "host: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n"
            let refused = try LiveClient(port: port)
            try await refused.send(raw: Array("GET /elsewhere HTTP/1.1\r\n\(handshake)".utf8))
            #expect(try await refused.readResponse().status == 403)
            let httpOnly = try LiveClient(port: port)
            try await httpOnly.send(raw: Array("GET /api HTTP/1.1\r\n\(handshake)".utf8))
            #expect(try await httpOnly.readResponse().status == 403)
            let accepted = try LiveClient(port: port)
            try await accepted.send(raw: Array("GET /ws HTTP/1.1\r\n\(handshake)".utf8))
            #expect(try await accepted.readResponse().status == 101)
        }
    }

    @Test("curl sees the 405, the 404 and HEAD's headers", arguments: Backends.all)
    func curl(backend: BackendKind) async throws {
        guard let curl = Curl.path else {
            try Test.cancel("curl is not installed (scripts/bootstrap installs it)")
        }
        try await withServer(try Self.app(), backend: backend) { (_: Server, port: Int) async throws in
            let base = "http://127.0.0.1:\(port)"
            let delete = try await Curl.run(curl, ["-sS", "-i", "-X", "DELETE", "\(base)/api"])
            #expect(delete.output.hasPrefix("HTTP/1.1 405"))
            #expect(delete.output.lowercased().contains("allow: get, head\r\n"))
            let missing = try await Curl.run(curl, ["-sS", "-w", "%{http_code}", "\(base)/nowhere"])
            #expect(missing.output == "Not Found404")
            let head = try await Curl.run(curl, ["-sS", "-I", "\(base)/api"])
            #expect(head.output.hasPrefix("HTTP/1.1 200"))
            #expect(head.output.lowercased().contains("content-length: 27\r\n"))
        }
    }
}
