import RingwayToolkit

/// What the chat sends its clients: the seed guide's `WebSocketChatApp` messages, key for key
/// and byte for byte (`json.dumps` of its dicts: the toolkit's `JSONValue` in the `.python` style).
///
/// `user` is the connection's id, a number unique among live connections (the seed's
/// `id(send)`); it is the same integer in the message texts.
enum ChatEvent: Equatable, Sendable {
    /// `{"type": "user_joined", "message": "User <id> joined the room", "room": …, "user_count": n}`, to everyone in the room, the newcomer included.
    case userJoined(user: UInt64, room: String, userCount: Int)
    /// `{"type": "user_left", "message": "User <id> left the room", "room": …, "user_count": n}`, to those left.
    case userLeft(user: UInt64, room: String, userCount: Int)
    /// `{"type": "chat", "message": …, "user": id, "room": …, "timestamp": seconds}`, to everyone:
    /// `message` is the client's value as Python reads it (any JSON), `""` when it sent none.
    case chat(message: JSONValue, user: UInt64, room: String, timestamp: Double)
    /// `{"type": "typing", "user": id, "room": …}`, to everyone but the typist.
    case typing(user: UInt64, room: String)

    /// `{"error": "Invalid JSON"}`, to a client whose text is not JSON.
    static let invalidJSON = (["error": "Invalid JSON"] as JSONValue).serializedString(.python)

    var json: JSONValue {
        switch self {
        case .userJoined(let user, let room, let count):
            ["type": "user_joined", "message": .string("User \(user) joined the room"),
             "room": .string(room), "user_count": .number(JSONNumber(count))]
        case .userLeft(let user, let room, let count):
            ["type": "user_left", "message": .string("User \(user) left the room"),
             "room": .string(room), "user_count": .number(JSONNumber(count))]
        case .chat(let message, let user, let room, let timestamp):
            // The clock's value is finite; `repr` digits, as Python's `json.dumps` writes a float.
            ["type": "chat", "message": message, "user": .number(JSONNumber(user)),
             "room": .string(room), "timestamp": JSONNumber(timestamp).map(JSONValue.number) ?? .null]
        case .typing(let user, let room):
            ["type": "typing", "user": .number(JSONNumber(user)), "room": .string(room)]
        }
    }

    /// The message's text, as `json.dumps` writes it.
    var text: String { json.serializedString(.python) }
}
