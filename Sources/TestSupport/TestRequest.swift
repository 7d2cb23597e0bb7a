public import Foundation
public import RingwayCore

/// A request for the test clients: method, target, headers and a body, serialized to the
/// wire exactly as a client would send it.
///
/// ```swift
/// try await session.request(.post("/items", json: Item(name: "pen")))
/// try await session.request(.get("/search", query: [("q", "swift")]))
/// ```
public struct TestRequest: Sendable {
    /// How the body goes on the wire.
    public enum BodyFraming: Sendable, Equatable {
        /// `content-length` (none for an empty body without `contentLengthForEmpty`).
        case contentLength
        /// `transfer-encoding: chunked`, one chunk per element of `chunks`, then `trailers`.
        case chunked(trailers: Headers = Headers())
    }

    /// The method (`GET`).
    public var method: String
    /// The path, percent-encoded as it goes on the wire; may carry `?query`.
    public var path: String
    /// Query parameters appended (percent-encoded) to `path`.
    public var query: [(String, String)]
    /// Request headers; `host` and the framing headers are added when missing.
    public var headers: Headers
    /// The body, in the pieces it is written in (each a separate write, or a chunk).
    public var chunks: [[UInt8]]
    /// How the body is framed.
    public var framing: BodyFraming
    /// Sends `content-length: 0` for a request without a body (as curl does for POST).
    public var contentLengthForEmpty: Bool

    public init(_ method: String, _ path: String, query: [(String, String)] = [], headers: Headers = Headers(),
                body: [UInt8] = [], framing: BodyFraming = .contentLength) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.chunks = body.isEmpty ? [] : [body]
        self.framing = framing
        self.contentLengthForEmpty = ["POST", "PUT", "PATCH"].contains(method)
    }

    /// `GET path`.
    public static func get(_ path: String, query: [(String, String)] = [], headers: Headers = Headers()) -> TestRequest {
        TestRequest("GET", path, query: query, headers: headers)
    }

    /// `POST path` with raw bytes.
    public static func post(_ path: String, body: [UInt8], headers: Headers = Headers()) -> TestRequest {
        TestRequest("POST", path, headers: headers, body: body)
    }

    /// `POST path` with a UTF-8 text body.
    public static func post(_ path: String, text: String, headers: Headers = Headers()) -> TestRequest {
        TestRequest("POST", path, headers: headers, body: Array(text.utf8))
    }

    /// `method path` with `value` encoded as JSON (`content-type: application/json`).
    public static func json(_ path: String, _ value: some Encodable, method: String = "POST", headers: Headers = Headers(),
                            encoder: JSONEncoder = JSONEncoder()) throws -> TestRequest {
        var request = TestRequest(method, path, headers: headers, body: Array(try encoder.encode(value)))
        if !request.headers.contains("content-type") { request.headers.append(name: "content-type", value: "application/json") }
        return request
    }

    /// `method path` with URL-encoded form fields (`application/x-www-form-urlencoded`).
    public static func form(_ path: String, _ fields: [(String, String)], method: String = "POST", headers: Headers = Headers()) -> TestRequest {
        let body = fields.map { "\(formEncoded($0.0))=\(formEncoded($0.1))" }.joined(separator: "&")
        var request = TestRequest(method, path, headers: headers, body: Array(body.utf8))
        if !request.headers.contains("content-type") {
            request.headers.append(name: "content-type", value: "application/x-www-form-urlencoded")
        }
        return request
    }

    /// The body, whole.
    public var body: [UInt8] { chunks.flatMap { $0 } }

    /// The request target: `path` plus the encoded `query`.
    public var target: String {
        guard !query.isEmpty else { return path }
        let encoded = query.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        return path + (path.contains("?") ? "&" : "?") + encoded
    }

    /// The bytes on the wire, one element per write: the head with the first body piece,
    /// then the other pieces.
    public func serialized(host: String) -> [[UInt8]] {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !headers.contains("host") { head += "host: \(host)\r\n" }
        for field in headers {
            head += "\(String(decoding: field.name, as: UTF8.self)): \(String(decoding: field.value, as: UTF8.self))\r\n"
        }
        let explicitFraming = headers.contains("content-length") || headers.contains("transfer-encoding")
        switch framing {
        case .contentLength:
            let total = chunks.reduce(0) { $0 + $1.count }
            if !explicitFraming && (total > 0 || contentLengthForEmpty) { head += "content-length: \(total)\r\n" }
            head += "\r\n"
            var writes = chunks
            if writes.isEmpty { return [Array(head.utf8)] }
            writes[0] = Array(head.utf8) + writes[0]
            return writes
        case .chunked(let trailers):
            if !explicitFraming { head += "transfer-encoding: chunked\r\n" }
            head += "\r\n"
            var writes: [[UInt8]] = [Array(head.utf8)]
            for chunk in chunks where !chunk.isEmpty {
                writes.append(Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8))
            }
            var last = "0\r\n"
            for field in trailers {
                last += "\(String(decoding: field.name, as: UTF8.self)): \(String(decoding: field.value, as: UTF8.self))\r\n"
            }
            writes.append(Array((last + "\r\n").utf8))
            return writes
        }
    }

    /// `application/x-www-form-urlencoded` encoding of one name or value.
    static func formEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded
            }
        }
        return result
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
