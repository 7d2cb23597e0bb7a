/// What the chat sends its clients: the seed guide's `WebSocketChatApp` messages, key for key
/// and byte for byte (`json.dumps` of its dicts, see `PythonJSON`).
///
/// `user` is the connection's id, a number unique among live connections (the seed's
/// `id(send)`); it is the same integer in the message texts.
enum ChatEvent: Equatable, Sendable {
    /// `{"type": "user_joined", "message": "User <id> joined the room", "room": …, "user_count": n}`, to everyone in the room, the newcomer included.
    case userJoined(user: UInt64, room: String, userCount: Int)
    /// `{"type": "user_left", "message": "User <id> left the room", "room": …, "user_count": n}`, to those left.
    case userLeft(user: UInt64, room: String, userCount: Int)
    /// `{"type": "chat", "message": …, "user": id, "room": …, "timestamp": seconds}`, to everyone:
    /// `message` is the client's value as sent (any JSON), `""` when it sent none.
    case chat(message: PythonJSON, user: UInt64, room: String, timestamp: Double)
    /// `{"type": "typing", "user": id, "room": …}`, to everyone but the typist.
    case typing(user: UInt64, room: String)

    /// `{"error": "Invalid JSON"}`, to a client whose text is not JSON.
    static let invalidJSON = PythonJSON.object(["error": .string("Invalid JSON")]).text

    var json: PythonJSON {
        switch self {
        case .userJoined(let user, let room, let count):
            .object(["type": .string("user_joined"), "message": .string("User \(user) joined the room"),
                     "room": .string(room), "user_count": .integer(count)])
        case .userLeft(let user, let room, let count):
            .object(["type": .string("user_left"), "message": .string("User \(user) left the room"),
                     "room": .string(room), "user_count": .integer(count)])
        case .chat(let message, let user, let room, let timestamp):
            .object(["type": .string("chat"), "message": message, "user": .integer(user),
                     "room": .string(room), "timestamp": .float(timestamp)])
        case .typing(let user, let room):
            .object(["type": .string("typing"), "user": .integer(user), "room": .string(room)])
        }
    }

    /// The message's text, as `json.dumps` writes it.
    var text: String { json.text }
}
