import RingwayToolkit
import Testing

/// One request against `RouterLookupTests.routes`.
struct LookupCase: Sendable, CustomStringConvertible {
    let method: String
    let rawPath: String
    let rootPath: String
    let expected: String  // `Expected.description`, so the arguments stay Sendable and readable

    init(_ method: String, _ rawPath: String, rootPath: String = "", _ expected: Expected) {
        self.method = method
        self.rawPath = rawPath
        self.rootPath = rootPath
        self.expected = expected.description
    }

    var description: String { "\(method) \(rawPath)\(rootPath.isEmpty ? "" : " under \(rootPath)") → \(expected)" }
}

@Suite("Router lookup")
struct RouterLookupTests {
    static let routes = [
        "GET /", "GET /users", "GET /users/", "GET /users/me", "GET /users/me/settings",
        "GET /users/{id:int}", "GET /users/{id:uuid}", "GET /users/{name}", "DELETE /users/{name}", "GET /users/{id}/posts",
        "GET /files/{name}", "GET /img/{file}.jpg", "GET /img/{name}", "GET /v{n:int}/status",
        "GET /static/{path...}", "GET /café", "POST /form", "PROPFIND /dav", "OPTIONS /cors", "PATCH /cors",
        "WS /ws", "WS /chat/{room}", "GET /chat/{room}",
        "MOUNT /admin", "GET /admin/health",
    ]

    static let uuid = "550e8400-e29b-41d4-a716-446655440000"

