import Ringway
import RingwayTestSupport
import Testing

@Suite("WebSocket broadcast of a prepared message")
struct WebSocketBroadcastTests {
    static let handshake = WebSocketLimitTests.handshake(path: "/room", extensions: "permessage-deflate")

    @Test("one framing reaches every socket as the same uncompressed bytes, deflate negotiated or not", arguments: Backends.all)
    func broadcastToThree(backend: BackendKind) async throws {
        let members = Recorder<Send>()
        // A kept `send` keeps its connection, loop and backend alive (the app captures
        // `members`: a cycle), as a room keeps a member until it leaves: let them go at the end.
        defer { members.removeAll() }
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            members.append(send)
            for try await _ in socket.messages {}
        }
        // 300 bytes: compressible and above the default threshold, so a per-socket send
        // would have deflated it (RSV1 set); the prepared frame must not be.
        let text = String(repeating: "broadcast ✓ ", count: 20)
        let prepared = PreparedWebSocketMessage(.text(text))
        #expect(prepared.message == .text(text))
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            var clients: [LiveClient] = []
            for _ in 0..<3 {
                let client = try LiveClient(port: port)
                try await client.send(raw: Self.handshake)
                let response = try await client.readResponse()
                #expect(response.status == 101)
                #expect(response.header("sec-websocket-extensions")?.hasPrefix("permessage-deflate") == true)
                clients.append(client)
            }
            let sends = await members.waitForCount(3)
            try #require(sends.count == 3)
            for send in sends { try await send(.websocketSendPrepared(prepared)) }
            let payload = Array(text.utf8)
            let expected: [UInt8] = [0x81, 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
            for client in clients {
                #expect(try await client.readRaw(count: expected.count) == expected)
            }
        }
    }

    @Test("a prepared message before accept is a message-order error, not a frame on the wire", arguments: [BackendKind.epoll])
    func preparedBeforeAccept(backend: BackendKind) async throws {
        let errors = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .websocket = scope else { return }
            _ = try await receive()
            do {
                try await send(.websocketSendPrepared(PreparedWebSocketMessage(.binary([1, 2, 3]))))
            } catch let error as MessageOrderError {
                errors.append("\(error)")
                try await send(.websocketClose())
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake)
            #expect(try await client.readResponse().status == 403)
            #expect(await errors.waitForCount(1).count == 1)
        }
    }
}
