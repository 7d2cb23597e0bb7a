import Synchronization

/// The scope value `RequestIDMiddleware` sets: the request's id (read it as `scope.requestID`).
public enum RequestIDKey: ScopeValueKey {
    public typealias Value = String
}

extension HTTPScope {
    /// The request id `RequestIDMiddleware` took from `x-request-id` or made; nil without it.
    public var requestID: String? {
        get { values[RequestIDKey.self] }
        set { values[RequestIDKey.self] = newValue }
    }
}

extension WebSocketScope {
    /// The connection's request id (see `HTTPScope.requestID`).
    public var requestID: String? {
        get { values[RequestIDKey.self] }
        set { values[RequestIDKey.self] = newValue }
    }
}

extension Scope {
    /// The request id of an HTTP or WebSocket scope (see `HTTPScope.requestID`).
    public var requestID: String? {
        get { values[RequestIDKey.self] }
        set { values[RequestIDKey.self] = newValue }
    }
}

/// Gives every HTTP request and WebSocket connection an id: the client's `x-request-id` when
/// it is a sane token, else a new one. The id is the scope's `requestID` for the handlers and
/// the middleware after this one, and goes back on the response as `x-request-id` (on the
/// `websocket.accept` or denial response for a WebSocket).
///
/// A sane token is 1…`maximumLength` visible ASCII bytes (`!`…`~`): anything else (spaces,
/// control bytes, UTF-8, an oversized value) is replaced, so a log line cannot be forged
/// through it. New ids are a random per-process prefix and a counter
/// (`"9f3a61c2d04b7e18-000000000000002a"`): unique per server run and cheap — no UUID per request.
public struct RequestIDMiddleware: Middleware {
    /// The longest incoming id kept.
    public static let maximumLength = 128

    /// The header read from the request and written on the response (lowercase).
    public let headerName: String
    /// Whether an incoming id is kept; false makes a new one for every request.
    public let trustsIncoming: Bool
    private let generator: RequestIDGenerator

    /// - Parameters:
    ///   - headerName: the header carrying the id, `x-request-id` by default.
    ///   - trustIncoming: keep a sane id the client sent (default) instead of making one.
    public init(headerName: String = "x-request-id", trustIncoming: Bool = true) {
        self.headerName = headerName.lowercased()
        self.trustsIncoming = trustIncoming
        self.generator = RequestIDGenerator()
    }

    /// Whether `value` is kept as a request id: 1…`maximumLength` bytes of visible ASCII.
    public static func isAcceptable(_ value: some Collection<UInt8>) -> Bool {
        (1...maximumLength).contains(value.count) && value.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// A new id (what a request without a sane one gets).
    public func makeID() -> String { generator.next() }

    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        switch scope {
        case .http(var request):
            let id = requestID(from: request.headers)
            request.requestID = id
            let name = headerName
            let tagging = Send { message in
                if case .httpResponseStart(let status, var headers, let trailers) = message, !headers.contains(name) {
                    headers.append(name: name, value: id)
                    try await send(.httpResponseStart(status: status, headers: headers, trailers: trailers))
                } else {
                    try await send(message)
                }
            }
            try await next(.http(request), receive, tagging)
        case .websocket(var socket):
            let id = requestID(from: socket.headers)
            socket.requestID = id
            let name = headerName
            let tagging = Send { message in
                switch message {
                case .websocketAccept(let subprotocol, var headers) where !headers.contains(name):
                    headers.append(name: name, value: id)
                    try await send(.websocketAccept(subprotocol: subprotocol, headers: headers))
                case .websocketHTTPResponseStart(let status, var headers) where !headers.contains(name):
                    headers.append(name: name, value: id)
                    try await send(.websocketHTTPResponseStart(status: status, headers: headers))
                default:
                    try await send(message)
                }
            }
            try await next(.websocket(socket), receive, tagging)
        case .lifespan:
            try await next(scope, receive, send)
        }
    }

    private func requestID(from headers: Headers) -> String {
        if trustsIncoming, let incoming = headers.first(headerName), Self.isAcceptable(incoming) {
            return String(decoding: incoming, as: UTF8.self)
        }
        return generator.next()
    }
}

/// Makes request ids: a random 64-bit prefix chosen once, then a counter, both in hex.
final class RequestIDGenerator: Sendable {
    private let prefix: UInt64
    private let counter = Atomic<UInt64>(0)

    init(prefix: UInt64 = UInt64.random(in: .min ... .max)) {
        self.prefix = prefix
    }

    func next() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        // 16 hex digits, a dash, 16 hex digits: one String allocation, no formatting machinery.
        return String(unsafeUninitializedCapacity: 33) { buffer in
            Self.writeHex(prefix, into: buffer, at: 0)
            buffer[16] = UInt8(ascii: "-")
            Self.writeHex(count, into: buffer, at: 17)
            return 33
        }
    }

    private static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        for index in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
            buffer[start + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
        }
    }
}
