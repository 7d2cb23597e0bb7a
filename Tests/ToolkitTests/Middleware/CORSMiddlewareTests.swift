import RingwayTestSupport
import RingwayToolkit
import Testing

@Suite("CORSMiddleware")
struct CORSMiddlewareTests {
    /// Counts the requests that reach it.
    static func counting(_ reached: MiddlewareSeen<String>) -> App {
        App { scope, _, send in
            reached.append(scope.path)
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.httpResponseBody("app"))
        }
    }

    static func preflight(_ path: String = "/api", origin: String = "https://a.example", method: String = "POST",
                          headers requested: String? = nil) -> TestRequest {
        var request = TestRequest("OPTIONS", path, headers: [("origin", origin), ("access-control-request-method", method)])
        if let requested { request.headers.append(name: "access-control-request-headers", value: requested) }
        return request
    }

    @Test("an allowed preflight is answered 204 with the allow fields and never reaches the app")
    func preflightAllowed() async throws {
        let reached = MiddlewareSeen<String>()
        let cors = try CORSMiddleware(allowedOrigins: ["https://a.example"], allowedMethods: ["GET", "POST"],
                                      allowedHeaders: ["X-Token"], maxAge: 120)
        let response = try await TestClient(app: Self.counting(reached).with(cors)).request(Self.preflight(headers: "x-token, Content-Type"))
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
        #expect(response.header("access-control-allow-origin") == "https://a.example")
        #expect(response.header("access-control-allow-methods") == "GET, POST")
        #expect(response.header("access-control-allow-headers") == "accept, accept-language, content-language, content-type, x-token")
        #expect(response.header("access-control-max-age") == "120")
        #expect(response.header("vary") == "Origin")
        #expect(response.header("access-control-allow-credentials") == nil)
        #expect(reached.all.isEmpty)
    }

    @Test("a disallowed preflight gets 400 naming what failed, as Starlette", arguments: [
        ("https://evil.example", "POST", "x-token", "Disallowed CORS origin"),
        ("https://a.example", "DELETE", "x-token", "Disallowed CORS method"),
        ("https://a.example", "POST", "x-token, x-secret", "Disallowed CORS headers"),
        ("https://evil.example", "PUT", "x-secret", "Disallowed CORS origin, method, headers"),
    ])
    func preflightRefused(origin: String, method: String, headers: String, text: String) async throws {
        let reached = MiddlewareSeen<String>()
        let cors = try CORSMiddleware(allowedOrigins: ["https://a.example"], allowedMethods: ["GET", "POST"], allowedHeaders: ["x-token"])
        let response = try await TestClient(app: Self.counting(reached).with(cors))
            .request(Self.preflight(origin: origin, method: method, headers: headers))
        #expect(response.status == 400)
        #expect(response.text == text)
        #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
        #expect(reached.all.isEmpty)
    }

    @Test("any origin without credentials: '*' on preflights and responses, no vary")
    func anyOrigin() async throws {
        let reached = MiddlewareSeen<String>()
        let app = Self.counting(reached).with(try CORSMiddleware(allowedOrigins: .any, allowedMethods: .any, allowedHeaders: .any))
        let preflight = try await TestClient(app: app).request(Self.preflight(method: "PATCH", headers: "x-anything"))
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "*")
        #expect(preflight.header("access-control-allow-headers") == "x-anything")  // mirrored
        #expect(preflight.header("vary") == nil)
        let simple = try await TestClient(app: app).get("/api", headers: [("origin", "https://b.example")])
        #expect(simple.text == "app")
        #expect(simple.header("access-control-allow-origin") == "*")
        #expect(simple.header("vary") == nil)
        #expect(reached.all == ["/api"])
    }

    @Test("with credentials the origin is echoed, never '*', with vary: Origin")
    func credentialsEcho() async throws {
        let app = Fixture.text("ok").with(try CORSMiddleware(allowedOrigins: .any, allowCredentials: true, exposedHeaders: ["x-total"]))
        let simple = try await TestClient(app: app).get("/", headers: [("origin", "https://c.example")])
        #expect(simple.header("access-control-allow-origin") == "https://c.example")
        #expect(simple.header("access-control-allow-credentials") == "true")
        #expect(simple.header("access-control-expose-headers") == "x-total")
        #expect(simple.header("vary") == "Origin")
        let preflight = try await TestClient(app: app).request(Self.preflight(origin: "https://c.example", method: "GET"))
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "https://c.example")
        #expect(preflight.header("access-control-allow-credentials") == "true")
        #expect(preflight.header("vary") == "Origin")
    }

    @Test("any origin with a cookie echoes the origin")
    func cookieEcho() async throws {
        let app = Fixture.text("ok").with(try CORSMiddleware(allowedOrigins: .any))
        let response = try await TestClient(app: app).get("/", headers: [("origin", "https://d.example"), ("cookie", "a=b")])
        #expect(response.header("access-control-allow-origin") == "https://d.example")
        #expect(response.header("vary") == "Origin")
    }

    @Test("a predicate decides; a disallowed origin gets no allow-origin but still vary")
    func predicate() async throws {
        let cors = try CORSMiddleware(allowedOrigins: .matching { $0.hasSuffix(".trusted.example") })
        let app = Fixture.text("ok").with(cors)
        let allowed = try await TestClient(app: app).get("/", headers: [("origin", "https://x.trusted.example")])
        #expect(allowed.header("access-control-allow-origin") == "https://x.trusted.example")
        #expect(allowed.header("vary") == "Origin")
        let refused = try await TestClient(app: app).get("/", headers: [("origin", "https://evil.example")])
        #expect(refused.text == "ok")  // the app still answers: the browser withholds it
        #expect(refused.header("access-control-allow-origin") == nil)
        #expect(refused.header("vary") == "Origin")
    }

    @Test("without an origin the request passes untouched")
    func noOrigin() async throws {
        let app = Fixture.text("ok").with(try CORSMiddleware(allowedOrigins: ["https://a.example"]))
        let response = try await TestClient(app: app).get("/")
        #expect(response.header("access-control-allow-origin") == nil)
        #expect(response.header("vary") == nil)
        // An OPTIONS without access-control-request-method is not a preflight: the app answers it.
        let options = try await TestClient(app: app).request(TestRequest("OPTIONS", "/", headers: [("origin", "https://a.example")]))
        #expect(options.text == "ok")
        #expect(options.header("access-control-allow-origin") == "https://a.example")
    }

    @Test("an existing vary is extended, and the app's own CORS fields are replaced")
    func merging() async throws {
        let app = App { _, _, send in
            try await send(.httpResponseStart(status: 200, headers: [("vary", "Accept-Encoding"), ("access-control-allow-origin", "https://wrong.example"), ("x-kept", "1")]))
            try await send(.httpResponseBody())
        }.with(try CORSMiddleware(allowedOrigins: ["https://a.example"]))
        let response = try await TestClient(app: app).get("/", headers: [("origin", "https://a.example")])
        #expect(response.headers.values("vary").map { String(decoding: $0, as: UTF8.self) } == ["Accept-Encoding, Origin"])
        #expect(response.headers.values("access-control-allow-origin").count == 1)
        #expect(response.header("access-control-allow-origin") == "https://a.example")
        #expect(response.header("x-kept") == "1")
    }

    @Test("bad configuration fails at init with a typed error")
    func configurationErrors() {
        #expect(throws: CORSConfigurationError.invalidOrigin("https://a.example/path")) { try CORSMiddleware(allowedOrigins: ["https://a.example/path"]) }
        #expect(throws: CORSConfigurationError.invalidOrigin("a.example")) { try CORSMiddleware(allowedOrigins: ["a.example"]) }
        #expect(throws: CORSConfigurationError.invalidOrigin("https://a.example\r\nx: y")) { try CORSMiddleware(allowedOrigins: ["https://a.example\r\nx: y"]) }
        #expect(throws: CORSConfigurationError.invalidMethod("GE T")) { try CORSMiddleware(allowedOrigins: .any, allowedMethods: ["GE T"]) }
        #expect(throws: CORSConfigurationError.invalidHeaderName("x:y")) { try CORSMiddleware(allowedOrigins: .any, allowedHeaders: ["x:y"]) }
        #expect(throws: CORSConfigurationError.invalidHeaderName("a b")) { try CORSMiddleware(allowedOrigins: .any, exposedHeaders: ["a b"]) }
        #expect(throws: CORSConfigurationError.negativeMaxAge(-1)) { try CORSMiddleware(allowedOrigins: .any, maxAge: -1) }
        #expect((try? CORSMiddleware(allowedOrigins: ["null", "http://localhost:8000", "*"])) != nil)
    }

    @Test("'*' in a list means any")
    func starInLists() throws {
        let cors = try CORSMiddleware(allowedOrigins: ["*"], allowedMethods: ["*"])
        #expect(cors.allows(origin: "https://anything.example"))
    }

    @Test("scoped to /api, CORS leaves other paths alone")
    func scoped() async throws {
        let reached = MiddlewareSeen<String>()
        let app = Self.counting(reached).with(try CORSMiddleware(allowedOrigins: .any).on(pathPrefix: "/api"))
        let other = try await TestClient(app: app).request(Self.preflight("/home", method: "GET"))
        #expect(other.status == 200)
        #expect(other.header("access-control-allow-origin") == nil)
        let api = try await TestClient(app: app).request(Self.preflight("/api/echo", method: "GET"))
        #expect(api.status == 204)
        #expect(reached.all == ["/home"])
    }
}
