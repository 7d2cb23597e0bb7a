import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

/// The seed guide's examples as the demo serves them (issue 14, item 7): every example at its
/// path, in memory (`TestClient`) and live on every backend (the test client, curl, Python
/// httpx and websockets). Where the demo promises Python's `json.dumps` bytes, Python itself
/// computes the expected text (`json.dumps(json.loads(body), indent=2)`, `parse_qs`, …).
@Suite("The ASGI guide's examples in the demo")
struct GuideExampleTests {
    /// Where the examples run: the in-memory server or a live one on a backend.
    enum Target: Sendable, CustomTestStringConvertible {
        case memory
        case live(BackendKind)

        static let all: [Target] = [.memory] + Backends.all.map { .live($0) }

        var testDescription: String {
            switch self {
            case .memory: "in memory"
            case .live(let backend): "live on \(backend)"
            }
        }
    }

    /// Runs `body` against the demo (with its route body limits) on `target`; `port` is the
    /// live server's, nil in memory.
    static func run(_ target: Target, _ body: (_ session: TestSession, _ port: Int?) async throws -> Void) async throws {
        let demo = DemoApp()
        switch target {
        case .memory:
            try await TestClient(app: demo, http: demo.httpConfiguration()).withSession { try await body($0, nil) }
        case .live(let backend):
            try await withServer(demo, backend: backend, http: demo.httpConfiguration()) { (_: Server, port: Int) async throws in
                try await body(TestSession.live(port: port), port)
            }
        }
    }

    // MARK: - The test client, in memory and live