    static let cases: [LookupCase] = [
        // Slashes
        LookupCase("GET", "/", .route("/")),
        LookupCase("GET", "", .notFound),
        LookupCase("GET", "*", .notFound),
        LookupCase("GET", "/users", .route("/users")),
        LookupCase("GET", "/users/", .route("/users/")),
        LookupCase("GET", "//users", .notFound),
        LookupCase("GET", "/users//42", .notFound),
        LookupCase("GET", "/static/", .route("/static/{path...}", ["path": ""])),
        LookupCase("GET", "/static", .notFound),
        LookupCase("GET", "/static/a//b", .route("/static/{path...}", ["path": "a//b"])),
        LookupCase("GET", "/static/css/site.css", .route("/static/{path...}", ["path": "css/site.css"])),
        // Encoding
        LookupCase("GET", "/caf%C3%A9", .route("/café")),
        LookupCase("GET", "/caf%c3%a9", .route("/café")),
        LookupCase("GET", "/café", .route("/café")),
        LookupCase("GET", "/%75sers", .route("/users")),
        LookupCase("GET", "/files/a%2Fb", .route("/files/{name}", ["name": "a/b"])),
        LookupCase("GET", "/files/a/b", .notFound),
        LookupCase("GET", "/files/%G1", .route("/files/{name}", ["name": "%G1"])),
        LookupCase("GET", "/files/100%", .route("/files/{name}", ["name": "100%"])),
        LookupCase("GET", "/users/%34%32", .route("/users/{id:int}", ["id": "42"])),
        LookupCase("GET", "/img/cat%2Ejpg", .route("/img/{file}.jpg", ["file": "cat"])),
        // Types
        LookupCase("GET", "/users/0", .route("/users/{id:int}", ["id": "0"])),
        LookupCase("GET", "/users/007", .route("/users/{id:int}", ["id": "007"])),
        LookupCase("GET", "/users/-1", .route("/users/{name}", ["name": "-1"])),
        LookupCase("GET", "/users/12a", .route("/users/{name}", ["name": "12a"])),
        LookupCase("GET", "/users/9223372036854775807", .route("/users/{id:int}", ["id": "9223372036854775807"])),
        LookupCase("GET", "/users/9223372036854775808", .route("/users/{name}", ["name": "9223372036854775808"])),
        LookupCase("GET", "/users/\(uuid)", .route("/users/{id:uuid}", ["id": uuid])),
        LookupCase("GET", "/users/\(uuid.uppercased())", .route("/users/{id:uuid}", ["id": uuid.uppercased()])),
        LookupCase("GET", "/users/\(uuid.dropLast())", .route("/users/{name}", ["name": String(uuid.dropLast())])),
        LookupCase("GET", "/users/550e8400e29b-41d4-a716-446655440000-", .route("/users/{name}", ["name": "550e8400e29b-41d4-a716-446655440000-"])),
        LookupCase("GET", "/img/cat.jpg", .route("/img/{file}.jpg", ["file": "cat"])),
        LookupCase("GET", "/img/cat.png", .route("/img/{name}", ["name": "cat.png"])),
        LookupCase("GET", "/img/.jpg", .route("/img/{name}", ["name": ".jpg"])),
        LookupCase("GET", "/v2/status", .route("/v{n:int}/status", ["n": "2"])),
        LookupCase("GET", "/vx/status", .notFound),
        // Precedence and backtracking
        LookupCase("GET", "/users/me", .route("/users/me")),
        LookupCase("GET", "/users/me/posts", .route("/users/{id}/posts", ["id": "me"])),
        LookupCase("GET", "/users/me/settings", .route("/users/me/settings")),
        LookupCase("GET", "/users/42/posts", .route("/users/{id}/posts", ["id": "42"])),
        LookupCase("DELETE", "/users/me", .route("/users/{name}", ["name": "me"])),
        LookupCase("DELETE", "/users/42", .route("/users/{name}", ["name": "42"])),
        // Methods
        LookupCase("HEAD", "/users", .route("/users")),
        LookupCase("PUT", "/users/me", .methodNotAllowed("GET, HEAD, DELETE")),
        LookupCase("OPTIONS", "/users", .methodNotAllowed("GET, HEAD")),
        LookupCase("POST", "/", .methodNotAllowed("GET, HEAD")),
        LookupCase("GET", "/form", .methodNotAllowed("POST")),
        LookupCase("PROPFIND", "/dav", .route("/dav")),
        LookupCase("GET", "/dav", .methodNotAllowed("PROPFIND")),
        LookupCase("BREW", "/dav", .methodNotAllowed("PROPFIND")),
        LookupCase("GET", "/cors", .methodNotAllowed("PATCH, OPTIONS")),
        LookupCase("GET", "/chat/lobby", .route("/chat/{room}", ["room": "lobby"])),
        LookupCase("GET", "/ws", .upgradeRequired),
        // Mounts
        LookupCase("GET", "/admin", .mount("/admin")),
        LookupCase("POST", "/admin/users/1", .mount("/admin")),
        LookupCase("GET", "/admin/", .mount("/admin")),
        LookupCase("GET", "/adminx", .notFound),
        LookupCase("GET", "/admin/health", .route("/admin/health")),
        LookupCase("POST", "/admin/health", .mount("/admin")),
        // Root path
        LookupCase("GET", "/app/users", rootPath: "/app", .route("/users")),
        LookupCase("GET", "/app", rootPath: "/app", .route("/")),
        LookupCase("GET", "/users", rootPath: "/app", .route("/users")),
        LookupCase("GET", "/appx/users", rootPath: "/app", .notFound),
        LookupCase("GET", "/caf%C3%A9/users/7", rootPath: "/café", .route("/users/{id:int}", ["id": "7"])),
        LookupCase("GET", "/x/users", rootPath: "/app/x", .route("/users")),
    ]

    @Test("an HTTP request resolves as the table says", arguments: cases)
    func resolves(_ lookup: LookupCase) throws {
        let app = try router(Self.routes)
        let resolution = app.resolve(method: lookup.method, rawPath: Array(lookup.rawPath.utf8), rootPath: lookup.rootPath)
        #expect(Expected(resolution).description == lookup.expected)
    }

    @Test("WebSocket routes live beside HTTP ones")
    func websocket() throws {
        let app = try router(Self.routes)
        #expect(Expected(app.resolveWebSocket(rawPath: Array("/ws".utf8))) == .route("/ws"))
        #expect(Expected(app.resolveWebSocket(rawPath: Array("/chat/lobby".utf8))) == .route("/chat/{room}", ["room": "lobby"]))
        #expect(Expected(app.resolveWebSocket(rawPath: Array("/users".utf8))) == .notFound)
        #expect(Expected(app.resolveWebSocket(rawPath: Array("/nowhere".utf8))) == .notFound)
        #expect(Expected(app.resolveWebSocket(rawPath: Array("/admin/socket".utf8))) == .mount("/admin"))
    }

