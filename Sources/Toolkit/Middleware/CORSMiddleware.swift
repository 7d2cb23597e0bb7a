/// Cross-origin resource sharing (the Fetch standard's CORS protocol), after Starlette's
/// `CORSMiddleware`.
///
/// - A preflight (`OPTIONS` with `origin` and `access-control-request-method`) is answered
///   here and never reaches the application: `204` with the `access-control-allow-*` fields
///   when origin, method and requested headers are allowed, else `400` with `Disallowed CORS
///   origin`, `method` and/or `headers` (`text/plain`).
/// - Any other request with an `origin` goes to the application, and its response start gets
///   `access-control-allow-origin` (plus `-allow-credentials` and `-expose-headers`) when the
///   origin is allowed. Requests without `origin` pass through untouched.
/// - With credentials the origin is echoed, never `*`; `vary: origin` is added whenever the
///   answer depends on the origin (an explicit list or predicate, an echoed origin).
///
/// ```swift
/// let cors = try CORSMiddleware(allowedOrigins: ["https://example.com"], allowedMethods: ["GET", "POST"],
///                               allowedHeaders: ["content-type"], allowCredentials: true)
/// let app = router.with(cors.on(pathPrefix: "/api"))
/// ```
///
/// Field values are checked when the middleware is made (`CORSConfigurationError`), so a bad
/// configuration fails at startup, not per request.
public struct CORSMiddleware: Middleware {
    /// The origins allowed.
    public enum AllowedOrigins: Sendable, ExpressibleByArrayLiteral {
        /// Every origin (`*`, or the origin echoed when credentials are allowed or a cookie is sent).
        case any
        /// These origins exactly (`"https://example.com"`); `"*"` in the list means `.any`.
        case list([String])
        /// Origins for which the predicate holds.
        case matching(@Sendable (String) -> Bool)

        public init(arrayLiteral elements: String...) { self = .list(elements) }
    }

    /// Methods or header names allowed: a list, or any (`*`).
    public enum Allowed: Sendable, ExpressibleByArrayLiteral, Equatable {
        /// Every method; for headers, the preflight's requested headers are mirrored back.
        case any
        /// These only; `"*"` in the list means `.any`.
        case list([String])

        public init(arrayLiteral elements: String...) { self = .list(elements) }
    }

    /// The header names a browser sends without asking (always allowed, as in Starlette).
    public static let safelistedHeaders = ["accept", "accept-language", "content-language", "content-type"]

    private enum OriginRule: Sendable {
        case any
        case list(Set<String>)
        case matching(@Sendable (String) -> Bool)
    }

    private let origins: OriginRule
    private let methods: Set<String>?  // nil: any
    private let headers: Set<String>?  // nil: any (mirrored); lowercased, safelisted included
    private let allowCredentials: Bool
    private let exposedHeaders: String?
    private let preflightFields: Headers  // allow-methods, max-age, allow-headers, credentials

