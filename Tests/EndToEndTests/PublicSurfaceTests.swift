import Foundation
import Testing

/// What `import Ringway` shows: the README's embedding example type-checks against the built
/// modules as written, and the reactor, handler and parser types are not visible.
@Suite("Public surface of import Ringway")
struct PublicSurfaceTests {
    /// The build directory holding this test binary (and `Modules/`).
    static var buildDirectory: URL? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Modules/Ringway.swiftmodule").path) { return directory }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Type-checks `source` as a program importing the package's modules; the compiler's diagnostics.
    static func typecheck(_ source: String) async throws -> (status: Int32, output: String) {
        guard let build = buildDirectory else { try Test.cancel("cannot find the build directory with Modules/") }
        guard let swiftc = ExternalProcess.find("swiftc") else { try Test.cancel("swiftc is not on PATH") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-surface-\(UUID().uuidString).swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["-typecheck", "-swift-version", "6", "-I", build.appendingPathComponent("Modules").path]
        for module in ["CURing", "CZlib"] {
            let map = build.appendingPathComponent("\(module).build/module.modulemap").path
            if FileManager.default.fileExists(atPath: map) { arguments += ["-Xcc", "-fmodule-map-file=\(map)"] }
        }
        let result = try await ExternalProcess.run(swiftc, arguments + [file.path], timeout: .seconds(120))
        return (result.status, result.output + result.errors)
    }

    /// The README's first code block under "## Embedding".
    static func readmeEmbeddingExample() throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "## Embedding"))
        let rest = text[section.upperBound...]
        let open = try #require(rest.range(of: "```swift\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test("the README's embedding example compiles as written")
    func embeddingExample() async throws {
        let example = try Self.readmeEmbeddingExample()
        #expect(example.contains("Server("))
        let result = try await Self.typecheck(example)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("what an app author needs is visible")
    func visible() async throws {
        let result = try await Self.typecheck("""
            import Ringway
            let app = App { scope, receive, send in
                if let socket = WebSocket(scope, receive, send) { try await socket.accept() }
                _ = try await receive()
                try await send(.httpResponseStart(status: 200, headers: Headers()))
            }
            var http = HTTPServerConfiguration()
            http.limits = HTTPParserLimits()
            let websocket = WebSocketConfiguration()
            let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, backend: BackendKind.epoll)
            let server = Server(app: app, configuration: configuration, http: http, websocket: websocket)
            let backend = try BackendSelection.resolve(flag: nil, environment: [:], configured: .auto)
            let errors: [any Error] = [ClientDisconnected(), MessageOrderError(.bodyBeforeStart)]
            """)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("the reactor, handlers and parsers are not visible", arguments: [
        "EventLoop", "Connection", "ConnectionDelegate", "ServerRuntime", "BackendFactory", "HTTPConnectionHandler",
        "HTTPConnectionInitializer", "HTTPUpgrader", "HTTPRequestParser", "HTTPResponseSerializer", "HTTPServerExchange",
        "ResponseOrder", "WebSocketDecoder", "WebSocketConnection", "WebSocketUpgrader", "MessageChannel", "LifespanRunner",
    ])
    func hidden(name: String) async throws {
        let result = try await Self.typecheck("import Ringway\nlet value: \(name)? = nil\n")
        #expect(result.status != 0)
        #expect(result.output.contains("cannot find type '\(name)' in scope"), "\(result.output)")
    }
}