    @Test("raw(_:) gives the value as sent, int(_:) parses the decoded bytes")
    func rawAndInt() throws {
        let app = try router(Self.routes)
        guard case .route(_, let parameters) = app.resolve(method: "GET", rawPath: Array("/users/%34%32".utf8)) else {
            Issue.record("no route")
            return
        }
        #expect(parameters.raw("id").map { Array($0) } == Array("%34%32".utf8))
        #expect(parameters.int("id") == 42)
        #expect(parameters["id"] == "42")
        #expect(parameters["missing"] == nil)
        #expect(parameters.pattern == "/users/{id:int}")
        #expect(parameters.count == 1)
    }

    @Test("headFromGet off: HEAD is a 405 on a GET route; an explicit HEAD route wins over the GET twin")
    func headRoutes() throws {
        let off = try router(["GET /a"], configuration: RouterConfiguration(headFromGet: false))
        #expect(Expected(off.resolve(method: "HEAD", rawPath: Array("/a".utf8))) == .methodNotAllowed("GET"))
        let router = Router()
        router.get("/a", noop).head("/a", noop)
        router.get("/b/{x}", noop).head("/b/{y}", noop)
        let app = try router.build()
        #expect(Expected(app.resolve(method: "HEAD", rawPath: Array("/b/1".utf8))) == .route("/b/{y}", ["y": "1"]))
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/b/1".utf8))) == .route("/b/{x}", ["x": "1"]))
    }

    @Test("more than 4 parameters and offsets past 65,535 bytes spill out of the inline spans")
    func spill() throws {
        let app = try router(["GET /{a}/{b}/{c}/{d}/{e}/{f}", "GET /long/{x}/{y}"])
        let many = app.resolve(method: "GET", rawPath: Array("/1/2/3/4/5/6".utf8))
        #expect(Expected(many) == .route("/{a}/{b}/{c}/{d}/{e}/{f}", ["a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"]))
        let big = String(repeating: "z", count: 70_000)
        let long = app.resolve(method: "GET", rawPath: Array("/long/\(big)/end".utf8))
        #expect(Expected(long) == .route("/long/{x}/{y}", ["x": big, "y": "end"]))
    }

    @Test("groups join their prefix (with parameters); \"\" is the prefix itself")
    func groups() throws {
        let router = Router()
        router.group("/api/v2") { api in
            api.get("", noop).get("/", noop).post("/echo", noop)
            api.group("/tenants/{tenant}").get("/users/{id:int}", noop)
        }
        let app = try router.build()
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/api/v2".utf8))) == .route("/api/v2"))
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/api/v2/".utf8))) == .route("/api/v2/"))
        #expect(Expected(app.resolve(method: "POST", rawPath: Array("/api/v2/echo".utf8))) == .route("/api/v2/echo"))
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/api/v2/tenants/acme/users/3".utf8)))
            == .route("/api/v2/tenants/{tenant}/users/{id:int}", ["tenant": "acme", "id": "3"]))
        #expect(app.routes.map(\.pattern) == ["/api/v2", "/api/v2/", "/api/v2/echo", "/api/v2/tenants/{tenant}/users/{id:int}"])
    }

    @Test("bodyLimit(method:path:headers:) reports the matched route's limit")
    func bodyLimits() throws {
        let router = Router()
        router.post("/upload/{name}", noop, bodyLimit: 10_000_000).post("/small", noop, bodyLimit: 16).get("/none", noop)
        let app = try router.build()
        #expect(app.bodyLimit(method: "POST", path: "/upload/a.bin", headers: Headers()) == 10_000_000)
        #expect(app.bodyLimit(method: "POST", path: "/small", headers: Headers()) == 16)
        #expect(app.bodyLimit(method: "GET", path: "/none", headers: Headers()) == nil)
        #expect(app.bodyLimit(method: "POST", path: "/missing", headers: Headers()) == nil)
        let closure: @Sendable (String, String, Headers) -> UInt64? = app.bodyLimit
        #expect(closure("POST", "/small", Headers()) == 16)
    }
}
