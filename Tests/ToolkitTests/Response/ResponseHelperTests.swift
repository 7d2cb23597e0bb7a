import Foundation
import RingwaySSE
import RingwaySSECodec
import RingwayTestSupport
@testable import RingwayToolkit
import Testing

@Suite("Response helpers through the in-memory server")
struct ResponseHelperTests {
    @Test("text, html and JSON with their default content types, status and headers")
    func bodies() async throws {
        let app = App { scope, receive, send in
            switch scope.path {
            case "/text": try await send.text("Hello World")
            case "/html": try await send.html("<h1>Home Page</h1>", headers: [("x-page", "home")])
            case "/json": try await send.json(["message": "API Response"] as JSONValue, style: .python)
            case "/encodable": try await send.json(["b": 2], status: 201)
            case "/typed": try await send.text("{}", contentType: "application/problem+json")
            case "/own-type": try await send.text("x", headers: [("content-type", "text/csv")])
            default: throw HTTPError.notFound
            }
        }
        let client = TestClient(app: app)
        let text = try await client.get("/text")
        #expect(text.text == "Hello World" && text.header("content-type") == "text/plain; charset=utf-8")
        #expect(text.header("content-length") == "11")
        let html = try await client.get("/html")
        #expect(html.text == "<h1>Home Page</h1>" && html.header("content-type") == "text/html; charset=utf-8")
        #expect(html.header("x-page") == "home")
        let json = try await client.get("/json")
        #expect(json.text == #"{"message": "API Response"}"# && json.header("content-type") == "application/json")
        let encodable = try await client.get("/encodable")
        #expect(encodable.status == 201 && encodable.text == #"{"b":2}"#)
        #expect(try await client.get("/typed").header("content-type") == "application/problem+json")
        let own = try await client.get("/own-type")
        #expect(own.headers.values("content-type").count == 1 && own.header("content-type") == "text/csv")
        let missing = try await client.get("/nowhere")
        #expect(missing.status == 404 && missing.text == "Not Found")
        let head = try await client.request(TestRequest("HEAD", "/text"))
        #expect(head.status == 200 && head.body.isEmpty && head.header("content-length") == "11")
    }

    @Test("redirect, status-only; bad locations, statuses and values that do not encode are typed errors")
    func redirectsAndStatus() async throws {
        let app = App { scope, receive, send in
            switch scope.path {
            case "/login": try await send.redirect(to: "/login page?next=é")
            case "/moved": try await send.redirect(to: "https://example.com/", status: 308)
            case "/empty": try await send.status(204, headers: [("x-done", "1")])
            case "/bad": try await send.redirect(to: "/x\r\nset-cookie: evil=1")
            case "/bad-status": try await send.redirect(to: "/", status: 200)
            default: try await send.json(Double.nan)
            }
        }
        let client = TestClient(app: app, raiseServerErrors: false)
        let login = try await client.get("/login")
        #expect(login.status == 303 && login.header("location") == "/login%20page?next=%C3%A9" && login.body.isEmpty)
        #expect(try await client.get("/moved").status == 308)
        let empty = try await client.get("/empty")
        #expect(empty.status == 204 && empty.header("x-done") == "1")
        #expect(try await client.get("/bad").status == 500)
        #expect(try await client.get("/bad-status").status == 500)
        #expect(try await client.get("/nan").status == 500)

        await #expect(throws: ResponseError(.invalidRedirectLocation("/a\u{0}"))) {
            try await Send { _ in }.redirect(to: "/a\u{0}")
        }
        await #expect(throws: ResponseError.self) { try await Send { _ in }.json(Double.infinity) }
    }

    @Test("file through pathsend; a missing file is 404")
    func file() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-toolkit-\(UUID().uuidString).css").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("body { color: red }".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let app = App { scope, receive, send in
            try await send.file(scope.path == "/style.css" ? path : path + ".missing", contentType: "text/css")
        }
        let client = TestClient(app: app)
        let css = try await client.get("/style.css")
        #expect(css.status == 200 && css.text == "body { color: red }" && css.header("content-type") == "text/css")
        let missing = try await client.get("/other.css")
        #expect(missing.status == 404 && missing.text == "Not Found")
        let guessed = try await TestClient(app: App { _, _, send in try await send.file(path) }).get("/")
        #expect(guessed.header("content-type") == "text/css; charset=utf-8" && guessed.text == "body { color: red }")
        #expect(Send.mediaType(ofFile: "/a.d/README") == "application/octet-stream")
        #expect(Send.mediaType(ofFile: "x.PNG") == "image/png")
    }

    @Test("a streamed body arrives in its pieces, chunked")
    func stream() async throws {
        let app = App { scope, receive, send in
            try await send.stream(headers: [("x-stream", "1")]) { body in
                for piece in ["one ", "two ", "three"] { try await body.write(piece) }
            }
        }
        let response = try await TestClient(app: app).get("/")
        #expect(response.text == "one two three")
        #expect(response.header("transfer-encoding") == "chunked")
        #expect(response.header("content-type") == "text/plain; charset=utf-8" && response.header("x-stream") == "1")
        #expect(response.bodyChunks.count >= 3)
    }

    @Test("an event stream in one line")
    func eventStream() async throws {
        let sse = ServerSentEvents()
        let app = App { scope, receive, send in
            try await send.eventStream(sse, scope, receive) { stream in
                try await stream.send(ServerSentEvent(data: "hello"))
            }
        }
        let response = try await TestClient(app: app).get("/events")
        #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
        #expect(response.text.contains("data: hello\n\n"))
    }
}
