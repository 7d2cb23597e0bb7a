import Foundation
import Ringway
import RingwayDemo
import RingwayTestSupport
import Testing

/// The demo's chat speaks the seed guide's `WebSocketChatApp` messages exactly: checked with
/// Python `websockets` (every message received must be `json.dumps` of its own parse, and one
/// of each kind equals `json.dumps` of the seed's dict) and with the test client, in memory
/// and live on every backend.
@Suite("The chat demo")
struct ChatTests {
    static let script = #"""
        import asyncio, json, re, sys, urllib.parse, websockets

        async def recv(ws):
            raw = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(raw, str), raw
            data = json.loads(raw)
            assert json.dumps(data) == raw, raw   # key order, spacing, escapes, floats: json.dumps's bytes
            return raw, data

        def joined_id(data, verb):
            match = re.fullmatch(rf"User (\d+) {verb} the room", data["message"])
            assert match, data
            return int(match.group(1))

        async def main(port):
            room = 'q"b\\s\x01\x7f é😀 /x'            # quotes, backslash, control, non-ASCII, a slash
            base = f"ws://127.0.0.1:{port}/chat/" + urllib.parse.quote(room, safe="")
            async with websockets.connect(base) as alice:
                raw, data = await recv(alice)
                a = joined_id(data, "joined")
                assert raw == json.dumps({"type": "user_joined", "message": f"User {a} joined the room", "room": room, "user_count": 1}), raw
                async with websockets.connect(base) as bob:
                    raw, data = await recv(bob)
                    b = joined_id(data, "joined")
                    assert b != a
                    expected = json.dumps({"type": "user_joined", "message": f"User {b} joined the room", "room": room, "user_count": 2})
                    assert raw == expected, raw
                    assert (await recv(alice))[0] == expected

                    # typing goes to everyone but the typist: alice's next message is her chat
                    await alice.send(json.dumps({"type": "typing"}))
                    raw, data = await recv(bob)
                    assert raw == json.dumps({"type": "typing", "user": a, "room": room}), raw
                    message = 'say "hi" \\ \n\t\x00\x1f é 😀 \ud800'   # a lone surrogate too
                    await alice.send(json.dumps({"type": "chat", "message": message}))
                    for ws in (alice, bob):
                        raw, data = await recv(ws)
                        assert isinstance(data["timestamp"], float), raw
                        assert raw == json.dumps({"type": "chat", "message": message, "user": a, "room": room, "timestamp": data["timestamp"]}), raw

                    # any JSON value is relayed as the seed relays it; a missing one is ""
                    sent = ('{"message":{"b":[1,-0,2.5,0.1,1E16,1e15,1.5e-5,5e-324,1.7976931348623157e308,1e400,-0.0,'
                            '123456789012345678901234567890,-1e-7,0.000123,1e-4,Infinity,-Infinity,true,false,null,{},[]],'
                            '"a":"x\\u00e9\\ud83d\\ude00\\/","c":1,"a":"dup"}, "type" :"chat","extra":1}')
                    value = json.loads(sent)["message"]   # Python's reading is the oracle
                    await bob.send(sent)
                    for ws in (alice, bob):
                        raw, data = await recv(ws)
                        assert raw == json.dumps({"type": "chat", "message": value, "user": b, "room": room, "timestamp": data["timestamp"]}), raw
                    await bob.send('{"type": "chat"}')
                    for ws in (alice, bob):
                        assert (await recv(ws))[1]["message"] == ""
                    await bob.send('{"type": "typing", "type": "chat", "message": NaN}')   # the last "type" wins
                    for ws in (alice, bob):
                        raw, data = await recv(ws)
                        assert data["type"] == "chat" and raw.startswith('{"type": "chat", "message": NaN, '), raw

                    # not JSON → {"error": "Invalid JSON"} to the sender only; ignored inputs
                    # (other types, non-objects, binary) answer nothing: each side's next
                    # message is bob's chat
                    for text in ("this is not json", "", "{", '{"type": "chat",}', "01", "[1,]", '"\x01"', "[" * 300):
                        await bob.send(text)
                        raw, data = await recv(bob)
                        assert raw == '{"error": "Invalid JSON"}', (text, raw)
                    for ignored in ('{"type": "other"}', '{"message": "no type"}', '{"type": 1}', "[1, 2]", '"chat"', "3", "null", b"\x00binary"):
                        await bob.send(ignored)
                    await bob.send(json.dumps({"type": "chat", "message": "after"}))
                    for ws in (alice, bob):
                        raw, data = await recv(ws)
                        assert data["message"] == "after" and data["user"] == b, raw
                raw, data = await recv(alice)
                assert raw == json.dumps({"type": "user_left", "message": f"User {b} left the room", "room": room, "user_count": 1}), raw

            # the room is the last path segment: /chat/x/other and /chat/other are one room
            async with websockets.connect(f"ws://127.0.0.1:{port}/chat/x/other") as carol:
                raw, data = await recv(carol)
                assert data["room"] == "other" and data["user_count"] == 1, raw
                async with websockets.connect(f"ws://127.0.0.1:{port}/chat/other") as dave:
                    raw, data = await recv(dave)
                    assert data["room"] == "other" and data["user_count"] == 2, raw
            print("ok")

