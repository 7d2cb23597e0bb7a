/// A request-target split into its parts (RFC 9112 §3.2).
///
/// Accepts origin-form (`/a%20b?x=1`), absolute-form (`http://host/a?x`), asterisk-form (`*`,
/// OPTIONS only) and authority-form (`host:port`, CONNECT only). The path is percent-decoded
/// and must decode to UTF-8; the query is left as sent.
public struct RequestTarget: Sendable, Equatable {
    /// The percent-decoded path: `*` for asterisk-form, empty for authority-form, `/` for an
    /// absolute-form target without a path.
    public var path: String
    /// The path as sent, without the query.
    public var rawPath: [UInt8]
    /// The bytes after the first `?`, without it (empty when there is none).
    public var query: [UInt8]
    /// `host[:port]` of an absolute-form or authority-form target.
    public var authority: [UInt8]?

    public init(path: String, rawPath: [UInt8], query: [UInt8] = [], authority: [UInt8]? = nil) {
        self.path = path
        self.rawPath = rawPath
        self.query = query
        self.authority = authority
    }

    /// Splits and decodes `target` as sent with `method`; throws a 400 error for a target that
    /// is malformed or whose form the method does not allow.
    public init(parsing target: [UInt8], method: String) throws(HTTPParserError) {
        self = try target.withBytes { (bytes) throws(HTTPParserError) -> RequestTarget in
            var index = 0
            while index < bytes.count, ASCII.isVisible(bytes[index]), bytes[index] != ASCII.hash { index += 1 }
            guard !bytes.isEmpty, index == bytes.count else { throw HTTPParserError(.invalidTarget) }
            let form = RequestTargetForm(bytes)
            try form.check(bytes, isConnect: method == "CONNECT", isOptions: method == "OPTIONS")
            switch form {
            case .asterisk:
                return RequestTarget(path: "*", rawPath: target)
            case .authority:
                return RequestTarget(path: "", rawPath: [], authority: target)
            case .origin:
                if ASCII.firstIndex(of: ASCII.question, in: bytes, from: 0, to: bytes.count) == nil {
                    // The whole target is the path: share its storage instead of copying it.
                    return RequestTarget(path: try Self.percentDecode(target), rawPath: target)
                }
                return try Self.split(bytes, pathStart: 0, authority: nil)
            case .absolute(let authorityStart):
                let authorityEnd = Self.authorityEnd(bytes, from: authorityStart)
                return try Self.split(bytes, pathStart: authorityEnd, authority: authorityStart..<authorityEnd)
            }
        }
    }

    private static func split(_ bytes: UnsafeRawBufferPointer, pathStart: Int, authority: Range<Int>?) throws(HTTPParserError) -> RequestTarget {
        let queryMark = ASCII.firstIndex(of: ASCII.question, in: bytes, from: pathStart, to: bytes.count)
        let pathEnd = queryMark ?? bytes.count
        let queryStart = queryMark.map { $0 + 1 } ?? bytes.count
        var rawPath = bytes.copyBytes(pathStart..<pathEnd)
        // An absolute-form target may omit the path; it then means "/" (RFC 9110 §4.2.3).
        if rawPath.isEmpty { rawPath = [ASCII.slash] }
        return RequestTarget(
            path: try percentDecode(rawPath),
            rawPath: rawPath,
            query: bytes.copyBytes(queryStart..<bytes.count),
            authority: authority.map { bytes.copyBytes($0) }
        )
    }

    /// The end of the authority that starts at `start`: the first `/` or `?`, or the end.
    static func authorityEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != ASCII.slash, bytes[index] != ASCII.question { index += 1 }
        return index
    }

    /// Decodes `%XX` escapes; throws if an escape is malformed or the result is not UTF-8.
    static func percentDecode(_ raw: [UInt8]) throws(HTTPParserError) -> String {
        guard raw.contains(ASCII.percent) else {
            // Without escapes the bytes are the target's visible ASCII: valid UTF-8 as is.
            return String(decoding: raw, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == ASCII.percent else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard index + 2 < raw.count,
                  let high = ASCII.hexValue(raw[index + 1]),
                  let low = ASCII.hexValue(raw[index + 2])
            else { throw HTTPParserError(.invalidPercentEncoding) }
            decoded.append(high << 4 | low)
            index += 3
        }
        guard let path = String(validating: decoded, as: UTF8.self) else {
            throw HTTPParserError(.invalidPercentEncoding)
        }
        return path
    }
}

/// The four shapes of a request-target (RFC 9112 §3.2), told apart by their first bytes.
enum RequestTargetForm: Equatable {
    /// `/path?query`.
    case origin
    /// `scheme://authority/path?query`; the authority starts at the given index.
    case absolute(authorityStart: Int)
    /// `host:port`.
    case authority
    /// `*`.
    case asterisk

    /// Classifies a non-empty target.
    init(_ target: UnsafeRawBufferPointer) {
        let first = target[0]
        if first == ASCII.slash {
            self = .origin
        } else if first == ASCII.asterisk, target.count == 1 {
            self = .asterisk
        } else {
            var index = 1
            if ASCII.isAlpha(first) {
                while index < target.count, ASCII.isScheme(target[index]) { index += 1 }
            }
            let isAbsolute = ASCII.isAlpha(first) && index + 2 < target.count
                && target[index] == ASCII.colon && target[index + 1] == ASCII.slash && target[index + 2] == ASCII.slash
            self = isAbsolute ? .absolute(authorityStart: index + 3) : .authority
        }
    }

    /// Checks the form against the method and the authority's shape (RFC 9112 §3.2.2–§3.2.4).
    func check(_ target: UnsafeRawBufferPointer, isConnect: Bool, isOptions: Bool) throws(HTTPParserError) {
        switch self {
        case .origin:
            if isConnect { throw HTTPParserError(.connectWithoutAuthorityForm) }
        case .asterisk:
            if !isOptions { throw HTTPParserError(.asteriskFormWithoutOptions) }
        case .absolute(let start):
            if isConnect { throw HTTPParserError(.connectWithoutAuthorityForm) }
            let end = RequestTarget.authorityEnd(target, from: start)
            guard end > start, Self.isHostAndPort(target.slice(start..<end), portRequired: false) else {
                throw HTTPParserError(.invalidTarget)
            }
        case .authority:
            guard isConnect else { throw HTTPParserError(.authorityFormWithoutConnect) }
            guard Self.isHostAndPort(target, portRequired: true) else { throw HTTPParserError(.invalidTarget) }
        }
    }

    /// Whether `bytes` is `host[:port]`: Host bytes only (no userinfo `@`, no delimiters), a
    /// non-empty host, and digits after the last colon when a port is required.
    static func isHostAndPort(_ bytes: UnsafeRawBufferPointer, portRequired: Bool) -> Bool {
        var lastColon: Int?
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard ASCII.isHost(byte) else { return false }
            if byte == ASCII.colon { lastColon = index }
            if byte == UInt8(ascii: "]") { lastColon = nil }
        }
        guard portRequired else { return !bytes.isEmpty && bytes[0] != ASCII.colon }
        guard let colon = lastColon, colon > 0, colon + 1 < bytes.count else { return false }
        return (colon + 1..<bytes.count).allSatisfy { ASCII.isDigit(bytes[$0]) }
    }
}
