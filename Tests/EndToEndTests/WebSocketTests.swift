import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

@Suite("WebSocket on a live server")
struct WebSocketTests {
    static var python: String? {
        guard let python = ExternalProcess.find("python3") else { return nil }
        return python
    }

    /// A Python `websockets` client session: echo of text, binary, a large and a compressed message.
    static let echoClient = """
        import asyncio, sys, websockets
        async def main(port):
            url = f"ws://127.0.0.1:{port}/ws/echo"
            async with websockets.connect(url, compression=None, max_size=None) as ws:
                await ws.send("hello ✓")
                assert await ws.recv() == "hello ✓"
                await ws.send(bytes(range(256)))
                assert await ws.recv() == bytes(range(256))
                big = "x" * 300000
                await ws.send(big)
                assert await ws.recv() == big
            async with websockets.connect(url) as ws:
                assert ws.protocol.extensions, "permessage-deflate was not negotiated"
                text = "compress me " * 5000
                await ws.send(text)
                assert await ws.recv() == text
            print("ok")
        asyncio.run(main(int(sys.argv[1])))
        """

    @Test("Python websockets echoes text, binary, large and compressed messages", arguments: Backends.all)
    func pythonClient(backend: BackendKind) async throws {
        guard let python = Self.python else { try Test.cancel("python3 is not installed") }
        let probe = try await ExternalProcess.run(python, ["-c", "import websockets"])
        if probe.status != 0 { try Test.cancel("Python websockets is missing (scripts/bootstrap installs it)") }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let result = try await ExternalProcess.run(python, ["-c", Self.echoClient, String(port)], timeout: .seconds(60))
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output == "ok\n")
        }
    }

    @Test("bad handshakes never get 101: wrong version → 426, POST → 400, unknown path → 403", arguments: Backends.all)
    func handshakeRefusals(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let handshake = "host: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            let badVersion = try LiveClient(port: port)
            try await badVersion.send(raw: Array("GET /ws/echo HTTP/1.1\r\n\(handshake)sec-websocket-version: 8\r\n\r\n".utf8))
            let upgradeRequired = try await badVersion.readResponse()
            #expect(upgradeRequired.status == 426)
            #expect(upgradeRequired.header("sec-websocket-version") == "13")

            let post = try LiveClient(port: port)
            try await post.send(raw: Array("POST /ws/echo HTTP/1.1\r\n\(handshake)sec-websocket-version: 13\r\ncontent-length: 0\r\n\r\n".utf8))
            #expect(try await post.readResponse().status != 101)

            let badKey = try LiveClient(port: port)
            try await badKey.send(raw: Array("GET /ws/echo HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: short\r\nsec-websocket-version: 13\r\n\r\n".utf8))
            #expect(try await badKey.readResponse().status == 400)

            let refused = try LiveClient(port: port)
            try await refused.send(raw: Array("GET /elsewhere HTTP/1.1\r\n\(handshake)sec-websocket-version: 13\r\n\r\n".utf8))
            #expect(try await refused.readResponse().status == 403)

            let accepted = try LiveClient(port: port)
            try await accepted.send(raw: Array("GET /ws/echo HTTP/1.1\r\n\(handshake)sec-websocket-version: 13\r\n\r\n".utf8))
            let switching = try await accepted.readResponse()
            #expect(switching.status == 101)
            // RFC 6455 §1.3's worked example.
            #expect(switching.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        }
    }

    @Test("denial response, the peer's close code, and 1001 on graceful shutdown", arguments: Backends.all)
    func closeSemantics(backend: BackendKind) async throws {
        guard let python = Self.python else { try Test.cancel("python3 is not installed") }
        let codes = Recorder<Int>()
        let accepted = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .websocket(let socket) = scope else { return }
            _ = try await receive()
            if socket.path == "/deny" {
                try await send(.websocketHTTPResponseStart(status: 418, headers: [("content-type", "text/plain")]))
                try await send(.websocketHTTPResponseBody(body: Array("no tea".utf8)))
                return
            }
            try await send(.websocketAccept(subprotocol: socket.subprotocols.first))
            accepted.append(socket.path)
            while true {
                if case .websocketDisconnect(let code, _) = try await receive() {
                    codes.append(code)
                    return
                }
            }
        }
        let script = """
            import asyncio, sys, websockets
            async def main(port):
                try:
                    async with websockets.connect(f"ws://127.0.0.1:{port}/deny"):
                        pass
                except websockets.exceptions.InvalidStatus as error:
                    assert error.response.status_code == 418, error.response.status_code
                    assert error.response.body == b"no tea"
                async with websockets.connect(f"ws://127.0.0.1:{port}/s", subprotocols=["chat.v1"]) as ws:
                    assert ws.subprotocol == "chat.v1"
                    await ws.close(code=4001, reason="bye")
                print("ok")
            asyncio.run(main(int(sys.argv[1])))
            """
        try await withServer(app, backend: backend) { (server: Server, port: Int) async throws in
            let result = try await ExternalProcess.run(python, ["-c", script, String(port)], timeout: .seconds(30))
            #expect(result.status == 0, "\(result.errors)")
            #expect(await codes.waitForCount(1) == [4001])

            // An open socket during graceful shutdown is closed with 1001.
            let waiting = """
                import asyncio, sys, websockets
                async def main(port):
                    async with websockets.connect(f"ws://127.0.0.1:{port}/s") as ws:
                        print("open", flush=True)
                        try:
                            await ws.recv()
                        except websockets.exceptions.ConnectionClosed as closed:
                            print(closed.rcvd.code if closed.rcvd else "none")
                asyncio.run(main(int(sys.argv[1])))
                """
            async let outcome = ExternalProcess.run(python, ["-c", waiting, String(port)], timeout: .seconds(30))
            // Shut down once the second socket is open (accepted by the app).
            #expect(await accepted.waitForCount(2, timeout: .seconds(30)).count == 2)
            server.shutdown()
            let closed = try await outcome
            #expect(closed.output == "open\n1001\n", "\(closed.errors)")
        }
    }
}

