/// An HTTP error response to throw: status, headers and body, `text/plain` by default.
///
/// Thrown before the response started, the server (and the test client) answers with it
/// instead of `500 Internal Server Error`, and logs it at debug level, not as an
/// application error. The toolkit's helpers throw it to refuse a request (413 for a body
/// over its limit, `400 Invalid JSON`, 400 for a bad form encoding); handlers throw their own.
///
/// ```swift
/// guard let user = users[id] else { throw HTTPError.notFound }
/// throw HTTPError(403, "Forbidden: not your document")
/// ```
public struct HTTPError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// The status, 400…599 (another status is answered 500).
    public var status: Int
    /// The response's fields (`content-type` included); the server adds the framing.
    public var headers: Headers
    /// The response body.
    public var body: [UInt8]
    /// What went wrong, for logs: the body's text for the plain-text errors.
    public var message: String

    /// A plain-text error: `message` is the body (`text/plain; charset=utf-8`); nil uses the
    /// status's reason phrase (`"Not Found"`).
    public init(_ status: Int, _ message: String? = nil, headers: Headers = Headers()) {
        let text = message ?? Self.reasonPhrase(status)
        // The caller's `content-type` wins; otherwise plain text comes first.
        var fields: Headers = headers.contains("content-type") ? Headers() : [("content-type", "text/plain; charset=utf-8")]
        for field in headers { fields.append(name: field.name, value: field.value) }
        self.status = status
        self.headers = fields
        self.body = Array(text.utf8)
        self.message = text
    }

    /// An error with any body: `headers` should name its `content-type`.
    public init(status: Int, headers: Headers, body: [UInt8], message: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.message = message ?? Self.reasonPhrase(status)
    }

    public var description: String { "HTTP \(status): \(message)" }

    /// `400 Bad Request` with `message` as its body (e.g. `"Invalid JSON"`).
    public static func badRequest(_ message: String = "Bad Request") -> HTTPError { HTTPError(400, message) }

    /// `404 Not Found`.
    public static var notFound: HTTPError { HTTPError(404) }

    /// `405 Method Not Allowed` with the `allow` field listing `allow` (`"GET, HEAD"`).
    public static func methodNotAllowed(allow: [String]) -> HTTPError {
        HTTPError(405, headers: [("allow", allow.joined(separator: ", "))])
    }

    /// `413 Content Too Large`: the request body is over `limit` bytes.
    public static func contentTooLarge(limit: Int) -> HTTPError {
        HTTPError(413, "Content Too Large: the body exceeds \(limit) bytes")
    }

    /// `415 Unsupported Media Type`: the body is not of the `expected` type.
    public static func unsupportedMediaType(expected: String) -> HTTPError {
        HTTPError(415, "Unsupported Media Type: expected \(expected)")
    }

    /// The reason phrase of `status`, or `"Error"` for one without a standard phrase.
    static func reasonPhrase(_ status: Int) -> String { HTTPReasonPhrase.standard(status) ?? "Error" }
}
