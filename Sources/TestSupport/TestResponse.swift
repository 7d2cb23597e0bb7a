public import Foundation
public import RingwayCore

/// A response read by the test clients.
public struct TestResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers as on the wire, names lowercased (`date`, `server`, framing included).
    public var headers: Headers
    /// The whole body.
    public var body: [UInt8]
    /// The body pieces as they arrived (wire chunks or reads).
    public var bodyChunks: [[UInt8]]
    /// Trailer fields after a chunked body, in order.
    public var trailers = Headers()
    /// Interim 1xx responses that came before this one (e.g. `[100]`).
    public var informational: [Int] = []

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

    /// The body decoded as JSON.
    public func json<Value: Decodable>(_ type: Value.Type = Value.self, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
        try decoder.decode(type, from: Data(body))
    }
}
