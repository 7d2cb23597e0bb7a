import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

@Suite("Demo routes on a live server")
struct DemoRouteTests {
    @Test("every demo route answers as documented", arguments: Backends.all)
    func demoRoutes(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)

            let plaintext = try await client.get("/plaintext")
            #expect(plaintext.status == 200)
            #expect(plaintext.text == "Hello, World!")
            #expect(plaintext.header("content-type") == "text/plain")
            #expect(plaintext.header("content-length") == "13")
            #expect(plaintext.header("server") == "Ringway")
            #expect(plaintext.header("date")?.hasSuffix(" GMT") == true)

            let json = try await client.get("/json")
            #expect(json.status == 200)
            #expect(json.text == Self.jsonBody)
            #expect(json.header("content-type") == "application/json")

            let payload = Array("ringway echo ✓".utf8)
            let echo = try await client.post("/echo", body: payload, headers: [("content-type", "text/x-custom")])
            #expect(echo.status == 200)
            #expect(echo.body.elementsEqual(payload))
            #expect(echo.header("content-type") == "text/x-custom")

            let index = try await client.get("/")
            #expect(index.status == 200)
            #expect(index.header("content-type") == "text/html; charset=utf-8")
            #expect(index.text.contains("<h1>Ringway</h1>"))

            let head = try await client.request("HEAD", "/plaintext")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == "13")

            // HEAD comes from every GET route (the router answers it), the body dropped.
            let headJSON = try await client.request("HEAD", "/json")
            #expect(headJSON.status == 200)
            #expect(headJSON.body.isEmpty)
            #expect(headJSON.header("content-length") == String(Self.jsonBody.utf8.count))

            let missing = try await client.get("/missing")
            #expect(missing.status == 404)
            #expect(missing.text == "Not Found")
            #expect(missing.header("content-type") == "text/plain; charset=utf-8")
            let wrongMethod = try await client.request("DELETE", "/json")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "GET, HEAD")
            #expect(wrongMethod.text == "Method Not Allowed")
            let echoGet = try await client.get("/echo")
            #expect(echoGet.status == 405)
            #expect(echoGet.header("allow") == "POST")
            // Every answer carries a request id, the router's own included.
            #expect(missing.header("x-request-id") != nil && wrongMethod.header("x-request-id") != nil)

            // Still the same connection after all of that.
            let again = try await client.get("/plaintext")
            #expect(again.text == "Hello, World!")
        }
    }

    static let jsonBody = #"{"message":"Hello, World!"}"#

    @Test("a large echo body survives many receive buffers and partial sends", arguments: Backends.all)
    func largeEcho(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let payload = (0..<900_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
            let echo = try await client.post("/echo", body: payload)
            #expect(echo.status == 200)
            #expect(echo.body.count == payload.count)
            #expect(echo.body.elementsEqual(payload))
        }
    }

    @Test("/static/{name} serves a file of the static directory and nothing outside it", arguments: Backends.all)
    func staticFiles(backend: BackendKind) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-static-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 9) }
        #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("data.bin").path, contents: Data(content)))
        #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent(".hidden").path, contents: Data([1])))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try await withServer(DemoApp(staticDirectory: directory.path), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let file = try await client.get("/static/data.bin")
            #expect(file.status == 200)
            #expect(file.header("content-type") == "application/octet-stream")
            #expect(file.header("content-length") == String(content.count))
            #expect(file.body.elementsEqual(content))
            let head = try await client.request("HEAD", "/static/data.bin")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == String(content.count))
            for refused in ["/static/missing", "/static/.hidden", "/static/..%2Fetc", "/static/sub", "/static/", "/static/sub/x"] {
                let response = try await client.get(refused)
                #expect(response.status == 404, "\(refused)")
                #expect(response.text == "Not Found", "\(refused)")
            }
            // The route's own 404 (an HTTPError it throws) for HEAD: the status, no body.
            let headMissing = try await client.request("HEAD", "/static/missing")
            #expect(headMissing.status == 404)
            #expect(headMissing.body.isEmpty)
            #expect(headMissing.header("x-request-id") != nil)
            #expect(try await client.get("/static/data.bin").body.count == content.count)  // the connection survived it
        }
        // Without a directory there is no such route.
        #expect(try await TestClient(app: DemoApp()).get("/static/data.bin").status == 404)
    }

    @Test("curl, a real client, gets every demo route", arguments: Backends.all)
    func curlClient(backend: BackendKind) async throws {
        guard let curl = Curl.path else {
            try Test.cancel("curl is not installed (scripts/bootstrap installs it)")
        }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let base = "http://127.0.0.1:\(port)"
            let plaintext = try await Curl.run(curl, ["-sS", "\(base)/plaintext"])
            #expect(plaintext.output == "Hello, World!")
            let json = try await Curl.run(curl, ["-sS", "\(base)/json"])
            #expect(json.output == #"{"message":"Hello, World!"}"#)
            let echo = try await Curl.run(curl, ["-sS", "-H", "content-type: text/plain", "--data-binary", "from curl", "\(base)/echo"])
            #expect(echo.output == "from curl")
            // Two URLs in one invocation reuse the connection (curl says so on stderr).
            let reuse = try await Curl.run(curl, ["-sv", "\(base)/plaintext", "\(base)/json"])
            #expect(reuse.output == "Hello, World!" + #"{"message":"Hello, World!"}"#)
            #expect(reuse.errors.contains("Re-using existing connection") || reuse.errors.contains("Reusing existing connection"))
        }
    }
}
