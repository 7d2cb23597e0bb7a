import Ringway
import RingwayTestSupport
import Testing

/// WebSocket sessions through the test client's one API, in memory and live on every backend.
@Suite("WebSocket sessions, in memory and live")
struct WebSocketSessionTests {
    /// Echoes text and binary; `/json` doubles a number; `/deny` refuses with 403, `/teapot`
    /// with a denial response; `/policy` accepts then closes with 1008; the query picks a subprotocol.
    static let app = App { scope, receive, send in
        guard case .websocket(let ws) = scope, let socket = WebSocket(scope, receive, send) else { return }
        switch ws.path {
        case "/deny":
            try await socket.reject()
        case "/teapot":
            _ = try await receive()
            try await send(.websocketHTTPResponseStart(status: 418, headers: [("content-type", "text/plain")]))
            try await send(.websocketHTTPResponseBody(body: Array("short and stout".utf8)))
        case "/policy":
            try await socket.accept()
            try await socket.close(code: 1008, reason: "no token")
        default:
            try await socket.accept(subprotocol: ws.subprotocols.first)
            for try await message in socket.messages {
                switch message {
                case .text(let text) where ws.path == "/json":
                    let number = Int(text.filter(\.isNumber)) ?? 0
                    try await socket.send(text: "{\"doubled\":\(number * 2)}")
                case .text(let text):
                    try await socket.send(text: "\(ws.query):\(text)")
                case .binary(let bytes):
                    try await socket.send(bytes: bytes.reversed())
                }
            }
        }
    }

    @Test("echo text and binary, query and subprotocol, client close", arguments: ClientTransport.all)
    func echo(transport: ClientTransport) async throws {
        try await withSession(Self.app, on: transport) { (session: TestSession) async throws in
            let socket = try await session.websocket("/echo", query: [("room", "a")], subprotocols: ["chat.v2", "chat.v1"])
            #expect(socket.subprotocol == "chat.v2")
            try await socket.send(text: "hello")
            #expect(try await socket.receiveText() == "room=a:hello")
            try await socket.send(bytes: [1, 2, 3])
            #expect(try await socket.receiveBytes() == [3, 2, 1])
            let big = String(repeating: "x", count: 200_000)
            try await socket.send(text: big)
            #expect(try await socket.receiveText() == "room=a:" + big)
            let (code, _) = try await socket.close(code: 1000)
            #expect(code == 1000)
        }
    }

    @Test("JSON messages", arguments: ClientTransport.all)
    func json(transport: ClientTransport) async throws {
        struct Number: Codable { var value: Int }
        struct Doubled: Codable { var doubled: Int }
        try await withSession(Self.app, on: transport) { (session: TestSession) async throws in
            let socket = try await session.websocket("/json")
            try await socket.sendJSON(Number(value: 21))
            #expect(try await socket.receiveJSON(Doubled.self).doubled == 42)
            try await socket.close()
        }
    }

    @Test("refusals: 403 for a close before accept, the app's denial response", arguments: ClientTransport.all)
    func refusals(transport: ClientTransport) async throws {
        try await withSession(Self.app, on: transport) { (session: TestSession) async throws in
            do {
                _ = try await session.websocket("/deny")
                Issue.record("the handshake should have been refused")
            } catch let refused as WebSocketRefused {
                #expect(refused.response.status == 403)
            }
            do {
                _ = try await session.websocket("/teapot")
                Issue.record("the handshake should have been refused")
            } catch let refused as WebSocketRefused {
                #expect(refused.response.status == 418)
                #expect(refused.response.text == "short and stout")
            }
        }
    }

    @Test("the server's close code reaches the client", arguments: ClientTransport.all)
    func serverClose(transport: ClientTransport) async throws {
        try await withSession(Self.app, on: transport) { (session: TestSession) async throws in
            let socket = try await session.websocket("/policy")
            await #expect(throws: TestClientError.websocketClosed(code: 1008, reason: "no token")) {
                _ = try await socket.receiveText()
            }
        }
    }

    @Test("a client that vanishes: the app sees websocket.disconnect with 1006", arguments: ClientTransport.all)
    func clientVanishes(transport: ClientTransport) async throws {
        let codes = Recorder<Int>()
        let app = App { scope, receive, send in
            guard case .websocket = scope else { return }
            _ = try await receive()
            try await send(.websocketAccept())
            while true {
                if case .websocketDisconnect(let code, _) = try await receive() {
                    codes.append(code)
                    return
                }
            }
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let socket = try await session.websocket("/")
            try await socket.send(text: "hi")
            await socket.reset()
            #expect(await codes.waitForCount(1) == [1006])
        }
    }

    @Test("a header the server writes itself is refused to the app; a cancelled receive returns at once", arguments: ClientTransport.all)
    func reservedHeaderAndCancellation(transport: ClientTransport) async throws {
        let seen = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .websocket = scope else { return }
            do {
                try await send(.websocketAccept(headers: [("Sec-WebSocket-Accept", "forged")]))
            } catch let error as WebSocketHandshakeError {
                seen.append("\(error.kind)")
            }
            try await send(.websocketAccept())
            let watcher = Task {
                do {
                    _ = try await receive()
                    return "message"
                } catch is CancellationError {
                    return "cancelled"
                }
            }
            try await Task.sleep(for: .milliseconds(20))  // let it wait (it passes either way)
            watcher.cancel()
            let outcome = (try? await watcher.value) ?? "failed"
            try await send(.websocketSend(.text(outcome)))
        }
        try await withSession(app, on: transport) { (session: TestSession) async throws in
            let socket = try await session.websocket("/")
            #expect(socket.response.header("sec-websocket-accept") != "forged")
            #expect(try await socket.receiveText() == "cancelled")
            #expect(seen.all == ["\(WebSocketHandshakeError.Kind.reservedHeader("sec-websocket-accept"))"])
        }
    }
}
