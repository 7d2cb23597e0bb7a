import Crypto
public import RingwayCore
package import RingwayHTTPCodec

/// The RFC 6455 §4 opening handshake, pure: the server's checks of the request, the responses
/// it writes (101, refusals, denials; all through `HTTPResponseSerializer` and its field
/// validation), and the `Sec-WebSocket-Accept` value a client checks the 101 against.
public enum WebSocketHandshake {
    /// Why a handshake is refused: the status (400, or 426 for a version we do not speak).
    package struct Refusal: Error, Equatable, Sendable {
        package var status: Int
        package var reason: String

        package init(status: Int, reason: String) {
            self.status = status
            self.reason = reason
        }
    }

    /// The RFC 6455 §1.3 GUID appended to the key.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Validates the upgrade request; returns the client's key.
    package static func validate(_ head: HTTPRequestHead) throws(Refusal) -> String {
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

    /// The `Sec-WebSocket-Accept` value for `key`: base64(SHA-1(key + GUID)). A client
    /// compares the 101's header with this for the key it sent.
    public static func acceptValue(for key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + guid).utf8))
        return base64(Array(digest))
    }

    /// Subprotocols offered in `sec-websocket-protocol`, in order.
    public static func offeredSubprotocols(_ headers: Headers) -> [String] {
        headers.values("sec-websocket-protocol").flatMap { value in
            String(decoding: value, as: UTF8.self).split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        }
    }

    // MARK: - Responses

    /// The 101 for `key`: `upgrade`, `connection`, `sec-websocket-accept`, the chosen
    /// `subprotocol`, the negotiated `extensions`, `server`, then the application's `headers`.
    /// The subprotocol must be a token the client offered, and every header valid; otherwise
    /// nothing is built and the reason thrown.
    package static func switchingProtocols(
        key: String, subprotocol: String?, offered: [String], extensions: String?, server: String?, headers: Headers
    ) throws(WebSocketHandshakeError) -> [UInt8] {
        var fields = Headers()
        fields.reserveCapacity(fields: 6, bytes: 120)
        fields.append(name: "upgrade", value: "websocket")
        fields.append(name: "connection", value: "Upgrade")
        fields.append(name: "sec-websocket-accept", value: acceptValue(for: key))
        if let subprotocol {
            guard HTTPResponseSerializer.isValidFieldName(subprotocol.utf8) else { throw WebSocketHandshakeError(.invalidSubprotocol(subprotocol)) }
            guard offered.contains(subprotocol) else { throw WebSocketHandshakeError(.subprotocolNotOffered(subprotocol)) }
            fields.append(name: "sec-websocket-protocol", value: subprotocol)
        }
        if let extensions { fields.append(name: "sec-websocket-extensions", value: extensions) }
        if let server { fields.append(name: "server", value: server) }
        for (name, _) in headers {
            if let reserved = reservedIn101.first(where: { Headers.asciiCaseInsensitiveEqual(name, $0.utf8) }) {
                throw WebSocketHandshakeError(.reservedHeader(reserved))
            }
        }
        var bytes: [UInt8] = []
        do throws(HTTPSerializerError) {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: 101, headers: fields), extraHeaders: headers, into: &bytes)
        } catch {
            throw WebSocketHandshakeError(.invalidResponse(error))
        }
        return bytes
    }

    /// The fields of a 101 that only the server writes: an application's copy would
    /// contradict the handshake (or give a 101 a body).
    static let reservedIn101 = [
        "upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol", "sec-websocket-extensions",
        "content-length", "transfer-encoding",
    ]

    /// The framing fields of a final response, which the server writes itself.
    static let framingFields = ["content-length", "transfer-encoding", "connection"]

    /// A complete response that ends the connection (a denial, the 403 for a close before
    /// accept, the 500 after an application error): `headers` (without their framing fields:
    /// `content-length`, `transfer-encoding`, `connection`), then `content-length` and
    /// `connection: close`, then `body`.
    package static func finalResponse(status: Int, headers: Headers, body: [UInt8]) throws(HTTPSerializerError) -> [UInt8] {
        var fields = Headers()
        for (name, value) in headers where !framingFields.contains(where: { Headers.asciiCaseInsensitiveEqual(name, $0.utf8) }) {
            fields.append(name: name, value: value)
        }
        var extra = Headers()
        extra.append(name: "content-length", value: String(body.count))
        extra.append(name: "connection", value: "close")
        var bytes: [UInt8] = []
        try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: status, headers: fields), extraHeaders: extra, into: &bytes)
        return bytes + body
    }

    /// The answer to a handshake that breaks RFC 6455 §4.2 (400, or 426 naming version 13) or
    /// arrives while the server drains (503): a one-line plain-text body, then close.
    package static func refusalResponse(_ refusal: Refusal) -> [UInt8] {
        var headers = Headers()
        if refusal.status == 426 { headers.append(name: "sec-websocket-version", value: "13") }
        headers.append(name: "content-type", value: "text/plain; charset=utf-8")
        // Fixed names and values: always valid.
        return (try? finalResponse(status: refusal.status, headers: headers, body: Array("\(refusal.reason)\n".utf8))) ?? []
    }

    // MARK: - Parsing helpers

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
