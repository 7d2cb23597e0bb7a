import Vapor

/// The benchmark's routes on Vapor: `GET /plaintext`, `GET /json`, `POST /echo` and the
/// WebSocket echo `/ws/echo` (text as text, binary as binary); Vapor answers 404 otherwise.
enum VaporRoutes {
    /// Largest `POST /echo` body and WebSocket frame accepted.
    static let maxBody = 1 << 20

    static func add(to app: Application) {
        let plaintext = ByteBuffer(string: "Hello, World!")
        let json = ByteBuffer(string: #"{"message":"Hello, World!"}"#)
        app.get("plaintext") { _ in
            Response(status: .ok, headers: ["content-type": "text/plain"], body: .init(buffer: plaintext))
        }
        app.get("json") { _ in
            Response(status: .ok, headers: ["content-type": "application/json"], body: .init(buffer: json))
        }
        app.on(.POST, "echo", body: .collect(maxSize: ByteCount(value: maxBody))) { request in
            Response(
                status: .ok, headers: ["content-type": "application/octet-stream"],
                body: .init(buffer: request.body.data ?? ByteBuffer()))
        }
        app.webSocket("ws", "echo", maxFrameSize: WebSocketMaxFrameSize(integerLiteral: maxBody)) { _, socket in
            socket.onText { socket, text in socket.send(text) }
            socket.onBinary { socket, buffer in socket.send(raw: buffer.readableBytesView, opcode: .binary) }
        }
    }
}
