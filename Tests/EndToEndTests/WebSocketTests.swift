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
        try await withServer(DemoApp(), backend: backend, loops: 1) { (_: Server, port: Int) async throws in
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

    @Test("groups 1–7 and 10: framing, pings, reserved bits, opcodes, fragmentation, UTF-8, close, misc", arguments: Backends.all)
    func protocolGroups(backend: BackendKind) async throws {
        try await Self.run(backend, include: ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"])
    }
}
