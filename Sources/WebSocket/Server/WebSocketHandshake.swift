import Crypto
import RingwayCore
import RingwayHTTPCodec

/// RFC 6455 §4.2 server handshake checks and the `Sec-WebSocket-Accept` value.
enum WebSocketHandshake {
    /// Why a handshake is refused: the status (400, or 426 for a version we do not speak).
    struct Refusal: Error, Equatable {
        var status: Int
        var reason: String
    }

    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Validates the upgrade request; returns the client's key.
    static func validate(_ head: HTTPRequestHead) throws(Refusal) -> String {
        guard head.method == "GET" else { throw Refusal(status: 400, reason: "a WebSocket handshake must use GET") }
        guard head.version == .http1_1 else { throw Refusal(status: 400, reason: "a WebSocket handshake needs HTTP/1.1") }
        guard let upgrade = head.headers.first("upgrade"), tokens(upgrade).contains("websocket") else {
            throw Refusal(status: 400, reason: "missing 'upgrade: websocket'")
        }
        guard let connection = head.headers.first("connection"), tokens(connection).contains("upgrade") else {
            throw Refusal(status: 400, reason: "missing 'connection: upgrade'")
        }
        let versions = head.headers.values("sec-websocket-version")
        guard versions.count == 1, String(decoding: versions[0], as: UTF8.self).trimmingSpaces == "13" else {
            throw Refusal(status: 426, reason: "unsupported Sec-WebSocket-Version; this server speaks 13")
        }
        let keys = head.headers.values("sec-websocket-key")
        guard keys.count == 1 else { throw Refusal(status: 400, reason: "exactly one Sec-WebSocket-Key is required") }
        let key = String(decoding: keys[0], as: UTF8.self).trimmingSpaces
        guard Self.isBase64Nonce(key) else { throw Refusal(status: 400, reason: "Sec-WebSocket-Key must be 16 bytes in base64") }
        return key
    }

    /// The `Sec-WebSocket-Accept` value for `key`: base64(SHA-1(key + GUID)).
    static func acceptValue(for key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + guid).utf8))
        return base64(Array(digest))
    }

    /// Subprotocols offered in `sec-websocket-protocol`, in order.
    static func offeredSubprotocols(_ headers: Headers) -> [String] {
        headers.values("sec-websocket-protocol").flatMap { value in
            String(decoding: value, as: UTF8.self).split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        }
    }

    /// Lower-cased comma-separated tokens of a header value.
    static func tokens(_ value: ArraySlice<UInt8>) -> [String] {
        String(decoding: value, as: UTF8.self).lowercased().split(separator: ",").map { $0.trimmingSpaces }
    }

    /// 24 base64 characters ending in "==": 16 bytes.
    static func isBase64Nonce(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        return bytes[..<22].allSatisfy { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = bytes[index], b1 = remaining > 1 ? bytes[index + 1] : 0, b2 = remaining > 2 ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(remaining > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