        asyncio.run(main(int(sys.argv[1])))
        """#

    @Test("Python websockets: the seed's messages byte for byte, typing to others, Invalid JSON to the sender, user_left with the new count", arguments: Backends.all)
    func pythonClient(backend: BackendKind) async throws {
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
            #expect(page.text.contains("user_joined") && page.text.contains(#"{type: "typing"}"#))
        }
    }

    @Test("the test client in memory: the seed's messages exact, in order, to the right sockets")
    func inMemory() async throws {
        try await TestClient(app: DemoApp()).withSession { session in
            try await Self.conversation(session)
        }
    }

    @Test("the test client live: the seed's messages exact, in order, to the right sockets", arguments: Backends.all)
    func live(backend: BackendKind) async throws {
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            try await Self.conversation(TestSession.live(port: port))
        }
    }

    /// Two members of one room: joins, typing, chat, bad input, a leave; every message
    /// compared as bytes and as parsed JSON.
    static func conversation(_ session: TestSession) async throws {
        let room = "caf\u{E9} \"1\""
        let path = "/chat/caf%C3%A9%20%221%22"
        let alice = try await session.websocket(path)
        let a = try await joinedID(alice, count: 1, room: room)
        let bob = try await session.websocket(path)
        let b = try await joinedID(bob, count: 2, room: room)
        #expect(a != b)
        #expect(try await alice.receiveText() == joined(b, count: 2))

        try await alice.send(text: #"{"type":"typing"}"#)
        #expect(try await bob.receiveText() == #"{"type": "typing", "user": \#(a), "room": "caf\u00e9 \"1\""}"#)
        try await alice.send(text: #"{"type":"chat","message":"hi \"bob\" ✓"}"#)
        for socket in [alice, bob] {  // alice got no typing event: her chat comes first
            let text = try await socket.receiveText()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let parsed = try #require(object["timestamp"] as? Double)
            #expect(object["user"] as? Int == Int(a))
            #expect(object["message"] as? String == "hi \"bob\" ✓")
            #expect(object["room"] as? String == room)
            let prefix = #"{"type": "chat", "message": "hi \"bob\" \u2713", "user": \#(a), "room": "caf\u00e9 \"1\"", "timestamp": "#
            #expect(text.hasPrefix(prefix) && text.hasSuffix("}"), "\(text)")
            // Read the float itself: Foundation's JSON parser on Linux rounds the last digit.
            let timestamp = try #require(Double(text.dropFirst(prefix.count).dropLast()))
            #expect(abs(parsed - timestamp) < 1e-3)
            #expect(abs(timestamp - Date().timeIntervalSince1970) < 3600)  // wall-clock seconds
        }

        try await bob.send(text: "not json")
        #expect(try await bob.receiveText() == #"{"error": "Invalid JSON"}"#)
        try await bob.send(bytes: Array(#"{"type":"chat","message":"binary"}"#.utf8))  // ignored
        try await bob.send(text: "[1]")  // ignored
        try await bob.send(text: #"{"type":"chat"}"#)
        for socket in [alice, bob] {  // no error reached alice, nothing answered the ignored ones
            let text = try await socket.receiveText()
            #expect(text.hasPrefix(#"{"type": "chat", "message": "", "user": \#(b), "#), "\(text)")
        }

        try await bob.close()
        #expect(try await alice.receiveText() == #"{"type": "user_left", "message": "User \#(b) left the room", "room": "caf\u00e9 \"1\"", "user_count": 1}"#)
        try await alice.close()
    }

    /// Reads a `user_joined` and checks it byte for byte; returns the id in its text.
    static func joinedID(_ socket: TestWebSocket, count: Int, room: String) async throws -> Int {
        let text = try await socket.receiveText()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "user_joined")
        #expect(object["room"] as? String == room)
        #expect(object["user_count"] as? Int == count)
        let message = try #require(object["message"] as? String)
        let id = try #require(Int(message.dropFirst("User ".count).prefix { $0.isNumber }))
        #expect(text == joined(id, count: count))
        return id
    }

    static func joined(_ id: Int, count: Int) -> String {
        #"{"type": "user_joined", "message": "User \#(id) joined the room", "room": "caf\u00e9 \"1\"", "user_count": \#(count)}"#
    }

    @Test("an empty room is refused; the room is the last raw segment, percent-decoded", arguments: [
        ("/chat/", nil), ("/chat/a/", nil), ("/chat/a/b", "b"), ("/chat/a%2Fb", "a/b"), ("/chat/%E2%9C%93", "✓"),
    ] as [(String, String?)])
    func roomFromPath(path: String, room: String?) async throws {
        try await TestClient(app: DemoApp()).withSession { session in
            guard let room else {
                await #expect(throws: WebSocketRefused.self) { _ = try await session.websocket(path) }
                return
            }
            let socket = try await session.websocket(path)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(try await socket.receiveText().utf8)) as? [String: Any])
            #expect(object["room"] as? String == room)
            try await socket.close()
        }
    }
}