    /// - Parameters:
    ///   - allowedOrigins: `.any`, a list (`["https://a.example"]`) or `.matching { … }`.
    ///   - allowedMethods: methods a preflight may ask for (`GET` by default, as Starlette).
    ///   - allowedHeaders: request headers a preflight may ask for, besides the safelisted ones;
    ///     `.any` mirrors what the preflight asks.
    ///   - allowCredentials: send `access-control-allow-credentials: true` (and echo origins).
    ///   - exposedHeaders: response headers scripts may read (`access-control-expose-headers`).
    ///   - maxAge: seconds a browser may cache a preflight's answer (600 by default); nil: not sent.
    public init(allowedOrigins: AllowedOrigins, allowedMethods: Allowed = ["GET"], allowedHeaders: Allowed = [],
                allowCredentials: Bool = false, exposedHeaders: [String] = [], maxAge: Int? = 600) throws(CORSConfigurationError) {
        switch allowedOrigins {
        case .any: origins = .any
        case .list(let list) where list.contains("*"): origins = .any
        case .list(let list):
            for origin in list where !HeaderSyntax.isOrigin(origin) { throw .invalidOrigin(origin) }
            origins = .list(Set(list))
        case .matching(let predicate): origins = .matching(predicate)
        }
        var fields = Headers()
        switch allowedMethods {
        case .list(let list) where !list.contains("*"):
            for method in list where !HeaderSyntax.isToken(method) { throw .invalidMethod(method) }
            methods = Set(list)
            fields.append(name: "access-control-allow-methods", value: list.joined(separator: ", "))
        case .any, .list:
            methods = nil
            fields.append(name: "access-control-allow-methods", value: "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
        }
        if let maxAge {
            guard maxAge >= 0 else { throw .negativeMaxAge(maxAge) }
            fields.append(name: "access-control-max-age", value: String(maxAge))
        }
        switch allowedHeaders {
        case .list(let list) where !list.contains("*"):
            for name in list where !HeaderSyntax.isToken(name) { throw .invalidHeaderName(name) }
            let names = Set(list.map { $0.lowercased() } + Self.safelistedHeaders)
            headers = names
            fields.append(name: "access-control-allow-headers", value: names.sorted().joined(separator: ", "))
        case .any, .list:
            headers = nil
        }
        for name in exposedHeaders where !HeaderSyntax.isToken(name) { throw .invalidHeaderName(name) }
        self.exposedHeaders = exposedHeaders.isEmpty ? nil : exposedHeaders.joined(separator: ", ")
        self.allowCredentials = allowCredentials
        if allowCredentials { fields.append(name: "access-control-allow-credentials", value: "true") }
        preflightFields = fields
    }

    /// Whether `origin` is allowed.
    public func allows(origin: String) -> Bool {
        switch origins {
        case .any: true
        case .list(let list): list.contains(origin)
        case .matching(let predicate): predicate(origin)
        }
    }

    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        guard case .http(let request) = scope, let origin = request.headers["origin"] else {
            return try await next(scope, receive, send)
        }
        if request.method == "OPTIONS", let method = request.headers["access-control-request-method"] {
            return try await answerPreflight(request, origin: origin, method: method, send)
        }
        let fields = simpleFields(origin: origin, hasCookie: request.headers.contains("cookie"))
        let adding = Send { message in
            if case .httpResponseStart(let status, let headers, let trailers) = message {
                try await send(.httpResponseStart(status: status, headers: Self.merge(fields, into: headers), trailers: trailers))
            } else {
                try await send(message)
            }
        }
        try await next(scope, receive, adding)
    }

    /// The fields an actual request's response gets for `origin`.
    func simpleFields(origin: String, hasCookie: Bool) -> Headers {
        var fields = Headers()
        let allowed = allows(origin: origin)
        if case .any = origins, !allowCredentials, !hasCookie {
            fields.append(name: "access-control-allow-origin", value: "*")
        } else if allowed {
            fields.append(name: "access-control-allow-origin", value: origin)
        }
        if allowed {
            if allowCredentials { fields.append(name: "access-control-allow-credentials", value: "true") }
            if let exposedHeaders { fields.append(name: "access-control-expose-headers", value: exposedHeaders) }
        }
        if fields["access-control-allow-origin"] != "*" {
            fields.append(name: "vary", value: "Origin")
        }
        return fields
    }

