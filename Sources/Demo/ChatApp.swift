import Foundation
import Ringway

/// The seed guide's `WebSocketChatApp` on `ws://host/chat/{room}`, speaking its messages
/// exactly (see `ChatEvent` for what the server sends, `PythonJSON` for the bytes).
///
/// The room is the path's last segment (the seed's `path.split('/')[-1]`), taken from the
/// raw path and then percent-decoded, so `/chat/a%2Fb` is the room `a/b` (the seed, splitting
/// the decoded path, would say `b`); an empty room is refused (403).
///
/// Text frames from a client, read as Python's `json.loads` reads them:
/// - `{"type": "chat", "message": m}` → `chat` to everyone, `m` as sent (`""` when absent);
/// - `{"type": "typing"}` → `typing` to everyone but the sender;
/// - text that is not JSON → `{"error": "Invalid JSON"}` to the sender only (so is nesting
///   deeper than `PythonJSONParser.maxDepth`, where Python would exceed its recursion limit);
/// - an object of another type, or without one: ignored, as the seed does;
/// - JSON that is not an object (`[1]`, `"hi"`, `3`): ignored too. The seed's `data.get`
///   raises there, which ends its receive loop and so the client's membership; a value
///   that is merely of the wrong shape is treated like an unknown type instead.
///
/// Binary frames are ignored, as the seed does.
///
/// `timestamp` is wall-clock time, seconds since 1970 (`Date().timeIntervalSince1970`): the
/// seed's `loop.time()` is a monotonic clock that means nothing outside its process, and a
/// page wants to show when a message was sent.
struct ChatApp: Sendable {
    let rooms = ChatRooms()

    /// The room of a `/chat/…` path: its last raw segment, percent-decoded; nil when that is
    /// empty or not UTF-8 once decoded.
    static func room(rawPath: [UInt8]) -> String? {
        let segment = rawPath.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? []
        guard let room = String(decoding: segment, as: UTF8.self).removingPercentEncoding, !room.isEmpty else { return nil }
        return room
    }

    func serve(room: String, _ receive: Receive, _ send: Send) async throws {
        try await send(.websocketAccept())
        let id = await rooms.join(room: room, send: send)
        defer {
            // Leaving is announced even when the task is cancelled or the socket failed.
            Task { [rooms] in await rooms.leave(room: room, id: id) }
        }
        while true {
            guard case .websocketReceive(let message) = try await receive() else { return }
            guard case .text(let text) = message else { continue }
            guard let data = try? PythonJSONParser.parse(text) else {
                try await send(.websocketSend(.text(ChatEvent.invalidJSON)))
                continue
            }
            switch data["type"] {
            case .string(let type) where type.elementsEqual("chat".utf16):
                let event = ChatEvent.chat(message: data["message"] ?? .string([]), user: id, room: room,
                                           timestamp: Date().timeIntervalSince1970)
                await rooms.broadcast(event, room: room)
            case .string(let type) where type.elementsEqual("typing".utf16):
                await rooms.broadcast(.typing(user: id, room: room), room: room, excluding: id)
            default:
                continue
            }
        }
    }
}
