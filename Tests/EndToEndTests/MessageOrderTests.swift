import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

@Suite("Message order and app errors")
struct MessageOrderTests {
    /// An app that misuses the interface in the way `path` names and records the error.
    static func misusingApp(_ errors: Recorder<String>) -> App {
        App { scope, _, send in
            guard case .http(let request) = scope else { return }
            do {
                switch request.path {
                case "/body-before-start":
                    try await send(.httpResponseBody("too early"))
                case "/double-start":
                    try await send(.httpResponseStart(status: 200))
                    try await send(.httpResponseStart(status: 200))
                case "/start-body-double-start":
                    try await send(.httpResponseStart(status: 200))
                    try await send(.httpResponseBody("partial", moreBody: true))
                    try await send(.httpResponseStart(status: 200))
                case "/after-complete":
                    try await send(.httpResponseStart(status: 200))
                    try await send(.httpResponseBody("done"))
                    try await send(.httpResponseBody("again"))
                case "/lifespan-message":
                    try await send(.lifespanStartupComplete)
                default:
                    break
                }
            } catch let error as MessageOrderError {
                errors.append("\(error.kind)")
                throw error
            }
        }
    }

    @Test("misuse raises the typed error in memory and on a live server", arguments: Backends.all)
    func typedErrors(backend: BackendKind) async throws {
        let expected: [(String, String, Int)] = [
            ("/body-before-start", "\(MessageOrderError.Kind.bodyBeforeStart)", 500),
            // The first start has not reached the wire yet (no body): still a clean 500.
            ("/double-start", "\(MessageOrderError.Kind.duplicateStart)", 500),
            ("/start-body-double-start", "\(MessageOrderError.Kind.duplicateStart)", 0),
            ("/after-complete", "\(MessageOrderError.Kind.sendAfterResponseComplete)", 200),
            ("/lifespan-message", "\(MessageOrderError.Kind.unexpectedMessage(type: "lifespan.startup.complete", scope: "http"))", 500),
        ]
        // In memory: the TestClient rethrows the app's error.
        let memoryErrors = Recorder<String>()
        let memory = TestClient(app: Self.misusingApp(memoryErrors))
        for (path, _, _) in expected {
            await #expect(throws: MessageOrderError.self) { _ = try await memory.get(path) }
        }
        #expect(memoryErrors.all == expected.map(\.1))

        // Live: the same errors reach the app; the client sees 500, a complete response, or a close.
        let liveErrors = Recorder<String>()
        try await withServer(Self.misusingApp(liveErrors), backend: backend) { (_: Server, port: Int) async throws in
            for (path, _, status) in expected {
                let client = try LiveClient(port: port)
                if status == 0 {
                    // Started on the wire but never finished: the server closes the connection
                    // without a terminating chunk, so the client cannot mistake it for complete.
                    try await client.send(raw: Array("GET \(path) HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
                    let bytes = try await client.readUntilClosed().text
                    #expect(bytes.contains("partial"))
                    #expect(!bytes.hasSuffix("0\r\n\r\n"))
                } else {
                    let response = try await client.get(path)
                    #expect(response.status == status, "\(path)")
                    if status == 500 { #expect(response.text == "Internal Server Error\n") }
                }
            }
            #expect(await liveErrors.waitForCount(expected.count) == expected.map(\.1))
        }
    }

    @Test("an app that throws before responding gets a 500 without internal detail", arguments: Backends.all)
    func appThrows(backend: BackendKind) async throws {
        struct Secret: Error { let password = "hunter2" }
        let app = App { scope, _, _ in
            guard case .http = scope else { return }
            throw Secret()
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let response = try await client.get("/")
            #expect(response.status == 500)
            #expect(!response.text.contains("hunter2"))
            // The connection stays usable after a clean 500.
            #expect(try await client.get("/").status == 500)
        }
    }

    @Test("an app that returns without responding gets a 500", arguments: Backends.all)
    func appReturnsSilently(backend: BackendKind) async throws {
        try await withServer(App { _, _, _ in }, backend: backend) { (_: Server, port: Int) async throws in
            #expect(try await LiveClient(port: port).get("/").status == 500)
        }
    }

    @Test("TestClient runs the demo app in memory")
    func testClientDemo() async throws {
        let client = TestClient(app: DemoApp())
        let plaintext = try await client.get("/plaintext")
        #expect(plaintext.status == 200 && plaintext.text == "Hello, World!")
        let echo = try await client.request("POST", "/echo", headers: [("Content-Type", "text/x")], bodyChunks: [Array("a".utf8), Array("bc".utf8)])
        #expect(echo.text == "abc")
        #expect(echo.header("content-type") == "text/x")
        #expect(try await TestClient(app: App { _, _, _ in }).get("/").status == 500)
    }
}
