import Foundation
import RingwayTestSupport
@testable import RingwayToolkit
import Testing

/// The seed's `parse_json_request`, on the toolkit.
let jsonEcho = App { scope, receive, send in
    let data = try await Request(scope, receive).json(ifEmpty: [:])
    try await send.json(["received": data, "method": .string(Request(scope, receive).method), "path": .string(scope.path)], style: .python)
}

/// The seed's `parse_form_request`, on the toolkit.
let formEcho = App { scope, receive, send in
    let request = Request(scope, receive)
    let form = request.mediaType == "application/x-www-form-urlencoded" ? try await request.form() : FormData()
    try await send.json(["form_data": form.jsonValue, "method": .string(request.method), "path": .string(request.path)], style: .python)
}

struct Payload: Codable, Equatable {
    var name: String
    var tags: [String]
}

@Suite("Request helpers through the in-memory server")
struct RequestHelperTests {
    @Test("JSON echo: keys in order, {} for an empty body, 400 Invalid JSON as text/plain")
    func jsonEchoes() async throws {
        let client = TestClient(app: jsonEcho)
        let echoed = try await client.post("/api/echo", text: #"{"z": 1, "a": [1.50, "é"]}"#, headers: [("content-type", "application/json")])
        #expect(echoed.status == 200)
        #expect(echoed.header("content-type") == "application/json")
        #expect(echoed.text == #"{"received": {"z": 1, "a": [1.50, "\u00e9"]}, "method": "POST", "path": "/api/echo"}"#)

        let empty = try await client.post("/api/echo", body: [])
        #expect(empty.text == #"{"received": {}, "method": "POST", "path": "/api/echo"}"#)

        let invalid = try await client.post("/api/echo", text: "{not json")
        #expect(invalid.status == 400)
        #expect(invalid.text == "Invalid JSON")
        #expect(invalid.header("content-type") == "text/plain; charset=utf-8")
        #expect(invalid.header("content-length") == "12")
    }

    @Test("decoding into a Decodable; a wrong shape is 400 Invalid JSON, its path in the debug log only")
    func decodable() async throws {
        let app = App { scope, receive, send in
            let payload = try await Request(scope, receive).json(Payload.self)
            try await send.json(payload, status: 201)
        }
        let client = TestClient(app: app)
        let created = try await client.request(try .json("/items", Payload(name: "pen", tags: ["a"])))
        #expect(created.status == 201)
        #expect(try created.json(Payload.self) == Payload(name: "pen", tags: ["a"]))

        let wrong = try await client.post("/items", text: #"{"name": "pen", "tags": [1]}"#)
        #expect(wrong.status == 400)
        #expect(wrong.text == "Invalid JSON")
        #expect(!wrong.text.contains("tags"))
        #expect(Request.describe(DecodingError.typeMismatch(String.self, .init(codingPath: [Key("tags"), Key(index: 0)], debugDescription: "x")))
            .contains("tags[0]"))
    }

    @Test("form echo: parse_qs arrays in first-seen order; a bad escape is 400")
    func formEchoes() async throws {
        let client = TestClient(app: formEcho)
        let echoed = try await client.request(.form("/form", [("key", "v1"), ("other", "a b"), ("key", "v2")]))
        #expect(echoed.text == #"{"form_data": {"key": ["v1", "v2"], "other": ["a b"]}, "method": "POST", "path": "/form"}"#)

        let bad = try await client.post("/form", text: "key=%zz", headers: [("content-type", "application/x-www-form-urlencoded")])
        #expect(bad.status == 400)
        #expect(bad.text == "Invalid form encoding")

        let notForm = try await client.post("/form", text: "key=v", headers: [("content-type", "text/plain")])
        #expect(notForm.text == #"{"form_data": {}, "method": "POST", "path": "/form"}"#)

        let strictApp = App { scope, receive, send in _ = try await Request(scope, receive).form(); try await send.status(204) }
        let refused = try await TestClient(app: strictApp).post("/", text: "{}", headers: [("content-type", "application/json")])
        #expect(refused.status == 415)
    }

    @Test("413 over the limit: declared length before reading, chunked as soon as it passes; the connection closes")
    func limits() async throws {
        let app = App { scope, receive, send in
            let body = try await Request(scope, receive).body(limit: 16)
            try await send.text("got \(body.count)")
        }
        try await TestClient(app: app).withSession(lifespan: false) { session in
            let ok = try await session.request(.post("/", body: [UInt8](repeating: 1, count: 16)))
            #expect(ok.text == "got 16")

            let declared = try await session.request(.post("/", body: [UInt8](repeating: 1, count: 17)))
            #expect(declared.status == 413)
            #expect(declared.text == "Content Too Large: the body exceeds 16 bytes")
            #expect(declared.header("connection") == "close")

            var chunked = TestRequest("POST", "/", framing: .chunked())
            chunked.chunks = [[UInt8](repeating: 1, count: 10), [UInt8](repeating: 1, count: 10)]
            let refused = try await session.request(chunked)
            #expect(refused.status == 413)
        }
    }

    @Test("query and cookies")
    func queryAndCookies() async throws {
        let app = App { scope, receive, send in
            let request = Request(scope, receive)
            let query = request.query
            try await send.text("\(query["page"] ?? "-") \(query.all("tag")) \(request.cookies["session"] ?? "-")")
        }
        let response = try await TestClient(app: app).get("/?page=2&tag=a&tag=b+c", headers: [("cookie", "theme=dark; session=s1")])
        #expect(response.text == #"2 ["a", "b c"] s1"#)
    }
}

/// A coding key for building decoding errors in tests.
struct Key: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init(index: Int) { stringValue = "\(index)"; intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}
