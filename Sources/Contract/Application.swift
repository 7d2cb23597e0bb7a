/// An ASGI-shaped application: one async callable per scope.
///
/// The runtime calls it once per HTTP request, once per WebSocket connection and once for
/// the lifespan, with that scope's `receive` and `send`. Returning ends the scope; throwing
/// before the response started makes the runtime answer 500 (or, for an `HTTPResponseError`,
/// the response it carries).
public protocol Application: Sendable {
    func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws
}

/// An application made from a closure.
///
/// ```swift
/// let hello = App { scope, receive, send in
///     try await send(.httpResponseStart(status: 200, headers: [("content-type", "text/plain")]))
///     try await send(.httpResponseBody("Hello World"))
/// }
/// ```
public struct App: Application {
    private let body: @Sendable (Scope, Receive, Send) async throws -> Void

    public init(_ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) {
        self.body = body
    }

    public func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await body(scope, receive, send)
    }
}

/// The far side of one scope's message streams: implemented by each protocol handler
/// and the lifespan runner. `exchange` identifies the scope instance, so a stale
/// `Receive`/`Send` kept past its scope is detected instead of acting on a newer one.
/// Machinery: applications and middleware make `Receive`/`Send` from closures instead.
@usableFromInline
package protocol MessageChannel: AnyObject, Sendable {
    func receive(exchange: UInt64) async throws -> ReceiveMessage
    func send(_ message: SendMessage, exchange: UInt64) async throws
}

/// The ASGI `receive` callable of one scope: `let message = try await receive()`.
///
/// Pulls the next inbound message; returns without suspending when it is already parsed.
/// Middleware makes its own from a closure, usually around the one it was given:
///
/// ```swift
/// let logged = Receive { let message = try await receive(); log(message.type); return message }
/// ```
public struct Receive: Sendable {
    /// Where messages come from: a protocol handler's channel (the server's and the test
    /// client's case, one switch and one witness call per message) or a closure.
    @usableFromInline enum Source: Sendable {
        case channel(any MessageChannel, UInt64)
        case closure(@Sendable () async throws -> ReceiveMessage)
    }

    @usableFromInline let source: Source

    /// A `receive` reading from `channel` for the scope instance `exchange`.
    package init(channel: any MessageChannel, exchange: UInt64) {
        self.source = .channel(channel, exchange)
    }

    /// A `receive` that calls `body` for each message.
    public init(_ body: @escaping @Sendable () async throws -> ReceiveMessage) {
        self.source = .closure(body)
    }

    @inlinable @inline(__always)
    public func callAsFunction() async throws -> ReceiveMessage {
        switch source {
        case .channel(let channel, let exchange): try await channel.receive(exchange: exchange)
        case .closure(let body): try await body()
        }
    }
}

/// The ASGI `send` callable of one scope: `try await send(.httpResponseBody(...))`.
///
/// Suspends only while the connection's unsent bytes are above the high-water mark.
/// Middleware wraps the one it was given with a closure, e.g. to see the status:
///
/// ```swift
/// let wrapped = Send { message in
///     if case .httpResponseStart(let status, _, _) = message { log(status) }
///     try await send(message)
/// }
/// ```
public struct Send: Sendable {
    /// Where messages go: a protocol handler's channel or a closure (see `Receive.Source`).
    @usableFromInline enum Sink: Sendable {
        case channel(any MessageChannel, UInt64)
        case closure(@Sendable (SendMessage) async throws -> Void)
    }

    @usableFromInline let sink: Sink

    /// A `send` writing to `channel` for the scope instance `exchange`.
    package init(channel: any MessageChannel, exchange: UInt64) {
        self.sink = .channel(channel, exchange)
    }

    /// A `send` that calls `body` with each message.
    public init(_ body: @escaping @Sendable (SendMessage) async throws -> Void) {
        self.sink = .closure(body)
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ message: SendMessage) async throws {
        switch sink {
        case .channel(let channel, let exchange): try await channel.send(message, exchange: exchange)
        case .closure(let body): try await body(message)
        }
    }
}
