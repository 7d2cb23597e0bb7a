public import Foundation

/// A `set-cookie` field value, checked when made (RFC 6265 §4.1 and the browsers' rules),
/// so nothing invalid reaches the wire.
///
/// ```swift
/// let cookie = try SetCookie(name: "session", value: token, path: "/", maxAge: 3600,
///                            secure: true, httpOnly: true, sameSite: .lax)
/// var headers = Headers()
/// headers.append(cookie)
/// try await send.redirect(to: "/", headers: headers)
/// ```
public struct SetCookie: Sendable, Hashable, CustomStringConvertible {
    /// The `SameSite` attribute.
    public enum SameSite: String, Sendable, Hashable {
        case strict = "Strict"
        case lax = "Lax"
        /// Sent cross-site too; browsers require `Secure` with it.
        case none = "None"
    }

    public let name: String
    public let value: String
    public let path: String?
    public let domain: String?
    /// Seconds until it expires; zero or less expires it now.
    public let maxAge: Int?
    public let expires: Date?
    public let secure: Bool
    public let httpOnly: Bool
    public let sameSite: SameSite?

    /// Checks every part: the name a token (RFC 9110), the value cookie-octets (optionally
    /// in double quotes), path and domain without control characters or `;`, a domain of
    /// letters, digits, `-` and `.`, `SameSite=None` with `Secure`, and the `__Secure-` and
    /// `__Host-` prefixes' rules. Throws `CookieError` naming what is wrong.
    public init(name: String, value: String, path: String? = nil, domain: String? = nil, maxAge: Int? = nil,
                expires: Date? = nil, secure: Bool = false, httpOnly: Bool = false, sameSite: SameSite? = nil) throws(CookieError) {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else { throw CookieError(.invalidName(name)) }
        var octets = Substring(value).utf8[...]
        if octets.count >= 2, octets.first == UInt8(ascii: "\""), octets.last == UInt8(ascii: "\"") {
            octets = octets.dropFirst().dropLast()
        }
        guard octets.allSatisfy(Self.isCookieOctet) else { throw CookieError(.invalidValue(value)) }
        if let path {
            guard !path.isEmpty, path.utf8.allSatisfy(Self.isAttributeByte) else { throw CookieError(.invalidPath(path)) }
        }
        if let domain {
            let valid = !domain.isEmpty && domain.utf8.allSatisfy {
                ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") || ($0 >= 0x30 && $0 <= 0x39)
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }
            guard valid else { throw CookieError(.invalidDomain(domain)) }
        }
        if sameSite == SameSite.none && !secure { throw CookieError(.sameSiteNoneWithoutSecure) }
        if name.hasPrefix("__Secure-") && !secure { throw CookieError(.prefixRequirements(name)) }
        if name.hasPrefix("__Host-") && (!secure || path != "/" || domain != nil) { throw CookieError(.prefixRequirements(name)) }
        self.name = name
        self.value = value
        self.path = path
        self.domain = domain
        self.maxAge = maxAge
        self.expires = expires
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    /// A cookie that removes `name` from the client (empty, `Max-Age=0`, and an `Expires`
    /// in the past for old clients); `path` and `domain` must match the cookie's.
    public static func expired(name: String, path: String? = "/", domain: String? = nil) throws(CookieError) -> SetCookie {
        try SetCookie(name: name, value: "", path: path, domain: domain, maxAge: 0, expires: Date(timeIntervalSince1970: 0),
                      secure: name.hasPrefix("__Secure-") || name.hasPrefix("__Host-"))
    }

    /// The field value: `name=value; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax`.
    public var headerValue: String {
        var text = "\(name)=\(value)"
        if let path { text += "; Path=\(path)" }
        if let domain { text += "; Domain=\(domain)" }
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if let expires { text += "; Expires=\(Self.imfFixdate(expires))" }
        if secure { text += "; Secure" }
        if httpOnly { text += "; HttpOnly" }
        if let sameSite { text += "; SameSite=\(sameSite.rawValue)" }
        return text
    }

    public var description: String { headerValue }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// RFC 6265 cookie-octet: visible ASCII except `"`, `,`, `;` and `\`.
    static func isCookieOctet(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x2B).contains(byte) || (0x2D...0x3A).contains(byte)
            || (0x3C...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
    }

    /// An attribute value's byte: any CHAR except controls and `;`.
    static func isAttributeByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: ";")
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
    static func imfFixdate(_ date: Date) -> String {
        UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down))).imfFixdate
    }
}

/// What is wrong with a `SetCookie`.
public struct CookieError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The name is empty or not a token.
        case invalidName(String)
        /// The value has a byte outside cookie-octet (space, `"`, `,`, `;`, `\`, a control, non-ASCII).
        case invalidValue(String)
        case invalidPath(String)
        case invalidDomain(String)
        /// `SameSite=None` without `Secure`: browsers drop such cookies.
        case sameSiteNoneWithoutSecure
        /// A `__Secure-` name without `Secure`, or a `__Host-` name without `Secure`, with a
        /// domain, or with a path other than `/`.
        case prefixRequirements(String)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .invalidName(let name): "invalid cookie name \(name.debugDescription): it must be a non-empty token"
        case .invalidValue(let value): "invalid cookie value \(value.debugDescription): only visible ASCII except \" , ; \\"
        case .invalidPath(let path): "invalid cookie path \(path.debugDescription)"
        case .invalidDomain(let domain): "invalid cookie domain \(domain.debugDescription)"
        case .sameSiteNoneWithoutSecure: "SameSite=None needs Secure"
        case .prefixRequirements(let name): "the cookie \(name.debugDescription) breaks its prefix's rules (Secure; for __Host-: Path=/ and no Domain)"
        }
    }
}

extension Headers {
    /// Appends `cookie` as a `set-cookie` field.
    public mutating func append(_ cookie: SetCookie) {
        append(name: "set-cookie", value: cookie.headerValue)
    }
}
