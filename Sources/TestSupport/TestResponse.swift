public import RingwayCore

/// A response collected by `TestClient` or `LiveClient`.
public struct TestResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers in order (as the app sent them for `TestClient`; as on the wire,
    /// names lowercased, for `LiveClient`).
    public var headers: Headers
    /// The whole body.
    public var body: [UInt8]
    /// The body pieces as they were sent (`http.response.body` messages or wire chunks).
    public var bodyChunks: [[UInt8]]
    /// Trailer fields after a chunked body (`http.response.trailers`), in order.
    public var trailers = Headers()

    public init(status: Int, headers: Headers, body: [UInt8], bodyChunks: [[UInt8]]) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyChunks = bodyChunks
    }

    /// The body decoded as UTF-8.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of header `name` (case-insensitive), as a string.
    public func header(_ name: String) -> String? { headers[name] }
}
