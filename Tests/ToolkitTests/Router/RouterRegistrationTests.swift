import RingwayToolkit
import Testing

/// A registration and the exact problem `build()` reports for it.
struct RegistrationCase: Sendable, CustomStringConvertible {
    let method: String
    let pattern: String
    let problem: String
    var description: String { "\(method) \(pattern)" }
}

@Suite("Router registration errors")
struct RouterRegistrationTests {
    static let malformed: [RegistrationCase] = [
        RegistrationCase(method: "GET", pattern: "users", problem: "Routes.swift:3: GET users: a pattern starts with /"),
        RegistrationCase(method: "GET", pattern: "", problem: "Routes.swift:3: GET : a pattern starts with /"),
        RegistrationCase(method: "GET", pattern: "/a//b", problem: "Routes.swift:3: GET /a//b: empty segment (//)"),
        RegistrationCase(method: "GET", pattern: "/a/{id", problem: "Routes.swift:3: GET /a/{id: unbalanced { or } (write {{ and }} for literal braces)"),
        RegistrationCase(method: "GET", pattern: "/a/id}", problem: "Routes.swift:3: GET /a/id}: unbalanced { or } (write {{ and }} for literal braces)"),
        RegistrationCase(method: "GET", pattern: "/a/{}", problem: "Routes.swift:3: GET /a/{}: empty parameter {}"),
        RegistrationCase(method: "GET", pattern: "/a/{id:integer}", problem: #"Routes.swift:3: GET /a/{id:integer}: unknown parameter type "integer" (int, uuid or str)"#),
        RegistrationCase(method: "GET", pattern: "/a/{1d}", problem: #"Routes.swift:3: GET /a/{1d}: parameter name "1d" is not an identifier"#),
        RegistrationCase(method: "GET", pattern: "/a/{id}/{id}", problem: #"Routes.swift:3: GET /a/{id}/{id}: parameter "id" appears twice"#),
        RegistrationCase(method: "GET", pattern: "/a/{x}-{y}", problem: "Routes.swift:3: GET /a/{x}-{y}: two parameters in one segment"),
        RegistrationCase(method: "GET", pattern: "/a/{rest...}/b", problem: "Routes.swift:3: GET /a/{rest...}/b: {rest...} must be the whole last segment"),
        RegistrationCase(method: "GET", pattern: "/a/x{rest...}", problem: "Routes.swift:3: GET /a/x{rest...}: {rest...} must be the whole last segment"),
        RegistrationCase(method: "GET", pattern: "/a/{rest:int...}", problem: "Routes.swift:3: GET /a/{rest:int...}: {rest:int} is a catch-all and takes no type"),
        RegistrationCase(method: "GET", pattern: "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", problem: "Routes.swift:3: GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}: 9 parameters, at most 8"),
        RegistrationCase(method: "GE T", pattern: "/a", problem: "Routes.swift:3: GE T /a: the method is not an HTTP token"),
        RegistrationCase(method: "MOUNT", pattern: "/t/{tenant}", problem: "Routes.swift:3: MOUNT /t/{tenant}: a mount prefix is static (use a group for parameters)"),
    ]

    @Test("a malformed registration is reported with its file:line", arguments: malformed)
    func malformedPattern(_ registration: RegistrationCase) {
        let router = Router()
        if registration.method == "MOUNT" {
            router.mount(registration.pattern, noop, file: "Sources/App/Routes.swift", line: 3)
        } else {
            router.on(HTTPMethod(rawValue: registration.method), registration.pattern, noop, file: "App/Routes.swift", line: 3)
        }
        #expect(throws: RouterError.self) { try router.build() }
        do {
            _ = try router.build()
        } catch {
            #expect(error.problems.map(\.description) == [registration.problem])
        }
    }

    @Test("56 methods besides the standard seven fit; the 57th is reported")
    func methodSlots() {
        let router = Router()
        for index in 0..<57 { router.on(HTTPMethod(rawValue: "M\(index)"), "/a", noop, file: "Routes.swift", line: 5) }
        do {
            _ = try router.build()
            Issue.record("57 custom methods were accepted")
        } catch {
            #expect(error.problems.map(\.description) == ["Routes.swift:5: M56 /a: more than 56 methods besides the standard seven"])
        }
    }

    @Test("literal braces are written {{ and }}")
    func escapedBraces() throws {
        let app = try router(["GET /a/{{x}}", "GET /b/{{{id}}}"])
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/a/{x}".utf8))) == .route("/a/{{x}}"))
        #expect(Expected(app.resolve(method: "GET", rawPath: Array("/b/{7}".utf8))) == .route("/b/{{{id}}}", ["id": "7"]))
    }

    @Test("every problem of one build is reported, in registration order")
    func conflicts() {
        let router = Router()
        router.get("/users/{id}", noop, file: "Routes.swift", line: 9)
        router.get("/users/{id:int}", noop, file: "Routes.swift", line: 10)  // another type: allowed
        router.post("/users/{uid}", noop, file: "Routes.swift", line: 11)    // another method: allowed
        router.get("bad", noop, file: "Routes.swift", line: 12)
        router.get("/users/{uid}", noop, file: "Routes.swift", line: 14)
        router.get("/n/{a:int}", noop, file: "Routes.swift", line: 15)
        router.get("/n/{b:int}", noop, file: "Routes.swift", line: 16)
        router.websocket("/ws", noop, file: "Routes.swift", line: 17)
        router.websocket("/ws", noop, file: "Routes.swift", line: 18)
        router.get("/static/{path...}", noop, file: "Routes.swift", line: 19)
        router.mount("/static", noop, file: "Routes.swift", line: 20)
        router.mount("/legacy", noop, file: "Routes.swift", line: 21)
        router.mount("/legacy/", noop, file: "Routes.swift", line: 22)
        #expect(throws: RouterError.self) { try router.build() }
        do {
            _ = try router.build()
        } catch {
            #expect(error.problems.map(\.description) == [
                "Routes.swift:12: GET bad: a pattern starts with /",
                "Routes.swift:14: GET /users/{uid} conflicts with GET /users/{id} (Routes.swift:9): both match the same paths",
                "Routes.swift:16: GET /n/{b:int} conflicts with GET /n/{a:int} (Routes.swift:15): both match the same paths",
                "Routes.swift:18: WS /ws conflicts with WS /ws (Routes.swift:17): both match the same paths",
                "Routes.swift:22: MOUNT /legacy/ conflicts with MOUNT /legacy (Routes.swift:21): both take every path under the prefix",
                "Routes.swift:20: MOUNT /static conflicts with GET /static/{path...} (Routes.swift:19): both take every path under the prefix",
            ])
            #expect(error.description.split(separator: "\n").count == 6)
        }
    }

    @Test("a clean router lists its routes with where they were registered")
    func routeList() throws {
        let router = Router()
        router.get("/users/{id:int}", noop, file: "App/Routes.swift", line: 12).websocket("/ws", noop, file: "App/Routes.swift", line: 13)
        router.mount("/admin", noop, file: "App/Routes.swift", line: 14)
        let app = try router.build()
        #expect(app.routes.map(\.description) == [
            "GET /users/{id:int}  (Routes.swift:12)", "WS /ws  (Routes.swift:13)", "MOUNT /admin  (Routes.swift:14)",
        ])
    }
}
