import Hummingbird
import HummingbirdWebSocket

/// The benchmark's WebSocket route: `/ws/echo` sends every message back, text as text and binary as binary.
enum WebSocketRoutes {
    /// Largest frame and message accepted (the benchmark sends up to 16 KiB).
    static let maxMessageSize = 1 << 20

    /// Builds the router consulted for upgrade requests.
    static func router() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/ws/echo") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: maxMessageSize) {
                switch message {
                case .text(let text):
                    try await outbound.write(.text(text))
                case .binary(let buffer):
                    try await outbound.write(.binary(buffer))
                }
            }
        }
        return router
    }
}
