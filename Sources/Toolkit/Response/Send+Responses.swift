public import Foundation
public import RingwaySSE

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One-line responses: each sends `http.response.start` and the whole body (one message,
/// so the server sets `content-length`). Every helper takes `status` and `headers`; a
/// `contentType` goes first unless `headers` has its own `content-type`. A HEAD request
/// needs nothing special: the server drops the body.
extension Send {
    /// A text response, `text/plain; charset=utf-8` by default.
    public func text(_ text: String, status: Int = 200, headers: Headers = Headers(),
                     contentType: String = "text/plain; charset=utf-8") async throws {
        try await bytes(Array(text.utf8), status: status, headers: headers, contentType: contentType)
    }

    /// An HTML response, `text/html; charset=utf-8` by default.
    public func html(_ html: String, status: Int = 200, headers: Headers = Headers(),
                     contentType: String = "text/html; charset=utf-8") async throws {
        try await bytes(Array(html.utf8), status: status, headers: headers, contentType: contentType)
    }

    /// `value` as JSON (`OrderedJSONEncoder`: keys in the order they are encoded, dictionary
    /// keys sorted, `Date` as ISO 8601), in `style`, `application/json` by default. Throws
    /// `ResponseError.jsonEncoding` (before anything is sent) when it does not encode.
    // Disfavored so that a literal (`send.json(["a": x, "b": y], style: .python)`) stays a
    // `JSONValue` with its keys in order instead of becoming a key-sorted `Dictionary`.
    @_disfavoredOverload
    public func json(_ value: some Encodable, style: JSONValue.Style = .compact, status: Int = 200, headers: Headers = Headers(),
                     contentType: String = "application/json") async throws {
        let body: [UInt8]
        do {
            body = try OrderedJSONEncoder(style: style).encode(value)
        } catch {
            throw ResponseError(.jsonEncoding(String(describing: error)))
        }
        try await bytes(body, status: status, headers: headers, contentType: contentType)
    }

    /// `value` encoded with Foundation's `encoder` (for its date, key and data strategies),
    /// `application/json` by default. Throws `ResponseError.jsonEncoding` (before anything is
    /// sent) when it does not encode.
    public func json(_ value: some Encodable, encoder: JSONEncoder, status: Int = 200, headers: Headers = Headers(),
                     contentType: String = "application/json") async throws {
        let body: Data
        do {
            body = try encoder.encode(value)
        } catch {
            throw ResponseError(.jsonEncoding(String(describing: error)))
        }
        try await bytes(Array(body), status: status, headers: headers, contentType: contentType)
    }

    /// A `JSONValue` in `style` (keys in their order, numbers as written), `application/json` by default.
    public func json(_ value: JSONValue, style: JSONValue.Style = .compact, status: Int = 200,
                     headers: Headers = Headers(), contentType: String = "application/json") async throws {
        try await bytes(value.serialized(style), status: status, headers: headers, contentType: contentType)
    }

    /// A response of `body` as it is; `contentType` nil sends none (unless `headers` has one).
    public func bytes(_ body: [UInt8], status: Int = 200, headers: Headers = Headers(),
                      contentType: String? = nil) async throws {
        try await self(.httpResponseStart(status: status, headers: Self.fields(headers, contentType: contentType)))
        try await self(.httpResponseBody(body: body, moreBody: false))
    }

    /// A redirect to `location` (`303 See Other` by default: the client follows with a GET;
    /// 307/308 keep the method). Throws `ResponseError.invalidRedirectLocation` for a
    /// location with a control character (CR, LF, NUL, …) and `.invalidRedirectStatus` for a
    /// status other than 301, 302, 303, 307 or 308; bytes outside ASCII and spaces are
    /// percent-encoded.
    public func redirect(to location: String, status: Int = 303, headers: Headers = Headers()) async throws {
        guard [301, 302, 303, 307, 308].contains(status) else { throw ResponseError(.invalidRedirectStatus(status)) }
        var encoded = ""
        for byte in location.utf8 {
            switch byte {
            case 0..<0x20, 0x7F: throw ResponseError(.invalidRedirectLocation(location))
            case 0x20, 0x80...: encoded += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            default: encoded.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        var fields: Headers = [("location", encoded)]
        for field in headers { fields.append(name: field.name, value: field.value) }
        try await bytes([], status: status, headers: fields)
    }

    /// A response with no body (`204`, `304`, `201` with a `location`, …).
    public func status(_ status: Int, headers: Headers = Headers()) async throws {
        try await bytes([], status: status, headers: headers)
    }

    /// The file at `path` as the body, sent by the server (`http.response.pathsend`: no copy
    /// through the application). The content type is `contentType`, else the one of the
    /// file's extension for common web files (`.css` → `text/css; charset=utf-8`), else
    /// `application/octet-stream`. A missing file throws `HTTPError.notFound` (the server
    /// answers 404); a file that cannot be read, `PathsendError` (500).
    public func file(_ path: String, status: Int = 200, headers: Headers = Headers(),
                     contentType: String? = nil) async throws {
        let type = contentType ?? Self.mediaType(ofFile: path)
        try await self(.httpResponseStart(status: status, headers: Self.fields(headers, contentType: type)))
        do {
            try await self(.httpResponsePathsend(path: path))
        } catch let error as PathsendError where error.errno == ENOENT || error.errno == ENOTDIR {
            // The start is still the server's to drop: nothing reached the wire.
            throw HTTPError.notFound
        }
    }

    /// A streamed response: `produce` writes the body in pieces (`chunked` on HTTP/1.1);
    /// the body ends when it returns. `text/plain; charset=utf-8` by default.
    ///
    /// ```swift
    /// try await send.stream { body in
    ///     for line in lines { try await body.write(line + "\n") }
    /// }
    /// ```
    public func stream(status: Int = 200, headers: Headers = Headers(), contentType: String = "text/plain; charset=utf-8",
                       _ produce: (StreamedBody) async throws -> Void) async throws {
        try await self(.httpResponseStart(status: status, headers: Self.fields(headers, contentType: contentType)))
        try await produce(StreamedBody(send: self))
        try await self(.httpResponseBody(body: [], moreBody: false))
    }

    /// An event stream from `sse` that `producer` feeds (`ServerSentEvents.stream`): returns
    /// when the stream ended; the producer is cancelled when the client leaves.
    public func eventStream(_ sse: ServerSentEvents, _ scope: Scope, _ receive: Receive, headers: Headers = Headers(),
                            _ producer: @escaping @Sendable (EventStream) async throws -> Void) async throws {
        try await sse.stream(scope, receive, self, headers: headers, producer)
    }

    /// The media type of a file named `path` by its extension (a few web types), or
    /// `application/octet-stream`.
    static func mediaType(ofFile path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        switch path[path.index(after: dot)...].lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "wasm": return "application/wasm"
        case "pdf": return "application/pdf"
        case "woff2": return "font/woff2"
        default: return "application/octet-stream"
        }
    }

    /// `headers` with `content-type: contentType` first unless they name their own.
    static func fields(_ headers: Headers, contentType: String?) -> Headers {
        guard let contentType, !headers.contains("content-type") else { return headers }
        var fields = Headers()
        fields.reserveCapacity(fields: headers.count + 1, bytes: headers.byteCount + 12 + contentType.utf8.count)
        fields.append(name: "content-type", value: contentType)
        for field in headers { fields.append(name: field.name, value: field.value) }
        return fields
    }
}

/// The body of a streamed response (`Send.stream`): each write is one body piece, sent at
/// once. Throws `ClientDisconnected` once the client is gone.
public struct StreamedBody: Sendable {
    let send: Send

    /// Writes `bytes` (an empty piece writes nothing).
    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await send(.httpResponseBody(body: bytes, moreBody: true))
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) async throws { try await write(Array(text.utf8)) }
}

/// A response helper was given something it cannot send; thrown before anything is sent
/// (so the server answers 500).
public struct ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The value did not encode as JSON (the encoder's description).
        case jsonEncoding(String)
        /// The location has a control character.
        case invalidRedirectLocation(String)
        /// The status is not a redirect's.
        case invalidRedirectStatus(Int)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .jsonEncoding(let detail): "the response value does not encode as JSON: \(detail)"
        case .invalidRedirectLocation(let location): "invalid redirect location \(location.debugDescription): control characters are not allowed"
        case .invalidRedirectStatus(let status): "\(status) is not a redirect status (301, 302, 303, 307 or 308)"
        }
    }
}
