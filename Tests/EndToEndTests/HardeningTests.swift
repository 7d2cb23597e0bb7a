import Foundation
import Ringway
import RingwayTestSupport
import Testing

/// Limits, timeouts and the HTTP/1.1 extensions of the hardened handler, on every backend.
@Suite("HTTP hardening: timeouts, limits, 100-continue, trailers, pathsend")
struct HardeningTests {
    /// Reads the whole body and echoes it with the size it saw.
    static let echoApp = App { scope, receive, send in
        guard case .http(let request) = scope else { return }
        var body: [UInt8] = []
        var trailers = Headers()
        loop: while true {
            switch try await receive() {
            case .httpRequest(let chunk, let more):
                body += chunk
                if !more { break loop }
            default:
                return
            }
        }
        // Trailers come in their own receive() after the body; a client announces them with
        // the `trailer` field (without it, receive() would wait for the disconnect, as ASGI says).
        if request.headers.contains("trailer"), case .httpRequestTrailers(let fields) = try await receive() { trailers = fields }
        var headers: Headers = [("content-type", "application/octet-stream")]
        if let checksum = trailers["x-checksum"] { headers.append(name: "x-seen-checksum", value: checksum) }
        try await send(.httpResponseStart(status: 200, headers: headers))
        try await send(.httpResponseBody(body: body))
    }

    static let short = HTTPServerConfiguration(
        headerTimeout: .milliseconds(400), bodyTimeout: .milliseconds(400),
        keepAliveTimeout: .milliseconds(400), sendTimeout: .milliseconds(400))

