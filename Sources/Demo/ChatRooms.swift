import Ringway

/// The chat demo's rooms: who is in each, and fan-out of events to them.
///
/// A connection's id comes from a counter, so it is unique among live connections (and
/// beyond); the seed uses `id(send)`, unique among live ones only.
actor ChatRooms {
    private var rooms: [String: [UInt64: Send]] = [:]
    private var lastID: UInt64 = 0

    /// Adds a connection to `room` and tells everyone there, the newcomer included; returns its id.
    func join(room: String, send: Send) async -> UInt64 {
        lastID += 1
        let id = lastID
        rooms[room, default: [:]][id] = send
        await broadcast(.userJoined(user: id, room: room, userCount: rooms[room]?.count ?? 0), room: room)
        return id
    }

    /// Removes a connection from `room` and tells those left.
    func leave(room: String, id: UInt64) async {
        rooms[room]?[id] = nil
        let count = rooms[room]?.count ?? 0
        if count == 0 { rooms[room] = nil }
        await broadcast(.userLeft(user: id, room: room, userCount: count), room: room)
    }

    /// Sends `event` to everyone in `room` except `excluded`. It is encoded and framed once;
    /// every member writes the same bytes. A member whose connection is gone is skipped (its
    /// own task removes it).
    func broadcast(_ event: ChatEvent, room: String, excluding excluded: UInt64? = nil) async {
        guard let members = rooms[room] else { return }
        let prepared = PreparedWebSocketMessage(.text(event.text))
        for (id, send) in members where id != excluded {
            try? await send(.websocketSendPrepared(prepared))
        }
    }
}
