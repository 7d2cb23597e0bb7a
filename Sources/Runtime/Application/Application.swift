/// An ASGI-shaped application: one async callable per scope.
///
/// The runtime calls it once per HTTP request, once per WebSocket connection and once for
/// the lifespan, with that scope's `receive` and `send`. Returning ends the scope; throwing
/// before the response started makes the runtime answer 500.
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
/// (and by the in-memory test client). `exchange` identifies the scope instance, so a
/// stale `Receive`/`Send` kept past its scope is detected instead of acting on a newer one.
public protocol MessageChannel: AnyObject, Sendable {
    func receive(exchange: UInt64) async throws -> ReceiveMessage
    func send(_ message: SendMessage, exchange: UInt64) async throws
}

/// The ASGI `receive` callable of one scope: `let message = try await receive()`.
///
/// Pulls the next inbound message; returns without suspending when it is already parsed.
public struct Receive: Sendable {
    @usableFromInline let channel: any MessageChannel
    @usableFromInline let exchange: UInt64

    public init(channel: any MessageChannel, exchange: UInt64) {
        self.channel = channel
        self.exchange = exchange
    }

    @inlinable
    public func callAsFunction() async throws -> ReceiveMessage {
        try await channel.receive(exchange: exchange)
    }
}

/// The ASGI `send` callable of one scope: `try await send(.httpResponseBody(...))`.
///
/// Suspends only while the connection's unsent bytes are above the high-water mark.
public struct Send: Sendable {
    @usableFromInline let channel: any MessageChannel
    @usableFromInline let exchange: UInt64

    public init(channel: any MessageChannel, exchange: UInt64) {
        self.channel = channel
        self.exchange = exchange
    }

    @inlinable
    public func callAsFunction(_ message: SendMessage) async throws {
        try await channel.send(message, exchange: exchange)
    }
}