    @Test("a request head that does not arrive in time gets 408 and a close", arguments: Backends.all)
    func headerTimeout(backend: BackendKind) async throws {
        try await withServer(Self.echoApp, backend: backend, http: Self.short) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET / HTTP/1.1\r\nhost: x\r\nx-slow: ".utf8))
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.header("connection") == "close")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("slowloris: 500 trickling connections are cut off at the header timeout while normal traffic flows", arguments: Backends.all)
    func slowloris(backend: BackendKind) async throws {
        let http = HTTPServerConfiguration(headerTimeout: .seconds(1))
        try await withServer(Self.echoApp, backend: backend, loops: 2, http: http) { (_: Server, port: Int) async throws in
            let attackers = try (0..<500).map { _ in try LiveClient(port: port) }
            let start = ContinuousClock.now
            // Each attacker sends one header byte at a time (bounded to 3 s of trickling);
            // between rounds, normal traffic on another connection must keep being served.
            let head = Array("GET / HTTP/1.1\r\nhost: x\r\nx-a: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8)
            var position = 0
            var served = 0
            while ContinuousClock.now - start < .seconds(3), position < head.count {
                for attacker in attackers { try? await attacker.send(raw: [head[position]]) }
                position += 1
                // A fresh connection each round: a kept-alive one would rightly be cut by the
                // header timeout if a round took longer than it on a loaded machine.
                let response = try await LiveClient(port: port).post("/echo", body: Array("ok \(position)".utf8))
                #expect(response.status == 200 && response.text == "ok \(position)")
                served += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(served == position)
            var cutOff = 0
            for attacker in attackers {
                if let response = try? await attacker.readResponse(), response.status == 408 { cutOff += 1 }
            }
            #expect(cutOff == attackers.count)
            // And the server still serves after the attack.
            #expect(try await LiveClient(port: port).get("/").status == 200)
        }
    }

    @Test("an idle keep-alive connection is closed after the keep-alive timeout", arguments: Backends.all)
    func keepAliveTimeout(backend: BackendKind) async throws {
        try await withServer(Self.echoApp, backend: backend, http: Self.short) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            #expect(try await client.get("/").status == 200)
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("a stalled request body gets 408 and the app sees http.disconnect", arguments: Backends.all)
    func bodyTimeout(backend: BackendKind) async throws {
        try await withServer(Self.echoApp, backend: backend, http: Self.short) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nhello".utf8))
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("a client that reads nothing is disconnected after the send timeout", arguments: Backends.all)
    func sendTimeout(backend: BackendKind) async throws {
        let outcome = Recorder<String>()
        let app = App { scope, _, send in
            guard case .http = scope else { return }
            try await send(.httpResponseStart(status: 200))
            do {
                for _ in 0..<10_000 {
                    try await send(.httpResponseBody(body: [UInt8](repeating: 1, count: 64 * 1024), moreBody: true))
                }
                outcome.append("finished")
            } catch is ClientDisconnected {
                outcome.append("disconnected")
            }
        }
        try await withServer(app, backend: backend, http: Self.short) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET / HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(await outcome.waitForCount(1) == ["disconnected"])
        }
    }

    @Test("body limits: 413 from content-length, from a growing chunked body, and a per-route override", arguments: Backends.all)
    func bodyLimits(backend: BackendKind) async throws {
        let http = HTTPServerConfiguration(
            limits: HTTPParserLimits(maxBodyBytes: 1 << 20),
            bodyLimit: { _, path, _ in path == "/small" ? 100 : nil })
        try await withServer(Self.echoApp, backend: backend, http: http) { (_: Server, port: Int) async throws in
            let declared = try LiveClient(port: port)
            try await declared.send(raw: Array("POST /small HTTP/1.1\r\nhost: x\r\ncontent-length: 101\r\n\r\n".utf8))
            let first = try await declared.readResponse()
            #expect(first.status == 413)
            #expect(await declared.isClosedByPeer())

            let chunked = try LiveClient(port: port)
            let chunk = String(repeating: "z", count: 60)
            try await chunked.send(raw: Array("POST /small HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3c\r\n\(chunk)\r\n3c\r\n\(chunk)\r\n0\r\n\r\n".utf8))
            #expect(try await chunked.readResponse().status == 413)

            let allowed = try LiveClient(port: port)
            let big = [UInt8](repeating: 7, count: 200_000)
            let ok = try await allowed.post("/big", body: big)
            #expect(ok.status == 200)
            #expect(ok.body.elementsEqual(big))
            let tooBig = try LiveClient(port: port)
            try await tooBig.send(raw: Array("POST /big HTTP/1.1\r\nhost: x\r\ncontent-length: \((1 << 20) + 1)\r\n\r\n".utf8))
            #expect(try await tooBig.readResponse().status == 413)
        }
    }

    @Test("Expect: 100-continue is answered only when the app reads the body; other expectations get 417", arguments: Backends.all)
    func expectContinue(backend: BackendKind) async throws {
        let app = App { scope, receive, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/ignore-body" {
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody("not reading"))
                return
            }
            var body: [UInt8] = []
            while case .httpRequest(let chunk, let more) = try await receive() {
                body += chunk
                if !more { break }
            }
            try await send(.httpResponseStart(status: 200))
            try await send(.httpResponseBody(body: body))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let reader = try LiveClient(port: port)
            try await reader.send(raw: Array("POST /read HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n".utf8))
            let interim = try await reader.readRaw(count: 25)
            #expect(interim.text == "HTTP/1.1 100 Continue\r\n\r\n")
            try await reader.send(raw: Array("hello".utf8))
            let echoed = try await reader.readResponse()
            #expect(echoed.status == 200 && echoed.text == "hello")

            let ignorer = try LiveClient(port: port)
            try await ignorer.send(raw: Array("POST /ignore-body HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n".utf8))
            let direct = try await ignorer.readRaw(count: 12)
            #expect(direct.text == "HTTP/1.1 200")

            let odd = try LiveClient(port: port)
            let refused = try await odd.get("/read", headers: [("expect", "something-else")])
            #expect(refused.status == 417)
        }
    }

    @Test("trailers: request trailers reach the app, response trailers reach the client", arguments: Backends.all)
    func trailers(backend: BackendKind) async throws {
        let app = App { scope, receive, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/echo" {
                try await Self.echoApp(scope, receive, send)
                return
            }
            try await send(.httpResponseStart(status: 200, headers: [("trailer", "x-digest")], trailers: true))
            try await send(.httpResponseBody("body", moreBody: false))
            try await send(.httpResponseTrailers(headers: [("x-digest", "abc123")]))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ntrailer: x-checksum\r\n\r\n4\r\ndata\r\n0\r\nx-checksum: 42\r\n\r\n".utf8))
            let echoed = try await client.readResponse()
            #expect(echoed.text == "data")
            #expect(echoed.header("x-seen-checksum") == "42")

            let withTrailers = try await client.get("/trailers")
            #expect(withTrailers.header("transfer-encoding") == "chunked")
            #expect(withTrailers.text == "body")
            #expect(withTrailers.trailers["x-digest"] == "abc123")
            // The connection is still in sync after the trailer section.
            #expect(try await client.get("/trailers").text == "body")
        }
    }

