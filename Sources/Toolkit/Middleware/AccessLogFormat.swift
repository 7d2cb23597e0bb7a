/// The shape of `LoggingMiddleware`'s line per HTTP request, compiled once into segments.
///
/// A format is text with `{token}`s; `{{` and `}}` write a literal brace. Tokens:
///
/// | token | value |
/// |---|---|
/// | `{method}` | the request method, `GET` |
/// | `{path}` | the percent-decoded path, `/users/7` |
/// | `{query}` | the raw query string, without `?` |
/// | `{target}` | the path, then `?` and the query when there is one |
/// | `{status}` | the response status, `200` |
/// | `{duration_ms}` | milliseconds from the request to the application's return, `3.142` |
/// | `{duration_s}` | the same in seconds, `0.003` (the seed guide's `{duration:.3f}`) |
/// | `{bytes}` | response body bytes sent |
/// | `{request_id}` | `scope.requestID` (see `RequestIDMiddleware`) |
/// | `{client}` | the client's `host:port` |
/// | `{protocol}` | `HTTP/1.1` |
/// | `{user_agent}` | the `user-agent` header |
///
/// An absent value (no request id, no client, no user agent, an empty query) is written `-`.
/// The default is the seed guide's line with the rest after it:
/// `HTTP GET /path 200 0.003s bytes=13 id=… client=127.0.0.1:50312`.
public struct AccessLogFormat: Sendable, Equatable, CustomStringConvertible {
    /// One value of a line.
    public enum Token: String, Sendable, CaseIterable {
        case method, path, query, target, status
        case durationMilliseconds = "duration_ms"
        case durationSeconds = "duration_s"
        case bytes
        case requestID = "request_id"
        case client
        case `protocol`
        case userAgent = "user_agent"
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case token(Token)
    }

    /// The format as written.
    public let source: String
    let segments: [Segment]

    /// The default line: `HTTP {method} {path} {status} {duration_s}s bytes={bytes} id={request_id} client={client}`.
    public static let `default` = try! AccessLogFormat("HTTP {method} {path} {status} {duration_s}s bytes={bytes} id={request_id} client={client}")

    /// Compiles `format`; an unknown or unterminated token throws, naming it.
    public init(_ format: String) throws(AccessLogFormatError) {
        source = format
        var segments: [Segment] = []
        var literal = ""
        var index = format.startIndex
        while index < format.endIndex {
            let character = format[index]
            let following = format.index(after: index)
            if character == "{" {
                if following < format.endIndex, format[following] == "{" {
                    literal.append("{")
                    index = format.index(after: following)
                    continue
                }
                guard let close = format[following...].firstIndex(of: "}") else {
                    throw .unterminatedToken(String(format[index...]))
                }
                let name = String(format[following..<close])
                guard let token = Token(rawValue: name) else { throw .unknownToken(name) }
                if !literal.isEmpty { segments.append(.literal(literal)) }
                literal = ""
                segments.append(.token(token))
                index = format.index(after: close)
            } else {
                // `}}` is a literal brace; a lone `}` is kept as written.
                literal.append(character)
                index = character == "}" && following < format.endIndex && format[following] == "}"
                    ? format.index(after: following) : following
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// The tokens the format uses, in order.
    public var tokens: [Token] {
        segments.compactMap { if case .token(let token) = $0 { token } else { nil } }
    }

    public var description: String { source }

    /// The line for `entry`.
    public func render(_ entry: AccessLogEntry) -> String {
        var line = ""
        line.reserveCapacity(96)
        for segment in segments {
            switch segment {
            case .literal(let text): line += text
            case .token(let token): entry.write(token, into: &line)
            }
        }
        return line
    }
}

/// Why an access-log format did not compile.
public enum AccessLogFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `{name}` is not a token.
    case unknownToken(String)
    /// A `{` without its `}`.
    case unterminatedToken(String)

    public var description: String {
        switch self {
        case .unknownToken(let name):
            "unknown access-log token '{\(name)}'; tokens: " + AccessLogFormat.Token.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")
        case .unterminatedToken(let text): "unterminated access-log token at '\(text)' (write '{{' for a literal brace)"
        }
    }
}

/// What one access-log line says about a request.
public struct AccessLogEntry: Sendable, Equatable {
    public var method: String
    public var path: String
    public var query: String
    public var status: Int
    public var duration: Duration
    public var bytes: Int
    public var requestID: String?
    public var client: PeerAddress?
    public var httpVersion: String
    public var userAgent: String?

    public init(method: String, path: String, query: String = "", status: Int, duration: Duration, bytes: Int,
                requestID: String? = nil, client: PeerAddress? = nil, httpVersion: String = "1.1", userAgent: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.duration = duration
        self.bytes = bytes
        self.requestID = requestID
        self.client = client
        self.httpVersion = httpVersion
        self.userAgent = userAgent
    }

    func write(_ token: AccessLogFormat.Token, into line: inout String) {
        switch token {
        case .method: line += method
        case .path: line += path
        case .query: line += query.isEmpty ? "-" : query
        case .target:
            line += path
            if !query.isEmpty { line += "?" + query }
        case .status: line += String(status)
        case .durationMilliseconds: line += Self.fixedPoint(duration, unitNanoseconds: 1_000_000)
        case .durationSeconds: line += Self.fixedPoint(duration, unitNanoseconds: 1_000_000_000)
        case .bytes: line += String(bytes)
        case .requestID: line += requestID ?? "-"
        case .client: line += client?.description ?? "-"
        case .protocol: line += "HTTP/" + httpVersion
        case .userAgent: line += userAgent ?? "-"
        }
    }

    /// `duration` in units of `unitNanoseconds`, rounded to three decimals (`0.003`), without
    /// Foundation's formatter.
    static func fixedPoint(_ duration: Duration, unitNanoseconds: Int64) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, seconds) &* 1_000_000_000 &+ max(0, attoseconds) / 1_000_000_000
        let thousandths = (nanoseconds + unitNanoseconds / 2_000) / (unitNanoseconds / 1_000)
        let fraction = String(thousandths % 1_000)
        return String(thousandths / 1_000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
