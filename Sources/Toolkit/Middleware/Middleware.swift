/// A typed middleware: code that runs around the application it is stacked onto, with that
/// application passed in as `next`.
///
/// Stack middleware onto any `Application` once, at startup; the first listed runs first
/// (it sees the request before the others and the response after them):
///
/// ```swift
/// let app = try router.build().with(
///     RequestIDMiddleware(),
///     LoggingMiddleware(logger: logger),
///     try CORSMiddleware(allowedOrigins: .any).on(pathPrefix: "/api"))
/// ```
///
/// `with` nests generic structs (`MiddlewareApplication<Logging, MiddlewareApplication<…>>`),
/// so a call specialises down to direct calls and a pass-through middleware allocates nothing.
/// A middleware that wants to see the response wraps `send` in a closure (one allocation for
/// the closure's context); to leave a request alone it calls `next` with what it was given.
///
/// ```swift
/// struct Timing: Middleware {
///     func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
///         let start = ContinuousClock.now
///         try await next(scope, receive, send)
///         print(scope.path, ContinuousClock.now - start)
///     }
/// }
/// ```
///
/// Context for handlers is typed: set a value under a `ScopeValueKey` on a copy of the scope
/// and pass that copy to `next` (`RequestIDMiddleware` sets `scope.requestID` this way).
/// Nothing is buffered: `send` and `receive` pass each message on as it comes, so a streamed
/// response reaches the client chunk by chunk and a `Task` the handler starts runs unhindered.
///
/// The seed guide's form — an `Application` that holds the next `Application` and wraps
/// `send`/`receive` with closures — needs no protocol and composes with this one both ways:
/// it can be the `next` of a stack, and a stack can be its inner application.
///
/// ```swift
/// struct AccessLog<Next: Application>: Application {       // the pure ASGI wrapper
///     let next: Next
///     func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
///         try await next(scope, receive, Send { message in print(message.type); try await send(message) })
///     }
/// }
/// let app = AccessLog(next: handler.with(RequestIDMiddleware()))   // a stack inside a wrapper
///     .with(try CORSMiddleware(allowedOrigins: .any))               // and a wrapper inside a stack
/// ```
public protocol Middleware: Sendable {
    /// Handles one scope (HTTP request, WebSocket connection or lifespan), calling
    /// `next(scope, receive, send)` to pass it on, or answering it alone.
    func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws
}

/// An application with a middleware in front of it: what `Application.with(_:)` builds.
public struct MiddlewareApplication<Layer: Middleware, Next: Application>: Application {
    /// The middleware, which runs first.
    public let middleware: Layer
    /// The application it passes scopes on to.
    public let next: Next

    @inlinable
    public init(_ middleware: Layer, next: Next) {
        self.middleware = middleware
        self.next = next
    }

    @inlinable
    public func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await middleware.handle(scope, receive, send, next: next)
    }
}

/// An absent middleware passes every scope straight on, so an optional one (logging turned
/// off by a flag) stacks like any other and costs one branch when nil.
extension Optional: Middleware where Wrapped: Middleware {
    @inlinable
    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        if let middleware = self {
            try await middleware.handle(scope, receive, send, next: next)
        } else {
            try await next(scope, receive, send)
        }
    }
}

extension Application {
    /// This application behind `middleware`.
    @inlinable
    public func with<A: Middleware>(_ a: A) -> MiddlewareApplication<A, Self> {
        MiddlewareApplication(a, next: self)
    }

    /// This application behind the middleware listed; `a` runs first.
    @inlinable
    public func with<A: Middleware, B: Middleware>(_ a: A, _ b: B) -> MiddlewareApplication<A, MiddlewareApplication<B, Self>> {
        with(b).with(a)
    }

    /// This application behind the middleware listed; `a` runs first.
    @inlinable
    public func with<A: Middleware, B: Middleware, C: Middleware>(_ a: A, _ b: B, _ c: C)
        -> MiddlewareApplication<A, MiddlewareApplication<B, MiddlewareApplication<C, Self>>> {
        with(b, c).with(a)
    }

    /// This application behind the middleware listed; `a` runs first.
    @inlinable
    public func with<A: Middleware, B: Middleware, C: Middleware, D: Middleware>(_ a: A, _ b: B, _ c: C, _ d: D)
        -> MiddlewareApplication<A, MiddlewareApplication<B, MiddlewareApplication<C, MiddlewareApplication<D, Self>>>> {
        with(b, c, d).with(a)
    }

    /// This application behind the middleware listed; `a` runs first.
    @inlinable
    public func with<A: Middleware, B: Middleware, C: Middleware, D: Middleware, E: Middleware>(_ a: A, _ b: B, _ c: C, _ d: D, _ e: E)
        -> MiddlewareApplication<A, MiddlewareApplication<B, MiddlewareApplication<C, MiddlewareApplication<D, MiddlewareApplication<E, Self>>>>> {
        with(b, c, d, e).with(a)
    }

    /// This application behind the middleware listed; `a` runs first. (More than six: chain
    /// `with` calls; `app.with(c).with(a, b)` runs `a`, `b`, then `c`.)
    @inlinable
    public func with<A: Middleware, B: Middleware, C: Middleware, D: Middleware, E: Middleware, F: Middleware>(
        _ a: A, _ b: B, _ c: C, _ d: D, _ e: E, _ f: F
    ) -> MiddlewareApplication<A, MiddlewareApplication<B, MiddlewareApplication<C, MiddlewareApplication<D, MiddlewareApplication<E, MiddlewareApplication<F, Self>>>>>> {
        with(b, c, d, e, f).with(a)
    }
}
