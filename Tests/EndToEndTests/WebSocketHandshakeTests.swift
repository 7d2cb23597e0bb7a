import Ringway
import RingwayTestSupport
import RingwayWebSocketCodec
import Testing

/// The responses the WebSocket side writes itself, through the serializer; the app's accept
/// values validated; `accept()` with or without a prior `receive()`.
@Suite("WebSocket handshake responses and accept")
struct WebSocketHandshakeTests {
    /// A raw handshake for `path` offering `subprotocols` (none when empty).
    static func handshake(path: String, subprotocols: String? = nil) -> [UInt8] {
        Array(("GET \(path) HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n"
            + (subprotocols.map { "sec-websocket-protocol: \($0)\r\n" } ?? "") + "\r\n").utf8)
    }

    @Test("a subprotocol or header with CR/LF, or not offered, is refused to the app and never written", arguments: Backends.all)
    func invalidAcceptValuesRefused(backend: BackendKind) async throws {
        let refusals = Recorder<WebSocketHandshakeError.Kind>()
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            let attempts: [(String?, Headers)] = [
                ("chat\r\nx-injected: 1", Headers()),
                ("chat\nx-injected: 1", Headers()),
                ("not offered", Headers()),
                ("superchat", Headers()),
                ("chat", [("x-ok", "a\r\nx-injected: 1")]),
                ("chat", [("x-injected: 1\r\nx-name", "v")]),
            ]
            for (subprotocol, headers) in attempts {
                do {
                    try await socket.accept(subprotocol: subprotocol, headers: headers)
                    Issue.record("accepted \(subprotocol.debugDescription)")
                } catch let error as WebSocketHandshakeError {
                    refusals.append(error.kind)
                }
            }
            // Nothing went out, so the handshake can still be answered.
            try await socket.accept(subprotocol: "chat", headers: [("x-ok", "yes")])
            for try await message in socket.messages {
                if case .text(let text) = message { try await socket.send(text: text) }
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/ws", subprotocols: "chat, other"))
            let response = try await client.readResponse()
            #expect(response.status == 101)
            #expect(response.header("sec-websocket-protocol") == "chat")
            #expect(response.header("x-ok") == "yes")
            #expect(response.header("x-injected") == nil)
            // The connection is a WebSocket right after that one 101.
            try await client.send(raw: WebSocketLimitTests.frame(0x1, Array("hi".utf8)))
            #expect(try await client.readRaw(count: 4) == [0x81, 0x02, 0x68, 0x69])
            let kinds = refusals.all
            #expect(kinds.count == 6)
            guard kinds.count == 6 else { return }
            #expect(kinds[0] == .invalidSubprotocol("chat\r\nx-injected: 1"))
            #expect(kinds[1] == .invalidSubprotocol("chat\nx-injected: 1"))
            #expect(kinds[2] == .invalidSubprotocol("not offered"))
            #expect(kinds[3] == .subprotocolNotOffered("superchat"))
            #expect(kinds[4] == .invalidResponse(HTTPSerializerError(.invalidFieldValue(name: "x-ok"))))
            // The index counts the server's own fields before the app's.
            guard case .invalidResponse(let error) = kinds[5], case .invalidFieldName = error.kind else {
                Issue.record("expected an invalid field name, got \(kinds[5])")
                return
            }
        }
    }

