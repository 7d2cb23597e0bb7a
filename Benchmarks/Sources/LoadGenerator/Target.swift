/// Where the load goes: `http://host:port/path` or `ws://host:port/path` (IPv4 literal or
/// `localhost`; the benchmark only ever talks to loopback).
struct Target: Sendable, CustomStringConvertible {
    enum Scheme: String, Sendable { case http, ws }

    let scheme: Scheme
    let host: String
    let port: UInt16
    /// Path and query, starting with `/`.
    let path: String

    var description: String { "\(scheme.rawValue)://\(host):\(port)\(path)" }

    init(scheme: Scheme, host: String, port: UInt16, path: String) {
        (self.scheme, self.host, self.port, self.path) = (scheme, host, port, path)
    }

    /// Parses `url`; nil with no scheme, a bad port, or a scheme other than http/ws.
    init?(_ url: String) {
        guard let separator = url.range(of: "://"), let scheme = Scheme(rawValue: String(url[..<separator.lowerBound])) else { return nil }
        var rest = url[separator.upperBound...]
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<pathStart]
        rest = rest[pathStart...]
        let hostPart: Substring
        let port: UInt16
        if let colon = authority.lastIndex(of: ":") {
            guard let value = UInt16(authority[authority.index(after: colon)...]), value > 0 else { return nil }
            hostPart = authority[..<colon]
            port = value
        } else {
            hostPart = authority
            port = 80
        }
        guard !hostPart.isEmpty else { return nil }
        self.scheme = scheme
        self.host = hostPart == "localhost" ? "127.0.0.1" : String(hostPart)
        self.port = port
        self.path = rest.isEmpty ? "/" : String(rest)
    }
}
