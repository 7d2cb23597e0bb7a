import Foundation
import Ringway

/// The seed guide's chat, on WebSocket: `ws://host/chat/{room}?user=NAME`.
///
/// Client → server (JSON text): `{"type":"chat","message":"…"}` or `{"type":"typing"}`.
/// Server → clients: `{"type":"join"|"leave","user":…,"count":N}` to the whole room,
/// `{"type":"chat","user":…,"message":…,"timestamp":ISO-8601}` to the whole room,
/// `{"type":"typing","user":…}` to everyone but the typist, and `{"error":"Invalid JSON"}`
/// to a sender whose message is not a JSON object with a known `type`.
struct ChatApp: Sendable {
    let rooms = ChatRooms()

    func serve(_ socket: WebSocketScope, room: String, _ receive: Receive, _ send: Send) async throws {
        let user = Self.user(from: socket.queryString)
        try await send(.websocketAccept())
        let (id, count) = await rooms.join(room: room, user: user, send: send)
        await rooms.broadcast(["type": "join", "user": user, "count": count], room: room)
        defer {
            // Leaving is announced even when the task is cancelled or the socket failed.
            Task { [rooms] in
                let remaining = await rooms.leave(room: room, id: id)
                await rooms.broadcast(["type": "leave", "user": user, "count": remaining], room: room)
            }
        }
        while true {
            guard case .websocketReceive(let message) = try await receive() else { return }
            let text: String
            switch message {
            case .text(let value): text = value
            case .binary(let bytes): text = String(decoding: bytes, as: UTF8.self)
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let type = object["type"] as? String else {
                try await send(.websocketSend(.text(#"{"error":"Invalid JSON"}"#)))
                continue
            }
            switch type {
            case "chat":
                let body = object["message"] as? String ?? ""
                await rooms.broadcast(["type": "chat", "user": user, "message": body,
                                       "timestamp": ISO8601DateFormatter().string(from: Date())], room: room)
            case "typing":
                await rooms.broadcast(["type": "typing", "user": user], room: room, excluding: id)
            default:
                try await send(.websocketSend(.text(#"{"error":"Invalid JSON"}"#)))
            }
        }
    }

    /// `user=` from the query string (percent-decoded), or a generated guest name.
    static func user(from query: [UInt8]) -> String {
        let pairs = String(decoding: query, as: UTF8.self).split(separator: "&")
        for pair in pairs where pair.hasPrefix("user=") {
            let raw = pair.dropFirst(5).replacingOccurrences(of: "+", with: " ")
            if let name = raw.removingPercentEncoding?.trimmingCharacters(in: .whitespaces), !name.isEmpty {
                return String(name.prefix(32))
            }
        }
        return "guest-\(UInt16.random(in: 1000...9999))"
    }
}