    @Test("pathsend serves a file with its length; a missing file is a 500", arguments: Backends.all)
    func pathsend(backend: BackendKind) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-pathsend-\(UUID().uuidString)").path
        let content = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let app = App { scope, _, send in
            guard case .http(let request) = scope else { return }
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/octet-stream")]))
            try await send(.httpResponsePathsend(path: request.path == "/missing" ? path + ".missing" : path))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let response = try await client.get("/file")
            #expect(response.status == 200)
            #expect(response.header("content-length") == String(content.count))
            #expect(response.body.elementsEqual(content))
            #expect(try await client.get("/missing").status == 500)
            let memory = try await TestClient(app: app).get("/file")
            #expect(memory.body.elementsEqual(content))
        }
    }

    @Test("over maxConnections a new connection gets 503 and is closed", arguments: Backends.all)
    func maxConnections(backend: BackendKind) async throws {
        // Header and keep-alive timeouts far beyond the test: a slow machine must not see 408 instead of 503.
        let patient = HTTPServerConfiguration(headerTimeout: .seconds(120), keepAliveTimeout: .seconds(120))
        try await withServer(Self.echoApp, backend: backend, loops: 1, maxConnections: 2, http: patient) { (_: Server, port: Int) async throws in
            let first = try LiveClient(port: port)
            let second = try LiveClient(port: port)
            #expect(try await first.get("/").status == 200)
            #expect(try await second.get("/").status == 200)
            let third = try LiveClient(port: port)
            let refused = try await third.readResponse()
            #expect(refused.status == 503)
            #expect(refused.header("retry-after") == "1")
            #expect(await third.isClosedByPeer())
        }
    }

    @Test("bodiless statuses and HEAD carry no body; a content-length the app breaks closes the connection", arguments: Backends.all)
    func framingRules(backend: BackendKind) async throws {
        let errors = Recorder<String>()
        let app = App { scope, _, send in
            guard case .http(let request) = scope else { return }
            switch request.path {
            case "/204":
                try await send(.httpResponseStart(status: 204))
                try await send(.httpResponseBody("ignored"))
            case "/304":
                try await send(.httpResponseStart(status: 304, headers: [("etag", "\"v1\"")]))
                try await send(.httpResponseBody())
            case "/short":
                do {
                    try await send(.httpResponseStart(status: 200, headers: [("content-length", "10")]))
                    try await send(.httpResponseBody("12345"))
                } catch let error as MessageOrderError {
                    errors.append("\(error)")
                }
            default:
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody("full body"))
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let noContent = try await client.get("/204")
            #expect(noContent.status == 204 && noContent.body.isEmpty && noContent.header("content-length") == nil)
            let notModified = try await client.get("/304")
            #expect(notModified.status == 304 && notModified.body.isEmpty)
            let head = try await client.request("HEAD", "/page")
            #expect(head.body.isEmpty && head.header("content-length") == "9")
            #expect(try await client.get("/page").text == "full body")

            let short = try LiveClient(port: port)
            try await short.send(raw: Array("GET /short HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            _ = try await short.readUntilClosed()
            #expect(await errors.waitForCount(1).first?.contains("content-length is 10") == true)
        }
    }
}

@Suite("Unread bodies, absolute-form targets and hostile bytes")
struct RobustnessTests {
    /// Answers without reading the body.
    static let hastyApp = App { scope, _, send in
        guard case .http(let request) = scope else { return }
        try await send(.httpResponseStart(status: 200))
        try await send(.httpResponseBody("\(request.method) \(request.path) \(request.query)"))
    }

    @Test("a response before the body was read: a small body is drained, a large one closes", arguments: Backends.all)
    func unreadBody(backend: BackendKind) async throws {
        try await withServer(Self.hastyApp, backend: backend) { (_: Server, port: Int) async throws in
            let small = try LiveClient(port: port)
            let body = String(repeating: "s", count: 10_000)
            try await small.send(raw: Array("POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 10000\r\n\r\n\(body)GET /b HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            #expect(try await small.readResponse().text == "POST /a ")
            #expect(try await small.readResponse().text == "GET /b ")

            let large = try LiveClient(port: port)
            try await large.send(raw: Array("POST /big HTTP/1.1\r\nhost: x\r\ncontent-length: 900000\r\n\r\n".utf8))
            let response = try await large.readResponse()
            #expect(response.text == "POST /big ")
            try? await large.send(raw: [UInt8](repeating: 0x6C, count: 300_000))
            #expect(await large.isClosedByPeer())
        }
    }

    @Test("an absolute-form target is split into path and query", arguments: Backends.all)
    func absoluteForm(backend: BackendKind) async throws {
        try await withServer(Self.hastyApp, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET http://example.test/p%20q?x=1 HTTP/1.1\r\nhost: example.test\r\n\r\n".utf8))
            #expect(try await client.readResponse().text == "GET /p q x=1")
        }
    }

    @Test("hostile bytes: 400 mutated requests never crash the server or disturb a healthy connection", arguments: Backends.all)
    func liveFuzz(backend: BackendKind) async throws {
        // A long keep-alive: on a loaded machine 50 rounds can outlast the 15 s default, and
        // closing an idle connection then would be right, not a disturbance.
        let http = HTTPServerConfiguration(keepAliveTimeout: .seconds(600))
        try await withServer(Self.hastyApp, backend: backend, http: http) { (_: Server, port: Int) async throws in
            let healthy = try LiveClient(port: port)
            var generator = SplitMix64(seed: 0x5EED_0000 &+ UInt64(backend.rawValue.count))
            let seeds = [
                "GET /a?b=c HTTP/1.1\r\nhost: x\r\naccept: */*\r\n\r\n",
                "POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello",
                "POST /c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nt: 1\r\n\r\n",
            ].map { Array($0.utf8) }
            for round in 0..<400 {
                var bytes = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 4 {
                    case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                    case 1: bytes.remove(at: position)
                    case 2: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                    default: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 8)], at: position)
                    }
                }
                let client = try LiveClient(port: port, timeout: .seconds(5))
                try? await client.send(raw: bytes)
                client.shutdownWrite()
                _ = try? await client.readUntilClosed()  // any answer, then a close: never a hang
                if round % 50 == 0 { #expect(try await healthy.get("/ok").status == 200) }
            }
            #expect(try await healthy.get("/still").text == "GET /still ")
        }
    }
}

/// A small deterministic generator for reproducible mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
