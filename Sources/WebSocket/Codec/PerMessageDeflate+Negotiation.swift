extension PerMessageDeflate {
    /// Chooses what to answer a client's `Sec-WebSocket-Extensions` value (RFC 7692 §7.1).
    ///
    /// The value may list several offers; the first permessage-deflate offer whose parameters
    /// are valid is accepted. Its parameters (each at most once): `server_no_context_takeover`,
    /// `client_no_context_takeover` (no value), `server_max_window_bits=8…15` (value required),
    /// `client_max_window_bits[=8…15]`; values may be quoted, never have leading zeros.
    /// An unknown parameter, a repeat, a bad value or a malformed offer declines that offer.
    ///
    /// The response echoes the no-context-takeover flags asked for (plus
    /// `server_no_context_takeover` when the configuration forces it) and
    /// `server_max_window_bits` when the client limited it. `client_max_window_bits` is never
    /// sent: the decompressor always has the largest window, which decodes any smaller one.
    /// Returns nil when there is no acceptable offer or the configuration disables compression.
    public static func negotiate(offer: String, configuration: Configuration) -> (response: String, deflate: PerMessageDeflate)? {
        guard configuration.enabled else { return nil }
        var offer = offer
        return offer.withUTF8 { bytes in
            var list = ExtensionList(UnsafeRawBufferPointer(bytes))
            while let element = list.next() {
                guard case .offer(let name, let parameters) = element, name == "permessage-deflate" else { continue }
                if let accepted = accept(parameters, configuration: configuration) { return accepted }
            }
            return nil
        }
    }

    /// The answer to one permessage-deflate offer, or nil to decline it.
    private static func accept(_ parameters: [ExtensionList.Parameter], configuration: Configuration) -> (response: String, deflate: PerMessageDeflate)? {
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        for (index, parameter) in parameters.enumerated() {
            guard !parameters[..<index].contains(where: { $0.name == parameter.name }) else { return nil }
            switch parameter.name {
            case "server_no_context_takeover":
                guard parameter.value == nil else { return nil }
                serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard parameter.value == nil else { return nil }
                clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let bits = parameter.value.flatMap(windowBits) else { return nil }
                serverMaxWindowBits = bits
            case "client_max_window_bits":
                // With no value it only says the client understands the parameter.
                if let value = parameter.value, windowBits(value) == nil { return nil }
            default:
                return nil
            }
        }
        serverNoContextTakeover = serverNoContextTakeover || configuration.serverNoContextTakeover
        var response = "permessage-deflate"
        if serverNoContextTakeover { response += "; server_no_context_takeover" }
        if clientNoContextTakeover { response += "; client_no_context_takeover" }
        if let serverMaxWindowBits { response += "; server_max_window_bits=\(serverMaxWindowBits)" }
        let deflate = PerMessageDeflate(
            threshold: configuration.threshold,
            serverNoContextTakeover: serverNoContextTakeover,
            clientNoContextTakeover: clientNoContextTakeover,
            serverMaxWindowBits: serverMaxWindowBits ?? 15,
            maxDecompressedBytes: configuration.maxDecompressedBytes,
            compressionLevel: configuration.compressionLevel
        )
        return (response, deflate)
    }

    /// 8–15 written without leading zeros or sign (RFC 7692 §7.1.2.1), else nil.
    private static func windowBits(_ value: String) -> Int? {
        switch value {
        case "8": 8
        case "9": 9
        case "10": 10
        case "11": 11
        case "12": 12
        case "13": 13
        case "14": 14
        case "15": 15
        default: nil
        }
    }
}

/// The elements of a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1), one at a time:
///
/// ```
/// extension-list  = 1#( extension-token *( OWS ";" OWS extension-param ) )
/// extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
/// ```
///
/// Names are lowercased (they are tokens, compared case-insensitively); quoted values are
/// unescaped. Empty list elements are skipped (RFC 9110 §5.6.1). A malformed element is reported
/// as such and skipped up to the next comma outside a quoted string, so it declines only itself.
struct ExtensionList {
    typealias Parameter = (name: String, value: String?)

    enum Element {
        case offer(name: String, parameters: [Parameter])
        case malformed
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() -> Element? {
        while position < bytes.count, bytes[position] == Self.comma || Self.isWhitespace(bytes[position]) { position += 1 }
        guard position < bytes.count else { return nil }
        guard let element = parseElement() else {
            skipToNextElement()
            return .malformed
        }
        return element
    }

    /// One element up to (not including) its comma or the end, or nil if malformed.
    private mutating func parseElement() -> Element? {
        guard let name = token() else { return nil }
        var parameters: [Parameter] = []
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] != Self.comma else { return .offer(name: name, parameters: parameters) }
            guard bytes[position] == Self.semicolon else { return nil }
            position += 1
            skipWhitespace()
            guard let parameterName = token() else { return nil }
            let afterName = position
            skipWhitespace()
            guard position < bytes.count, bytes[position] == Self.equals else {
                position = afterName
                parameters.append((parameterName, nil))
                continue
            }
            position += 1
            skipWhitespace()
            guard let value = position < bytes.count && bytes[position] == Self.quote ? quotedString() : token(lowercased: false) else { return nil }
            parameters.append((parameterName, value))
        }
    }

    /// A non-empty run of tchar, or nil.
    private mutating func token(lowercased: Bool = true) -> String? {
        let start = position
        while position < bytes.count, Self.isToken(bytes[position]) { position += 1 }
        guard position > start else { return nil }
        let token = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        return String(decoding: lowercased ? token.map { $0 | (Self.isUpper($0) ? 0x20 : 0) } : Array(token), as: UTF8.self)
    }

    /// A quoted-string starting at its opening quote, unescaped, or nil if unterminated or holding
    /// a control character.
    private mutating func quotedString() -> String? {
        var value: [UInt8] = []
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case Self.quote:
                return String(decoding: value, as: UTF8.self)
            case Self.backslash:
                guard position < bytes.count, Self.isQuotable(bytes[position]) else { return nil }
                value.append(bytes[position])
                position += 1
            default:
                guard Self.isQuotable(byte) else { return nil }
                value.append(byte)
            }
        }
        return nil
    }

    /// Moves past the next comma that is outside a quoted string (or to the end).
    private mutating func skipToNextElement() {
        var quoted = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if quoted, byte == Self.backslash {
                position += 1
            } else if byte == Self.quote {
                quoted.toggle()
            } else if byte == Self.comma, !quoted {
                return
            }
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
    }

    private static let comma = UInt8(ascii: ",")
    private static let semicolon = UInt8(ascii: ";")
    private static let equals = UInt8(ascii: "=")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// tchar (RFC 9110 §5.6.2) as a 128-bit mask: bit `n` set ⇔ byte `n` is a tchar.
    private static func isToken(_ byte: UInt8) -> Bool {
        let word: UInt64 = byte < 64 ? 0x03FF_6CFA_0000_0000 : (byte < 128 ? 0x57FF_FFFF_C7FF_FFFE : 0)
        return (word >> UInt64(byte & 63)) & 1 != 0
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    private static func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }
    /// qdtext or a quoted-pair's second byte: HTAB, SP, VCHAR, obs-text.
    private static func isQuotable(_ byte: UInt8) -> Bool { byte == 0x09 || (byte >= 0x20 && byte != 0x7F) }
}