    @Test("GET /debug/scope: the scope as json.dumps(…, indent=2) with headers, server, client and asgi", arguments: Target.all)
    func debugScope(target: Target) async throws {
        try await Self.run(target) { session, port in
            let response = try await session.get("/debug/scope?a=1&b=two", headers: [
                ("x-test", #"say "hi" \ ok"#), ("x-dup", "one"), ("x-dup", "two"),
            ])
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let scope = try Self.object(response.text)
            #expect(scope["type"] as? String == "http")
            #expect(scope["method"] as? String == "GET")
            #expect(scope["path"] as? String == "/debug/scope")
            #expect(scope["query_string"] as? String == "a=1&b=two")
            let headers = try #require(scope["headers"] as? [String: String])
            #expect(headers["x-test"] == #"say "hi" \ ok"#)
            #expect(headers["x-dup"] == "two")  // a dict keeps the last value of a repeated name
            #expect(headers["host"] != nil)
            #expect(scope["asgi"] as? [String: String] == ["version": "3.0", "spec_version": "2.4"])
            let server = try #require(scope["server"] as? [Any])
            let client = try #require(scope["client"] as? [Any])
            #expect(server.count == 2 && client.count == 2)
            if let port {
                #expect(server.first as? String == "127.0.0.1")
                #expect(server.last as? Int == port)
            } else {
                #expect(server.first as? String == "testserver")
                #expect(server.last as? Int == 80)
            }
            #expect(client.first as? String == "127.0.0.1")
            let clientPort = try #require(client.last as? Int)
            #expect((1...65_535).contains(clientPort) && clientPort != port)
            if let redumped = try await Python.output(Python.indentRedump, [response.text]) {
                #expect(response.text == redumped)
            }
        }
    }

    @Test("the class-based app: /home, /api, 404 Not Found, 405 with allow, HEAD without a body", arguments: Target.all)
    func classBasedApp(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let home = try await session.get("/home")
            #expect(home.status == 200)
            #expect(home.text == "<h1>Home Page</h1>")
            #expect(home.header("content-type") == "text/html")
            #expect(home.header("content-length") == "18")

            let api = try await session.get("/api")
            #expect(api.status == 200)
            #expect(api.text == #"{"message": "API Response"}"#)
            #expect(api.header("content-type") == "application/json")

            for missing in ["/missing", "/home/", "/api/nothing", "/users"] {
                let response = try await session.get(missing)
                #expect(response.status == 404, "\(missing)")
                #expect(response.text == "Not Found", "\(missing)")
                #expect(response.header("content-type")?.hasPrefix("text/plain") == true, "\(missing)")
            }

            let delete = try await session.request(TestRequest("DELETE", "/api"))
            #expect(delete.status == 405)
            #expect(delete.header("allow") == "GET, HEAD")

            let head = try await session.request(TestRequest("HEAD", "/home"))
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("content-length") == home.header("content-length"))
            #expect(head.header("content-type") == "text/html")
        }
    }

    @Test("POST /api/echo: json.dumps of the received JSON, {} when empty, 400 Invalid JSON", arguments: Target.all)
    func echoJSON(target: Target) async throws {
        let expected = try await Python.output(Python.echoExpected, Self.echoBodies)?.split(separator: "\n").map(String.init)
        try await Self.run(target) { session, _ in
            for (index, sent) in Self.echoBodies.enumerated() {
                let response = try await session.post("/api/echo", body: Array(sent.utf8), headers: [("content-type", "application/json")])
                #expect(response.status == 200, "\(sent)")
                #expect(response.header("content-type") == "application/json")
                let reply = try Self.object(response.text)
                #expect(reply["method"] as? String == "POST")
                #expect(reply["path"] as? String == "/api/echo")
                let received = try #require(reply["received"])
                let original = try JSONSerialization.jsonObject(with: Data(sent.utf8), options: .fragmentsAllowed)
                #expect(NSDictionary(dictionary: ["v": received]).isEqual(to: ["v": original]), "\(sent) → \(response.text)")
                if let expected {
                    #expect(response.text == expected[index], "\(sent)")
                }
            }

            let empty = try await session.post("/api/echo", body: [])
            #expect(empty.status == 200)
            #expect(empty.text == #"{"received": {}, "method": "POST", "path": "/api/echo"}"#)

            for invalid in ["{", "not json", #"{"a": 1,}"#, "[1, 2", "NaN", "\u{FEFF}{}"] {
                let response = try await session.post("/api/echo", body: Array(invalid.utf8), headers: [("content-type", "application/json")])
                #expect(response.status == 400, "\(invalid)")
                #expect(response.text == "Invalid JSON", "\(invalid)")
                #expect(response.header("content-type")?.hasPrefix("text/plain") == true, "\(invalid)")
            }
        }
    }

    @Test("POST /form: parse_qs's result as json.dumps writes it, a bad escape 400, multipart with a 3 MiB file, 413 past 16 MiB",
          arguments: Target.all)
    func form(target: Target) async throws {
        let expected = try await Python.output(Python.formExpected, Self.formBodies)?.split(separator: "\n").map(String.init)
        try await Self.run(target) { session, _ in
            let urlencoded: Headers = [("content-type", "application/x-www-form-urlencoded")]
            let first = try await session.post("/form", body: Array(Self.formBodies[0].utf8), headers: urlencoded)
            #expect(first.status == 200)
            #expect(first.header("content-type") == "application/json")
            #expect(first.text == #"{"form_data": {"key": ["v1", "v2"], "x": ["a b!"]}, "method": "POST", "path": "/form"}"#)
            if let expected {
                for (index, body) in Self.formBodies.enumerated() {
                    let response = try await session.post("/form", body: Array(body.utf8), headers: urlencoded)
                    #expect(response.status == 200, "\(body)")
                    #expect(response.text == expected[index], "\(body)")
                }
            }
            for invalid in ["key=%zz", "key=%4", "a=1&b=%"] {
                let response = try await session.post("/form", body: Array(invalid.utf8), headers: urlencoded)
                #expect(response.status == 400, "\(invalid)")
            }

            let file = Self.pattern(count: 3 << 20)
            let boundary = "guide-boundary-7MA4YWxkTrZu0gW"
            var multipart = Array("--\(boundary)\r\ncontent-disposition: form-data; name=\"key\"\r\n\r\nv1\r\n".utf8)
            multipart += Array("--\(boundary)\r\ncontent-disposition: form-data; name=\"key\"\r\n\r\nv2\r\n".utf8)
            multipart += Array("--\(boundary)\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\ncontent-type: application/x-test\r\n\r\n".utf8)
            multipart += file + Array("\r\n--\(boundary)--\r\n".utf8)
            let upload = try await session.post("/form", body: multipart, headers: [("content-type", "multipart/form-data; boundary=\(boundary)")])
            #expect(upload.status == 200)
            #expect(upload.text == #"{"form_data": {"key": ["v1", "v2"], "file": {"filename": "big.bin", "content_type": "application/x-test", "size": 3145728}}, "method": "POST", "path": "/form"}"#)

            // One byte over the route's 16 MiB: refused from the declared length, before the body.
            let connection = try await session.connect()
            try await connection.send(raw: "POST /form HTTP/1.1\r\nhost: guide\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: \((16 << 20) + 1)\r\n\r\n")
            let tooLarge = try await connection.readResponse()
            #expect(tooLarge.status == 413)
            await connection.close()
        }
    }

    @Test("GET /users/{id}: {\"id\": 42}; a non-integer id is 404", arguments: Target.all)
    func users(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let user = try await session.get("/users/42")
            #expect(user.status == 200)
            #expect(user.header("content-type") == "application/json")
            #expect(user.text == #"{"id": 42}"#)
            #expect(try await session.get("/users/7").text == #"{"id": 7}"#)
            for path in ["/users/abc", "/users/4x2", "/users/42/more"] {
                #expect(try await session.get(path).status == 404, "\(path)")
            }
        }
    }

    @Test("ws /ws: text as Echo: …, bytes unchanged; an unknown WebSocket path refused with 403", arguments: Target.all)
    func websocket(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let socket = try await session.websocket("/ws")
            #expect(socket.response.header("x-request-id") != nil)
            try await socket.send(text: "hi")
            #expect(try await socket.receiveText() == "Echo: hi")
            try await socket.send(text: "héllo ✓")
            #expect(try await socket.receiveText() == "Echo: héllo ✓")
            let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFE, 0xFF] + Self.pattern(count: 70_000)
            try await socket.send(bytes: bytes)
            #expect(try await socket.receiveBytes() == bytes)
            _ = try await socket.close()

            for path in ["/nope", "/ws/", "/home"] {
                do {
                    _ = try await session.websocket(path)
                    Issue.record("the WebSocket at \(path) was accepted")
                } catch let refused as WebSocketRefused {
                    #expect(refused.response.status == 403, "\(path)")
                }
            }
        }
    }

    @Test("CORS on /api and below: preflight 204, allow-origin and vary on responses; none on /home", arguments: Target.all)
    func cors(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let origin = "https://client.example"
            let preflight = try await session.request(TestRequest("OPTIONS", "/api/echo", headers: [
                ("origin", origin), ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type"),
            ]))
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == origin)  // any origin, named
            #expect(preflight.header("access-control-allow-methods")?.contains("POST") == true)

            let api = try await session.get("/api", headers: [("origin", origin)])
            #expect(api.status == 200)
            #expect(api.text == #"{"message": "API Response"}"#)
            #expect(api.header("access-control-allow-origin") == origin)
            #expect(Self.varies(api, on: "origin"))
            let other = try await session.get("/api", headers: [("origin", "http://localhost:8080")])
            #expect(other.header("access-control-allow-origin") == "http://localhost:8080")

            let echo = try await session.post("/api/echo", body: Array("[1]".utf8), headers: [("origin", origin), ("content-type", "application/json")])
            #expect(echo.status == 200)
            #expect(echo.header("access-control-allow-origin") == origin)
            // The route's own error answer carries the CORS fields too, so a page can read it.
            let invalid = try await session.post("/api/echo", body: Array("{".utf8), headers: [("origin", origin), ("content-type", "application/json")])
            #expect(invalid.status == 400 && invalid.text == "Invalid JSON")
            #expect(invalid.header("access-control-allow-origin") == origin)
            #expect(Self.varies(invalid, on: "origin"))
            // Without an origin: no CORS fields.
            #expect(try await session.get("/api").header("access-control-allow-origin") == nil)

            let home = try await session.get("/home", headers: [("origin", origin)])
            #expect(home.status == 200)
            let corsFields = home.headers.map { String(decoding: $0.name, as: UTF8.self).lowercased() }.filter { $0.hasPrefix("access-control-") }
            #expect(corsFields.isEmpty, "\(corsFields)")
            #expect(!Self.varies(home, on: "origin"))
            // Only a preflight is answered by CORS: OPTIONS /home is the router's 405.
            let homePreflight = try await session.request(TestRequest("OPTIONS", "/home", headers: [("origin", origin), ("access-control-request-method", "GET")]))
            #expect(homePreflight.status == 405)
        }
    }

    @Test("x-request-id: a sane incoming id sent back, a generated one otherwise", arguments: Target.all)
    func requestID(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let kept = try await session.get("/home", headers: [("x-request-id", "guide-req-42")])
            #expect(kept.header("x-request-id") == "guide-req-42")
            let none = try await session.get("/api")
            let first = try #require(none.header("x-request-id"))
            #expect(!first.isEmpty && first.utf8.allSatisfy { (0x21...0x7E).contains($0) })
            let second = try #require(try await session.get("/users/1").header("x-request-id"))
            #expect(first != second)
            for insane in ["has space", String(repeating: "x", count: 129), "caf\u{E9}"] {
                let response = try await session.get("/home", headers: [("x-request-id", insane)])
                let id = try #require(response.header("x-request-id"))
                #expect(id != insane && !id.contains(" "), "\(insane)")
            }
            // Also on the answers the router and the helpers make themselves.
            #expect(try await session.get("/missing", headers: [("x-request-id", "r-404")]).header("x-request-id") == "r-404")
            let invalid = try await session.post("/api/echo", body: Array("{".utf8), headers: [("x-request-id", "r-400")])
            #expect(invalid.header("x-request-id") == "r-400")
        }
    }

    @Test("the index page lists every example", arguments: Target.all)
    func index(target: Target) async throws {
        try await Self.run(target) { session, _ in
            let index = try await session.get("/")
            #expect(index.status == 200)
            #expect(index.header("content-type") == "text/html; charset=utf-8")
            for listed in [#"href="/debug/scope"#, #"href="/home""#, #"href="/api""#, "POST /api/echo", "POST /form",
                           #"href="/users/42""#, "GET /users/{id}", "ws://&lt;host&gt;/ws</code>", #"href="/chat""#] {
                #expect(index.text.contains(listed), "\(listed)")
            }
        }
    }

    // MARK: - Real clients, live on every backend

    @Test("curl: debug_scope with curl's own local port, the class-based app, multipart with a 3 MiB file, 413 past 16 MiB",
          arguments: Backends.all)
    func curl(backend: BackendKind) async throws {
        guard let curl = Curl.path else { try Test.cancel("curl is not installed (scripts/bootstrap installs it)") }
        try await Self.withUploadFiles { big, huge in
            let demo = DemoApp()
            try await withServer(demo, backend: backend, http: demo.httpConfiguration()) { (_: Server, port: Int) async throws in
                let base = "http://127.0.0.1:\(port)"
                let scope = try await Curl.run(curl, ["-sS", "-H", "x-dup: one", "-H", "x-dup: two", "-w", "\n%{local_port} %{content_type}",
                                                      "\(base)/debug/scope?a=1&b=two"])
                #expect(scope.status == 0, "\(scope.errors)")
                // The body, then the -w line (curl's local port and the content type).
                let lastNewline = try #require(scope.output.lastIndex(of: "\n"))
                let body = String(scope.output[..<lastNewline])
                let trailer = String(scope.output[scope.output.index(after: lastNewline)...])
                #expect(trailer.hasSuffix(" application/json"))
                let localPort = Int(trailer.prefix { $0.isNumber })
                let json = try Self.object(body)
                #expect(json["query_string"] as? String == "a=1&b=two")
                #expect((json["headers"] as? [String: String])?["x-dup"] == "two")
                #expect((json["headers"] as? [String: String])?["user-agent"]?.hasPrefix("curl/") == true)
                #expect(json["server"] as? [AnyHashable] == ["127.0.0.1", port])
                #expect(json["client"] as? [AnyHashable] == ["127.0.0.1", try #require(localPort)])
                #expect(json["asgi"] as? [String: String] == ["version": "3.0", "spec_version": "2.4"])
                if let redumped = try await Python.output(Python.indentRedump, [body]) {
                    #expect(body == redumped)
                }

                let home = try await Curl.run(curl, ["-sS", "-w", " %{http_code} %{content_type}", "\(base)/home"])
                #expect(home.output == "<h1>Home Page</h1> 200 text/html")
                let api = try await Curl.run(curl, ["-sS", "-w", " %{http_code} %{content_type}", "\(base)/api"])
                #expect(api.output == #"{"message": "API Response"} 200 application/json"#)
                let delete = try await Curl.run(curl, ["-sS", "-X", "DELETE", "-D", "-", "-o", "/dev/null", "\(base)/api"])
                #expect(delete.output.hasPrefix("HTTP/1.1 405"))
                #expect(delete.output.lowercased().contains("\r\nallow: get, head\r\n"))
                let echo = try await Curl.run(curl, ["-sS", "-H", "content-type: application/json", "--data-binary", #"{"price": 2.50, "tags": ["é"]}"#, "\(base)/api/echo"])
                #expect(echo.output == #"{"received": {"price": 2.5, "tags": ["\u00e9"]}, "method": "POST", "path": "/api/echo"}"#)
                let form = try await Curl.run(curl, ["-sS", "--data", "key=v1&key=v2&x=a+b%21", "\(base)/form"])
                #expect(form.output == #"{"form_data": {"key": ["v1", "v2"], "x": ["a b!"]}, "method": "POST", "path": "/form"}"#)

                let upload = try await Curl.run(curl, ["-sS", "-F", "key=v1", "-F", "key=v2", "-F", "file=@\(big)", "\(base)/form"])
                #expect(upload.status == 0, "\(upload.errors)")
                #expect(upload.output == #"{"form_data": {"key": ["v1", "v2"], "file": {"filename": "big.bin", "content_type": "application/octet-stream", "size": 3145728}}, "method": "POST", "path": "/form"}"#)
                let tooLarge = try await Curl.run(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@\(huge)", "\(base)/form"])
                #expect(tooLarge.output == "413", "\(tooLarge.errors)")

                let user = try await Curl.run(curl, ["-sS", "-w", " %{http_code}", "\(base)/users/42"])
                #expect(user.output == #"{"id": 42} 200"#)
                let preflight = try await Curl.run(curl, ["-sS", "-X", "OPTIONS", "-D", "-", "-o", "/dev/null", "-H", "origin: https://client.example",
                                                          "-H", "access-control-request-method: POST", "\(base)/api/echo"])
                #expect(preflight.output.hasPrefix("HTTP/1.1 204"))
                #expect(preflight.output.lowercased().contains("\r\naccess-control-allow-origin: "))
                let requestID = try await Curl.run(curl, ["-sS", "-D", "-", "-o", "/dev/null", "-H", "x-request-id: from-curl-1", "\(base)/home"])
                #expect(requestID.output.lowercased().contains("\r\nx-request-id: from-curl-1\r\n"))
            }
        }
    }

    @Test("Python httpx and websockets: every example, bytes as json.dumps writes them", arguments: Backends.all)
    func python(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        let probe = try await ExternalProcess.run(python, ["-c", "import httpx, websockets"])
        if probe.status != 0 { try Test.cancel("Python httpx or websockets is missing (scripts/bootstrap installs them)") }
        try await Self.withUploadFiles { big, _ in
            let demo = DemoApp()
            try await withServer(demo, backend: backend, http: demo.httpConfiguration()) { (_: Server, port: Int) async throws in
                let result = try await ExternalProcess.run(python, ["-c", Self.pythonClient, String(port), big], timeout: .seconds(90))
                #expect(result.status == 0, "\(result.errors)")
                #expect(result.output == "ok\n")
            }
        }
    }

    // MARK: - Inputs and oracles

    /// JSON bodies for `/api/echo`: nested objects, Unicode and escapes, numbers Python rewrites.
    static let echoBodies = [
        #"{"a": 1}"#,
        #"{"user": {"name": "Zo\u00eb", "tags": ["a", "b"], "meta": {"deep": [1, {"x": null}], "ok": true}}, "empty": {}, "list": []}"#,
        #"{"text": "h\u00e9llo 😀 ✓ \ud83d\ude00", "quote": "say \"hi\"\\n\t/", "control": "\u0001\u001f"}"#,
        #"{"price": 2.50, "zero": -0, "neg": -0.0, "big": 1e16, "small": 1.5e-5, "int": 12345678901234567890, "e": 1E2, "pi": 3.14159}"#,
        #"[1, 2.50, "x", null, false]"#,
        #""just a string""#,
        "42",
        #"{"dup": 1, "dup": 2}"#,
    ]

    /// URL-encoded bodies for `/form` (the first is the issue's).
    static let formBodies = [
        "key=v1&key=v2&x=a+b%21",
        "name=%C3%A9t%C3%A9+%F0%9F%98%80&blank=&bare&k=1&k=2&k=3",
        "a=%2B%26%3D&b=x%20y&%C3%A9=1",
        "",
    ]

    enum Python {
        /// `json.dumps(json.loads(argv[1]), indent=2)`, written as is.
        static let indentRedump = "import json, sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), indent=2))"
        /// One line per argument: the seed's `parse_json_request` answer.
        static let echoExpected = """
            import json, sys
            for sent in sys.argv[1:]:
                print(json.dumps({"received": json.loads(sent), "method": "POST", "path": "/api/echo"}))
            """
        /// One line per argument: the seed's `parse_form_request` answer.
        static let formExpected = """
            import json, sys
            from urllib.parse import parse_qs
            for body in sys.argv[1:]:
                print(json.dumps({"form_data": parse_qs(body), "method": "POST", "path": "/form"}))
            """

        /// The output of `script` run by python3 with `arguments`; nil (the byte comparison
        /// skipped) when python3 is not installed.
        static func output(_ script: String, _ arguments: [String]) async throws -> String? {
            guard let python = ExternalProcess.find("python3") else { return nil }
            let result = try await ExternalProcess.run(python, ["-c", script] + arguments, timeout: .seconds(30))
            try #require(result.status == 0, "\(result.errors)")
            return result.output
        }
    }

    /// The Python client: httpx for HTTP (its socket's own local address for `client`),
    /// websockets for `/ws`; every JSON answer compared with `json.dumps` of what Python expects.
    static let pythonClient = #"""
        import asyncio, json, sys, httpx, websockets
        from urllib.parse import parse_qs

        port, big = int(sys.argv[1]), sys.argv[2]
        base = f"http://127.0.0.1:{port}"

        def check(condition, *context):
            if not condition:
                raise AssertionError(context)

        with httpx.Client(base_url=base, timeout=20) as c:
            r = c.get("/debug/scope?a=1&b=two", headers=[("x-test", "yes"), ("x-dup", "one"), ("x-dup", "two")])
            check(r.status_code == 200 and r.headers["content-type"] == "application/json", r)
            d = r.json()
            check(r.text == json.dumps(d, indent=2), r.text)
            check((d["type"], d["method"], d["path"], d["query_string"]) == ("http", "GET", "/debug/scope", "a=1&b=two"), d)
            check(d["headers"]["x-test"] == "yes" and d["headers"]["x-dup"] == "two", d["headers"])
            check(d["headers"]["user-agent"].startswith("python-httpx/"), d["headers"])
            check(d["server"] == ["127.0.0.1", port], d["server"])
            local = r.extensions["network_stream"].get_extra_info("client_addr")
            check(d["client"] == [local[0], local[1]], d["client"], local)
            check(d["asgi"] == {"version": "3.0", "spec_version": "2.4"}, d["asgi"])

            r = c.get("/home")
            check((r.status_code, r.text, r.headers["content-type"]) == (200, "<h1>Home Page</h1>", "text/html"), r.headers)
            h = c.head("/home")
            check(h.status_code == 200 and h.content == b"" and h.headers["content-length"] == r.headers["content-length"], h.headers)
            r = c.get("/api")
            check((r.status_code, r.text, r.headers["content-type"]) == (200, '{"message": "API Response"}', "application/json"), r.text)
            r = c.get("/nowhere")
            check((r.status_code, r.text) == (404, "Not Found"), r.text)
            r = c.delete("/api")
            check(r.status_code == 405 and r.headers["allow"] == "GET, HEAD", r.headers)

            for sent in ['{"a": {"b": [1, 2.50, -0.0, 1e16, "\\u00e9\\ud83d\\ude00"]}, "c": null}', '[]', '"x"', '2.50']:
                r = c.post("/api/echo", content=sent, headers={"content-type": "application/json"})
                check(r.status_code == 200, sent, r.text)
                check(r.text == json.dumps({"received": json.loads(sent), "method": "POST", "path": "/api/echo"}), sent, r.text)
            r = c.post("/api/echo", json={"sent": "by httpx", "n": [1, 2]})
            check(r.json() == {"received": {"sent": "by httpx", "n": [1, 2]}, "method": "POST", "path": "/api/echo"}, r.text)
            r = c.post("/api/echo")
            check(r.text == '{"received": {}, "method": "POST", "path": "/api/echo"}', r.text)
            r = c.post("/api/echo", content="{oops", headers={"content-type": "application/json"})
            check(r.status_code == 400 and r.text == "Invalid JSON" and r.headers["content-type"].startswith("text/plain"), r.headers)

            body = "key=v1&key=v2&x=a+b%21"
            r = c.post("/form", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
            check(r.text == json.dumps({"form_data": parse_qs(body), "method": "POST", "path": "/form"}), r.text)
            r = c.post("/form", data={"key": ["v1", "v2"], "x": "a b!"})
            check(r.text == json.dumps({"form_data": {"key": ["v1", "v2"], "x": ["a b!"]}, "method": "POST", "path": "/form"}), r.text)
            r = c.post("/form", content="key=%zz", headers={"content-type": "application/x-www-form-urlencoded"})
            check(r.status_code == 400, r.text)
            with open(big, "rb") as f:
                size = len(f.read())
                f.seek(0)
                r = c.post("/form", data={"key": ["v1", "v2"]}, files={"file": ("big.bin", f, "application/octet-stream")})
            expected = {"form_data": {"key": ["v1", "v2"], "file": {"filename": "big.bin", "content_type": "application/octet-stream", "size": size}},
                        "method": "POST", "path": "/form"}
            check(r.status_code == 200 and r.text == json.dumps(expected), r.text)

            r = c.get("/users/42")
            check(r.text == json.dumps({"id": 42}) and r.headers["content-type"] == "application/json", r.text)
            check(c.get("/users/abc").status_code == 404)

            origin = "https://client.example"
            r = c.options("/api/echo", headers={"origin": origin, "access-control-request-method": "POST"})
            check(r.status_code == 204 and "access-control-allow-origin" in r.headers, r.headers)
            r = c.get("/api", headers={"origin": origin})
            check("access-control-allow-origin" in r.headers, r.headers)
            check("origin" in [v.strip().lower() for v in r.headers.get("vary", "").split(",")], r.headers)
            r = c.get("/home", headers={"origin": origin})
            check(not [k for k in r.headers if k.lower().startswith("access-control-")], r.headers)

            check(c.get("/home", headers={"x-request-id": "py-7"}).headers["x-request-id"] == "py-7")
            generated = c.get("/home", headers={"x-request-id": "not sane"}).headers["x-request-id"]
            check(generated and generated != "not sane" and " " not in generated, generated)

            r = c.get("/")
            for listed in ('href="/debug/scope', 'href="/home"', 'href="/api"', "POST /api/echo", "POST /form", "GET /users/{id}", "/ws</code>"):
                check(listed in r.text, listed)

        async def websocket():
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await ws.send("hi")
                check(await asyncio.wait_for(ws.recv(), 10) == "Echo: hi")
                data = bytes(range(256)) * 300
                await ws.send(data)
                check(await asyncio.wait_for(ws.recv(), 10) == data)
            try:
                async with websockets.connect(f"ws://127.0.0.1:{port}/nope"):
                    raise AssertionError("/nope was accepted")
            except websockets.exceptions.InvalidStatus as refused:
                check(refused.response.status_code == 403, refused.response.status_code)

        asyncio.run(websocket())
        print("ok")
        """#

    /// A 3 MiB `big.bin` (uploaded) and a 17 MiB `huge.bin` (past `/form`'s 16 MiB), removed afterwards.
    static func withUploadFiles(_ body: (_ big: String, _ huge: String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = directory.appendingPathComponent("big.bin").path
        let huge = directory.appendingPathComponent("huge.bin").path
        #expect(FileManager.default.createFile(atPath: big, contents: Data(pattern(count: 3 << 20))))
        #expect(FileManager.default.createFile(atPath: huge, contents: Data(pattern(count: 17 << 20))))
        try await body(big, huge)
    }

    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 13) }
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    /// Whether `response`'s `vary` lists `name`.
    static func varies(_ response: TestResponse, on name: String) -> Bool {
        response.headers.values("vary").contains { value in
            String(decoding: value, as: UTF8.self).split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == name }
        }
    }
}