    @Test("an app that fails on an invalid accept leaves the handshake to a 500, nothing injected", arguments: Backends.all)
    func invalidAcceptThenFailure(backend: BackendKind) async throws {
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept(subprotocol: "chat\r\nx-injected: 1")
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/ws", subprotocols: "chat"))
            let bytes = String(decoding: try await client.readUntilClosed(), as: UTF8.self)
            #expect(bytes.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"), "\(bytes)")
            #expect(!bytes.lowercased().contains("x-injected"))
            #expect(!bytes.contains("101"))
        }
    }

    @Test("accept works whether or not websocket.connect was received first; the next receive is the first message", arguments: Backends.all)
    func acceptWithOrWithoutConnect(backend: BackendKind) async throws {
        let firstMessages = Recorder<String>()
        let app = App { scope, receive, send in
            guard case .websocket(let info) = scope, let socket = WebSocket(scope, receive, send) else { return }
            if info.path == "/routed" {
                // A router took the connect before the handler ran.
                guard case .websocketConnect = try await receive() else { return }
            }
            try await socket.accept()
            // Raw receive: the first client message, not a connect.
            switch try await receive() {
            case .websocketReceive(.text(let text)):
                firstMessages.append("\(info.path) \(text)")
                try await socket.send(text: text)
            case let other:
                firstMessages.append("\(info.path) unexpected \(other.type)")
            }
            for try await _ in socket.messages {}
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            for path in ["/routed", "/direct"] {
                let client = try LiveClient(port: port)
                try await client.send(raw: Self.handshake(path: path))
                #expect(try await client.readResponse().status == 101)
                try await client.send(raw: WebSocketLimitTests.frame(0x1, Array("hi".utf8)))
                #expect(try await client.readRaw(count: 4) == [0x81, 0x02, 0x68, 0x69])
            }
            #expect(Set(firstMessages.all) == ["/routed hi", "/direct hi"])
        }
    }

    @Test("reject works after a router took the connect: 403 through the serializer", arguments: Backends.all)
    func rejectAfterConnect(backend: BackendKind) async throws {
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            _ = try await receive()
            try await socket.reject()
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/ws"))
            let bytes = String(decoding: try await client.readUntilClosed(), as: UTF8.self)
            #expect(bytes == "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        }
    }

    @Test("a denial response goes through the serializer: standard reason, our content-length, invalid fields refused", arguments: Backends.all)
    func denialResponse(backend: BackendKind) async throws {
        let refusals = Recorder<WebSocketHandshakeError.Kind>()
        let app = App { scope, receive, send in
            guard case .websocket(let info) = scope else { return }
            if info.path == "/bad" {
                do {
                    try await send(.websocketHTTPResponseStart(status: 401, headers: [("www-authenticate", "Basic\r\nx-injected: 1")]))
                } catch let error as WebSocketHandshakeError {
                    refusals.append(error.kind)
                }
                return  // unanswered: 403
            }
            try await send(.websocketHTTPResponseStart(status: 418, headers: [("content-type", "text/plain"), ("content-length", "999")]))
            try await send(.websocketHTTPResponseBody(body: Array("no ".utf8), moreBody: true))
            try await send(.websocketHTTPResponseBody(body: Array("tea".utf8)))
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/deny"))
            let bytes = String(decoding: try await client.readUntilClosed(), as: UTF8.self)
            #expect(bytes == "HTTP/1.1 418 I'm a teapot\r\ncontent-type: text/plain\r\ncontent-length: 6\r\nconnection: close\r\n\r\nno tea")

            let bad = try LiveClient(port: port)
            try await bad.send(raw: Self.handshake(path: "/bad"))
            let refused = String(decoding: try await bad.readUntilClosed(), as: UTF8.self)
            #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), "\(refused)")
            #expect(!refused.lowercased().contains("x-injected"))
            #expect(refusals.all == [.invalidResponse(HTTPSerializerError(.invalidFieldValue(name: "www-authenticate")))])
        }
    }

    @Test("after the app's close, a message is refused without a frame; the peer's close completes the handshake", arguments: Backends.all)
    func messageAfterClose(backend: BackendKind) async throws {
        let outcomes = Recorder<String>()
        let app = App { scope, receive, send in
            guard let socket = WebSocket(scope, receive, send) else { return }
            try await socket.accept()
            try await socket.close(code: 4000, reason: "done")
            do {
                try await socket.send(text: "late")
                outcomes.append("sent")
            } catch is ClientDisconnected {
                outcomes.append("refused")
            }
            if case .websocketDisconnect(let code, _) = try await receive() { outcomes.append("disconnect \(code)") }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Self.handshake(path: "/ws"))
            #expect(try await client.readResponse().status == 101)
            // Our close: 4000 "done", and nothing after it.
            #expect(try await client.readRaw(count: 8) == [0x88, 0x06, 0x0F, 0xA0] + Array("done".utf8))
            #expect(await outcomes.waitForCount(1) == ["refused"])
            try await client.send(raw: WebSocketLimitTests.frame(0x8, [0x0F, 0xA0]))
            #expect(try await client.readUntilClosed().isEmpty)
            #expect(await outcomes.waitForCount(2) == ["refused", "disconnect 4000"])
        }
    }

    @Test("the accept value a client checks the 101 against (RFC 6455 §1.3)")
    func acceptValue() {
        #expect(WebSocketHandshake.acceptValue(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}
