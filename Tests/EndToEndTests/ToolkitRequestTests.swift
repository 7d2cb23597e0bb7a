import Foundation
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Testing

/// The request and response helpers on a live server, driven by curl, on every backend.
@Suite("Toolkit request helpers on a live server")
struct ToolkitRequestTests {
    struct Item: Codable, Equatable {
        var name: String
        var count: Int
    }

    /// The seed's body, JSON and form snippets on the toolkit, plus a route with a small body limit.
    static let app = App { scope, receive, send in
        let request = Request(scope, receive)
        switch scope.path {
        case "/api/echo":
            let data = try await request.json(ifEmpty: [:])
            try await send.json(["received": data, "method": .string(request.method), "path": .string(request.path)], style: .python)
        case "/form":
            let form = request.mediaType == "application/x-www-form-urlencoded" ? try await request.form() : FormData()
            try await send.json(["form_data": form.jsonValue, "method": .string(request.method), "path": .string(request.path)], style: .python)
        case "/items":
            let item = try await request.json(Item.self)
            try await send.json(item, status: 201)
        case "/ws":
            throw HTTPError(401, "Unauthorized: no token")
        case "/gone":
            throw HTTPError(410, "Gone for good", headers: [("x-why", "moved")])
        case "/limited":
            let body = try await request.body(limit: 64 * 1024)
            try await send.text("\(body.count) bytes")
        default:
            throw HTTPError.notFound
        }
    }

    /// Runs curl and splits its output into the body and the status (`-w` writes it last).
    static func curl(_ curl: String, _ arguments: [String]) async throws -> (body: String, status: Int) {
        let result = try await Curl.run(curl, ["-sS", "-w", "\n%{http_code}"] + arguments)
        guard let split = result.output.lastIndex(of: "\n") else { return (result.output, 0) }
        return (String(result.output[..<split]), Int(result.output[result.output.index(after: split)...]) ?? 0)
    }

    @Test("curl: JSON echo in order, {} when empty, 400 Invalid JSON; forms as parse_qs; Decodable", arguments: Backends.all)
    func bodies(backend: BackendKind) async throws {
        guard let curl = Curl.path else { try Test.cancel("curl is not installed (scripts/bootstrap installs it)") }
        try await withServer(Self.app, backend: backend) { (_: Server, port: Int) async throws in
            let base = "http://127.0.0.1:\(port)"
            let json = ["-H", "content-type: application/json"]
            let echo = try await Self.curl(curl, json + ["--data-binary", #"{"z":1,"a":{"é":[2.50,null]}}"#, "\(base)/api/echo"])
            #expect(echo.status == 200)
            #expect(echo.body == #"{"received": {"z": 1, "a": {"\u00e9": [2.50, null]}}, "method": "POST", "path": "/api/echo"}"#)
            let empty = try await Self.curl(curl, ["-X", "POST", "\(base)/api/echo"])
            #expect(empty.body == #"{"received": {}, "method": "POST", "path": "/api/echo"}"#)
            let invalid = try await Self.curl(curl, json + ["--data-binary", "{\"a\":", "\(base)/api/echo"])
            #expect(invalid.status == 400 && invalid.body == "Invalid JSON")

            let form = try await Self.curl(curl, ["--data", "key=v1&key=v2&name=a+b%21", "\(base)/form"])
            #expect(form.body == #"{"form_data": {"key": ["v1", "v2"], "name": ["a b!"]}, "method": "POST", "path": "/form"}"#)
            let badForm = try await Self.curl(curl, ["--data", "key=%zz", "\(base)/form"])
            #expect(badForm.status == 400)

            let item = try await Self.curl(curl, json + ["--data-binary", #"{"name":"pen","count":3}"#, "\(base)/items"])
            // send.json writes the members in declaration order on every platform.
            #expect(item.status == 201 && item.body == #"{"name":"pen","count":3}"#)
            let wrong = try await Self.curl(curl, json + ["--data-binary", #"{"name":"pen","count":"three"}"#, "\(base)/items"])
            #expect(wrong.status == 400 && wrong.body == "Invalid JSON")
        }
    }

    @Test("curl: 413 for a declared length over the limit and for a chunked body passing it", arguments: Backends.all)
    func limits(backend: BackendKind) async throws {
        guard let curl = Curl.path else { try Test.cancel("curl is not installed (scripts/bootstrap installs it)") }
        let directory = FileManager.default.temporaryDirectory
        let small = directory.appendingPathComponent("ringway-limit-small-\(UUID().uuidString)").path
        let large = directory.appendingPathComponent("ringway-limit-large-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: small, contents: Data(repeating: 0x61, count: 64 * 1024)))
        #expect(FileManager.default.createFile(atPath: large, contents: Data(repeating: 0x61, count: 64 * 1024 + 1)))
        defer {
            try? FileManager.default.removeItem(atPath: small)
            try? FileManager.default.removeItem(atPath: large)
        }
        try await withServer(Self.app, backend: backend) { (_: Server, port: Int) async throws in
            let url = "http://127.0.0.1:\(port)/limited"
            let binary = ["-H", "content-type: application/octet-stream"]
            let atLimit = try await Self.curl(curl, binary + ["--data-binary", "@\(small)", url])
            #expect(atLimit.status == 200 && atLimit.body == "65536 bytes")
            let declared = try await Self.curl(curl, binary + ["--data-binary", "@\(large)", url])
            #expect(declared.status == 413)
            #expect(declared.body == "Content Too Large: the body exceeds 65536 bytes")
            let chunkedAtLimit = try await Self.curl(curl, binary + ["-H", "transfer-encoding: chunked", "--data-binary", "@\(small)", url])
            #expect(chunkedAtLimit.status == 200 && chunkedAtLimit.body == "65536 bytes")
            let chunked = try await Self.curl(curl, binary + ["-H", "transfer-encoding: chunked", "--data-binary", "@\(large)", url])
            #expect(chunked.status == 413)
            #expect(chunked.body == "Content Too Large: the body exceeds 65536 bytes")
        }
    }

    @Test("a thrown HTTPError is the answer: status, fields, body, the connection kept; a WebSocket handshake refused with it",
          arguments: Backends.all)
    func thrownErrors(backend: BackendKind) async throws {
        try await withServer(Self.app, backend: backend) { (_: Server, port: Int) async throws in
            let session = TestSession.live(port: port)
            let connection = try await session.connect()
            let gone = try await connection.request(.get("/gone"))
            #expect(gone.status == 410 && gone.text == "Gone for good" && gone.header("x-why") == "moved")
            let head = try await connection.request(TestRequest("HEAD", "/gone"))
            #expect(head.status == 410 && head.body.isEmpty && head.header("content-length") == "13")
            let missing = try await connection.request(.get("/missing"))  // the same connection
            #expect(missing.status == 404 && missing.text == "Not Found")
            await connection.close()
            do {
                _ = try await session.websocket("/ws")
                Issue.record("the handshake was accepted")
            } catch let refused as WebSocketRefused {
                #expect(refused.response.status == 401 && refused.response.text == "Unauthorized: no token")
            }
        }
    }
}