@Suite("Autobahn TestSuite (kosoku) against /ws/echo", .serialized)
struct AutobahnTests {
    /// Runs the Autobahn cases `include` (minus `exclude`) and fails on any case that is not
    /// OK, NON-STRICT or INFORMATIONAL in both behaviour and close behaviour.
    static func run(_ backend: BackendKind, include: [String], exclude: [String] = []) async throws {
        guard let kosoku = ExternalProcess.find("kosoku") else { try Test.cancel("kosoku is not installed (scripts/bootstrap installs it)") }
        // Keepalive pings off, as in Autobahn's own testee setups: kosoku's harness ends a
        // running case when an unsolicited ping arrives (seen at exactly the ping interval).
        try await withServer(DemoApp(), backend: backend, loops: 1, websocket: WebSocketConfiguration(pingInterval: nil)) { (_: Server, port: Int) async throws in
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("ringway-autobahn-\(backend)-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: reports) }
            var arguments = ["ws://127.0.0.1:\(port)/ws/echo", "-p", "4", "-o", reports]
            for pattern in include { arguments += ["-i", pattern] }
            for pattern in exclude { arguments += ["-x", pattern] }
            let result = try await ExternalProcess.run(kosoku, arguments, timeout: .seconds(900))
            let index = try Data(contentsOf: URL(fileURLWithPath: reports + "/index.json"))
            let agents = try #require(try JSONSerialization.jsonObject(with: index) as? [String: [String: [String: Any]]])
            let accepted: Set<String> = ["OK", "NON-STRICT", "INFORMATIONAL"]
            var cases = 0
            var failures: [String] = []
            for (_, results) in agents {
                for (id, outcome) in results {
                    cases += 1
                    let behavior = outcome["behavior"] as? String ?? "?"
                    let close = outcome["behaviorClose"] as? String ?? "?"
                    if !accepted.contains(behavior) || !accepted.contains(close) { failures.append("\(id): \(behavior)/\(close)") }
                }
            }
            #expect(cases > 0, "kosoku ran no case: \(result.errors)")
            #expect(failures.isEmpty, "\(failures.sorted().joined(separator: ", "))")
            #expect(result.status == 0, "\(result.errors.suffix(2000))")
        }
    }

    @Test("groups 1–7, 9 and 10: framing, pings, reserved bits, opcodes, fragmentation, UTF-8, close, limits and performance, misc",
          arguments: Backends.all)
    func protocolGroups(backend: BackendKind) async throws {
        try await Self.run(backend, include: ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"])
    }

    /// The compression groups push gigabytes through zlib and kosoku's Python per run (about three
    /// minutes each on a 2-core machine, kosoku being the bottleneck), so CI runs them on io_uring,
    /// the default backend, only (the compressed path above the backend is the same code; groups
    /// 1–10 drive every backend). `RINGWAY_AUTOBAHN_FULL=1` (`scripts/test --full`) runs both
    /// groups on every backend.
    static var compressionMatrix: [(BackendKind, [String])] {
        if ProcessInfo.processInfo.environment["RINGWAY_AUTOBAHN_FULL"] == "1" {
            return Backends.all.map { ($0, ["12.*", "13.*"]) }
        }
        return [(.ioUring, ["12.*", "13.*"])]
    }

    @Test("groups 12 and 13: permessage-deflate with every parameter combination", arguments: compressionMatrix)
    func compressionGroups(backend: BackendKind, groups: [String]) async throws {
        try await Self.run(backend, include: groups)
    }
}

@Suite("WebSocket limits and keepalive")
struct WebSocketLimitTests {
    /// A raw client frame: FIN, `opcode`, masked with a fixed key.
    static func frame(_ opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x80 | opcode]
        let key: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        switch payload.count {
        case ..<126: bytes.append(0x80 | UInt8(payload.count))
        case ..<65536: bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [0x80 | 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
        }
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }

    /// A raw opening handshake for `path`, offering `extensions` when given.
    static func handshake(path: String = "/ws/echo", extensions: String? = nil) -> [UInt8] {
        Array(("GET \(path) HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n"
            + (extensions.map { "sec-websocket-extensions: \($0)\r\n" } ?? "") + "\r\n").utf8)
    }

    @Test("a client flooding messages without reading cannot grow the server's buffers: it is paused, then served", arguments: Backends.all)
    func floodWithoutReading(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port, timeout: .seconds(2))
            try await client.send(raw: Self.handshake())
            #expect(try await client.readResponse().status == 101)
            // 64 MiB of 64 KiB messages, never reading the echoes: the server must stop
            // reading (its send queue is above the high-water mark), so our writes stall
            // long before all of it is accepted.
            let message = Self.frame(0x2, [UInt8](repeating: 0x61, count: 64 * 1024))
            var accepted = 0
            for _ in 0..<1024 {
                do {
                    try await client.send(raw: message)
                    accepted += 1
                } catch {
                    break  // the send timed out: backpressure reached us
                }
            }
            #expect(accepted < 1024, "the server accepted 64 MiB without the client reading anything")
        }
    }

    @Test("a peer that stops answering pings is closed with 1011 and the app sees the disconnect", arguments: Backends.all)
    func keepaliveTimeout(backend: BackendKind) async throws {
        let codes = Recorder<Int>()
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            for try await _ in socket.messages {}
            codes.append(1)
        }
        let websocket = WebSocketConfiguration(pingInterval: .milliseconds(200), pingTimeout: .milliseconds(200))
        try await withServer(app, backend: backend, loops: 1, websocket: websocket) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/dead"))
            #expect(try await client.readResponse().status == 101)
            // Never answer the pings: the server closes with 1011 (close frame 0x88, code 0x03F3).
            let bytes = try await client.readUntilClosed()
            let close = bytes.firstRange(of: [0x88])
            #expect(close != nil)
            if let close, bytes.count >= close.lowerBound + 4 {
                #expect(Int(bytes[close.lowerBound + 2]) << 8 | Int(bytes[close.lowerBound + 3]) == 1011)
            }
            #expect(await codes.waitForCount(1).count == 1)
        }
    }
}
