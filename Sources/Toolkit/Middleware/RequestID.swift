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
/// through it. New ids are a random prefix per middleware and a counter, 15 characters
/// (`"k3q9v000000002a"`): unique per server run and cheap — no UUID, no allocation.
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

/// Makes request ids: 15 characters of base 32 (`0-9a-v`), a random 25-bit prefix chosen once
/// and a 50-bit counter. Fifteen UTF-8 bytes is what a `String` stores inline, so making an id
/// allocates nothing.
final class RequestIDGenerator: Sendable {
    static let length = 15
    private static let prefixDigits = 5
    private let prefix: UInt64
    private let counter = Atomic<UInt64>(0)

    init(prefix: UInt64 = UInt64.random(in: 0..<(1 << 25))) {
        self.prefix = prefix & (1 << 25 - 1)
    }

    func next() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        let value = prefix << 50 | (count & (1 << 50 - 1))
        return String(unsafeUninitializedCapacity: Self.length) { buffer in
            for index in 0..<Self.length {
                let digit = UInt8(truncatingIfNeeded: value >> UInt64(5 * (Self.length - 1 - index))) & 0x1F
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
            }
            return Self.length
        }
    }
}
