import Foundation
import Ringway

/// The chat demo's rooms: who is in each, and fan-out of JSON events to them.
actor ChatRooms {
    private struct Member {
        let user: String
        let send: Send
    }

    private var rooms: [String: [UInt64: Member]] = [:]
    private var nextID: UInt64 = 0

    /// Adds a member; returns its id and the room's new size.
    func join(room: String, user: String, send: Send) -> (id: UInt64, count: Int) {
        nextID += 1
        rooms[room, default: [:]][nextID] = Member(user: user, send: send)
        return (nextID, rooms[room]?.count ?? 0)
    }

    /// Removes a member; returns the room's new size.
    func leave(room: String, id: UInt64) -> Int {
        rooms[room]?[id] = nil
        let count = rooms[room]?.count ?? 0
        if count == 0 { rooms[room] = nil }
        return count
    }

    /// Sends `event` as a JSON text message to everyone in `room` except `excluded`.
    /// A member whose connection is gone is skipped (its own task removes it).
    func broadcast(_ event: [String: Any], room: String, excluding excluded: UInt64? = nil) async {
        guard let text = ChatRooms.json(event), let members = rooms[room] else { return }
        // Framed once, written to every member as the same bytes.
        let prepared = PreparedWebSocketMessage(.text(text))
        for (id, member) in members where id != excluded {
            try? await member.send(.websocketSendPrepared(prepared))
        }
    }

    static func json(_ object: [String: Any]) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