    /// The preflight's status, fields and body.
    func preflight(origin: String, method: String, requestedHeaders: String?) -> (status: Int, headers: Headers, body: String) {
        var fields = Headers()
        var failures: [String] = []
        let explicitOrigin: Bool
        if case .any = origins, !allowCredentials { explicitOrigin = false } else { explicitOrigin = true }
        if allows(origin: origin) {
            fields.append(name: "access-control-allow-origin", value: explicitOrigin ? origin : "*")
        } else {
            failures.append("origin")
        }
        if explicitOrigin { fields.append(name: "vary", value: "Origin") }
        if let methods, !methods.contains(method) { failures.append("method") }
        for field in preflightFields { fields.append(name: field.name, value: field.value) }
        if let requestedHeaders {
            if let headers {
                let names = requestedHeaders.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }.filter { !$0.isEmpty }
                if !names.allSatisfy(headers.contains) { failures.append("headers") }
            } else if HeaderSyntax.isFieldValue(requestedHeaders) {
                fields.append(name: "access-control-allow-headers", value: requestedHeaders)  // mirrored
            }
        }
        if failures.isEmpty { return (204, fields, "") }
        fields.append(name: "content-type", value: "text/plain; charset=utf-8")
        return (400, fields, "Disallowed CORS " + failures.joined(separator: ", "))
    }

    private func answerPreflight(_ request: HTTPScope, origin: String, method: String, _ send: Send) async throws {
        let answer = preflight(origin: origin, method: method, requestedHeaders: request.headers["access-control-request-headers"])
        try await send(.httpResponseStart(status: answer.status, headers: answer.headers))
        try await send(.httpResponseBody(body: Array(answer.body.utf8)))
    }

    /// `response` with `fields` set: the CORS fields replace any the application set, and
    /// `vary` is merged into an existing one.
    static func merge(_ fields: Headers, into response: Headers) -> Headers {
        var merged = Headers()
        merged.reserveCapacity(fields: response.count + fields.count, bytes: response.byteCount + fields.byteCount)
        let addsVary = fields.contains("vary")
        var varyMerged = false
        for field in response {
            if fields.contains(String(decoding: field.name, as: UTF8.self)) {
                if addsVary, Headers.asciiCaseInsensitiveEqual(field.name, "vary".utf8), !varyMerged {
                    let value = String(decoding: field.value, as: UTF8.self)
                    let listed = value.split(separator: ",").contains { $0.trimmingASCIISpaces().lowercased() == "origin" || $0.trimmingASCIISpaces() == "*" }
                    merged.append(name: field.name, value: (listed ? value : value + ", Origin").utf8)
                    varyMerged = true
                }
                continue  // replaced below
            }
            merged.append(name: field.name, value: field.value)
        }
        for field in fields where !(varyMerged && Headers.asciiCaseInsensitiveEqual(field.name, "vary".utf8)) {
            merged.append(name: field.name, value: field.value)
        }
        return merged
    }
}

/// Why a `CORSMiddleware` could not be made.
public enum CORSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An origin that is not a serialized origin (`scheme://host[:port]`, or `null`).
    case invalidOrigin(String)
    /// A method that is not an HTTP token.
    case invalidMethod(String)
    /// A header name that is not an HTTP token.
    case invalidHeaderName(String)
    /// A negative `maxAge`.
    case negativeMaxAge(Int)

    public var description: String {
        switch self {
        case .invalidOrigin(let origin): "CORS: '\(origin)' is not an origin (scheme://host[:port])"
        case .invalidMethod(let method): "CORS: '\(method)' is not an HTTP method token"
        case .invalidHeaderName(let name): "CORS: '\(name)' is not a header name"
        case .negativeMaxAge(let seconds): "CORS: max-age must be at least 0, not \(seconds)"
        }
    }
}

/// RFC 9110 syntax checks for configured field values.
private enum HeaderSyntax {
    /// `tchar`: what method names and header names are made of.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// Visible ASCII, spaces and tabs: a field value that cannot split a header.
    static func isFieldValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) }
    }

    /// `null` or `scheme://host[:port]` in visible ASCII, no path.
    static func isOrigin(_ text: String) -> Bool {
        if text == "null" { return true }
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }),
              let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8) else { return false }
        let scheme = bytes[..<colon]
        let authority = bytes[(colon + 3)...]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isASCIILetterOrDigit || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
            && !authority.isEmpty && !authority.contains(UInt8(ascii: "/"))
    }
}

extension UInt8 {
    fileprivate var isASCIILetterOrDigit: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
