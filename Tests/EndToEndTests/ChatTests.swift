import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

@Suite("The chat demo")
struct ChatTests {
    static let script = """
        import asyncio, json, sys, websockets
        async def recv(ws):
            return json.loads(await asyncio.wait_for(ws.recv(), 10))
        async def main(port):
            base = f"ws://127.0.0.1:{port}/chat/room-1"
            async with websockets.connect(base + "?user=alice") as alice:
                assert await recv(alice) == {"type": "join", "user": "alice", "count": 1}
                async with websockets.connect(base + "?user=bob") as bob:
                    assert await recv(bob) == {"type": "join", "user": "bob", "count": 2}
                    assert await recv(alice) == {"type": "join", "user": "bob", "count": 2}
                    await alice.send(json.dumps({"type": "typing"}))
                    assert await recv(bob) == {"type": "typing", "user": "alice"}
                    await alice.send(json.dumps({"type": "chat", "message": "hi bob"}))
                    for ws in (alice, bob):   # the typist got no typing event: chat comes first
                        event = await recv(ws)
                        assert event["type"] == "chat" and event["user"] == "alice" and event["message"] == "hi bob", event
                        assert event["timestamp"].endswith("Z"), event
                    await bob.send("this is not json")
                    assert await recv(bob) == {"error": "Invalid JSON"}
                assert await recv(alice) == {"type": "leave", "user": "bob", "count": 1}
            async with websockets.connect(f"ws://127.0.0.1:{port}/chat/other?user=carol") as carol:
                assert await recv(carol) == {"type": "join", "user": "carol", "count": 1}
            print("ok")
        asyncio.run(main(int(sys.argv[1])))
        """

    @Test("rooms, join/leave with counts, chat with user and timestamp, typing to others, invalid JSON", arguments: Backends.all)
    func chatProtocol(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        let probe = try await ExternalProcess.run(python, ["-c", "import websockets"])
        if probe.status != 0 { try Test.cancel("Python websockets is missing (scripts/bootstrap installs it)") }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let result = try await ExternalProcess.run(python, ["-c", Self.script, String(port)], timeout: .seconds(60))
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output == "ok\n")
            let page = try await LiveClient(port: port).get("/chat")
            #expect(page.status == 200)
            #expect(page.text.contains("location.host"))  // connects back to the server it came from
        }
    }
}
