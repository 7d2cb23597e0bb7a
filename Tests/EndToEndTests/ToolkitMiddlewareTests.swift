import Foundation
import Logging
import Ringway
import RingwayTestSupport
import RingwayToolkit
import Subprocess
import Synchronization
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The toolkit's middleware on a live server, driven by curl: a preflight answered 204, CORS
/// fields on `/api`, the request id echoed, an access-log line per request; and `ringway
/// serve`'s `--access-log-format`, `--no-access-log` and `--forwarded-allow-ips` as a child
/// process whose stderr is read.
@Suite("Toolkit middleware on a live server")
struct ToolkitMiddlewareTests {
    /// Access-log lines of an in-process server.
    final class AccessLines: Sendable {
        private let storage = Mutex<[String]>([])
        var all: [String] { storage.withLock { $0 } }

        var logger: Logger {
            Logger(label: "ringway.tests.access") { _ in Handler(lines: self) }
        }

        struct Handler: LogHandler {
            let lines: AccessLines
            var logLevel: Logger.Level = .info
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) { lines.storage.withLock { $0.append(event.message.description) } }
        }
    }

    static let api = App { scope, _, send in
        try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/json")]))
        try await send(.httpResponseBody(#"{"message": "API Response", "id": "\#(scope.requestID ?? "-")"}"#))
    }

    /// Splits curl's `-D -` output into the last response's status and fields (lowercased names).
    static func head(_ output: String) -> (status: Int, fields: [String: String]) {
        let blocks = output.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        let lines = (blocks.last { $0.hasPrefix("HTTP/") } ?? "").split(separator: "\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, fields)
    }

    @Test("curl: preflight 204, CORS fields on /api only, request id echoed, one access line each", arguments: Backends.all)
    func curlThroughStack(backend: BackendKind) async throws {
        let curl = try #require(Curl.path, "curl is needed for this test")
        let lines = AccessLines()
        let app = Self.api.with(
            ProxyHeadersMiddleware(), RequestIDMiddleware(),
            LoggingMiddleware(logger: lines.logger, format: try AccessLogFormat("{method} {path} {status} {bytes} {request_id} {client}")),
            try CORSMiddleware(allowedOrigins: .any, allowedMethods: ["GET", "POST"], allowedHeaders: .any).on(pathPrefix: "/api"))
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let base = "http://127.0.0.1:\(port)"
            let preflight = try await Curl.run(curl, ["-sS", "-D", "-", "-o", "/dev/null", "-X", "OPTIONS", "-H", "origin: https://site.example",
                                                      "-H", "access-control-request-method: POST", "-H", "access-control-request-headers: x-token",
                                                      "\(base)/api/echo"])
            let preflightHead = Self.head(preflight.output)
            #expect(preflightHead.status == 204, "\(preflight.output)\(preflight.errors)")
            #expect(preflightHead.fields["access-control-allow-origin"] == "*")
            #expect(preflightHead.fields["access-control-allow-methods"] == "GET, POST")
            #expect(preflightHead.fields["access-control-allow-headers"] == "x-token")

            let refused = try await Curl.run(curl, ["-sS", "-D", "-", "-X", "OPTIONS", "-H", "origin: https://site.example",
                                                    "-H", "access-control-request-method: DELETE", "\(base)/api"])
            #expect(Self.head(refused.output).status == 400)
            #expect(refused.output.hasSuffix("Disallowed CORS method"))

            let actual = try await Curl.run(curl, ["-sS", "-D", "-", "-H", "origin: https://site.example", "-H", "x-request-id: curl-42", "\(base)/api"])
            let actualHead = Self.head(actual.output)
            #expect(actualHead.status == 200)
            #expect(actualHead.fields["access-control-allow-origin"] == "*")
            #expect(actualHead.fields["x-request-id"] == "curl-42")
            #expect(actual.output.hasSuffix(#"{"message": "API Response", "id": "curl-42"}"#))

            let outside = try await Curl.run(curl, ["-sS", "-D", "-", "-o", "/dev/null", "-H", "origin: https://site.example", "\(base)/home"])
            let outsideHead = Self.head(outside.output)
            #expect(outsideHead.fields["access-control-allow-origin"] == nil)
            let generated = try #require(outsideHead.fields["x-request-id"])
            #expect(generated.utf8.count == 15)

            let forwarded = try await Curl.run(curl, ["-sS", "-o", "/dev/null", "-H", "x-forwarded-for: 198.51.100.7", "-H", "x-request-id: fwd", "\(base)/home"])
            #expect(forwarded.status == 0)

            let logged = lines.all
            #expect(logged.count == 5, "\(logged)")
            #expect(logged.first?.hasPrefix("OPTIONS /api/echo 204 0 ") == true)
            #expect(logged.contains { $0.hasPrefix("OPTIONS /api 400 22 ") })
            #expect(logged.contains { $0.hasPrefix("GET /api 200 ") && $0.contains(" curl-42 127.0.0.1:") })
            #expect(logged.contains { $0.hasPrefix("GET /home 200 ") && $0.hasSuffix(" fwd 198.51.100.7:0") }, "\(logged)")
        }
    }

    // MARK: ringway serve

    struct Served: Sendable {
        var status: TerminationStatus?
        var log: String
    }

    /// Runs `ringway serve` with `arguments`, makes `requests` (curl arguments after the base
    /// URL's path) once it listens, then SIGTERMs it and collects its stderr.
    static func serve(_ arguments: [String], backend: BackendKind, requests: [[String]]) async throws -> Served {
        let binary = try #require(CommandLineTests.binary, "the ringway executable is built by `swift build` before tests")
        let curl = try #require(Curl.path, "curl is needed for this test")
        return try await withThrowingTaskGroup(of: Served?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(binary.path)),
                    arguments: Arguments(["serve", "--port", "0", "--loops", "1", "--backend", backend.rawValue] + arguments),
                    input: .none, output: .discarded, error: .sequence
                ) { execution in
                    var log = ""
                    for try await line in execution.standardError.strings() {
                        log += line + "\n"
                        if let port = CommandLineSignalTests.port(inListeningLine: line) {
                            for request in requests {
                                let path = request.last ?? "/"
                                _ = try await Curl.run(curl, ["-sS", "-o", "/dev/null"] + request.dropLast() + ["http://127.0.0.1:\(port)\(path)"])
                            }
                            try execution.send(signal: .terminate)
                        }
                    }
                    return log
                }
                return Served(status: result.terminationStatus, log: result.closureResult)
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let served = first else { return Served(status: nil, log: "(killed after 60 s)") }
            return served
        }
    }

    @Test("ringway serve writes the default access line with the echoed request id and the forwarded client", arguments: Backends.all)
    func serveDefaultAccessLog(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let served = try await Self.serve([], backend: backend, requests: [
            ["-H", "x-request-id: live-1", "/plaintext"],
            ["-H", "x-request-id: live-2", "-H", "x-forwarded-for: 198.51.100.7", "/json"],
        ])
        #expect(served.status == .exited(0), "\(served.log)")
        #expect(served.log.contains("HTTP GET /plaintext 200 "), "\(served.log)")
        #expect(served.log.contains("s bytes=13 id=live-1 client=127.0.0.1:"), "\(served.log)")
        #expect(served.log.contains("id=live-2 client=198.51.100.7:0"), "\(served.log)")
    }

    @Test("ringway serve --access-log-format, --no-access-log and --forwarded-allow-ips", arguments: Backends.all)
    func serveFlags(backend: BackendKind) async throws {
        if let reason = BackendSelection.probe(backend, environment: [:]) { try Test.cancel("\(backend) cannot run here: \(reason)") }
        let custom = try await Self.serve(["--access-log-format", "ACCESS {method} {target} {status} {request_id} {client}", "--forwarded-allow-ips", "10.0.0.0/8"],
                                          backend: backend, requests: [["-H", "x-request-id: c-1", "-H", "x-forwarded-for: 198.51.100.7", "/plaintext?a=1"]])
        #expect(custom.status == .exited(0), "\(custom.log)")
        // 127.0.0.1 is not in 10.0.0.0/8: the forwarded address is ignored.
        #expect(custom.log.contains("ACCESS GET /plaintext?a=1 200 c-1 127.0.0.1:"), "\(custom.log)")
        #expect(!custom.log.contains("198.51.100.7"), "\(custom.log)")

        let silent = try await Self.serve(["--no-access-log"], backend: backend, requests: [["-H", "x-request-id: quiet-1", "/plaintext"]])
        #expect(silent.status == .exited(0), "\(silent.log)")
        #expect(!silent.log.contains("quiet-1"), "\(silent.log)")
        #expect(!silent.log.contains("HTTP GET"), "\(silent.log)")
    }

    @Test("an unknown access-log token or a bad --forwarded-allow-ips fails at startup, naming it")
    func badFlags() async throws {
        let token = try await CommandLineTests.run(["serve", "--port", "0", "--access-log-format", "{method} {colour}"])
        #expect(token.status != 0)
        #expect(token.errors.contains("{colour}"), "\(token.errors)")
        let proxies = try await CommandLineTests.run(["serve", "--port", "0", "--forwarded-allow-ips", "10.0.0.0/99"])
        #expect(proxies.status != 0)
        #expect(proxies.errors.contains("10.0.0.0/99"), "\(proxies.errors)")
        let both = try await CommandLineTests.run(["serve", "--port", "0", "--no-access-log", "--access-log-format", "{status}"])
        #expect(both.status != 0)
        #expect(both.errors.contains("--no-access-log"), "\(both.errors)")
    }
}
