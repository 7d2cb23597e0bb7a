/// A middleware that runs only for paths under a prefix; every other scope (and the lifespan)
/// goes straight to the next application. Made with `middleware.on(pathPrefix:)`.
///
/// The prefix matches whole segments: `"/api"` covers `/api` and `/api/…`, not `/apis`.
public struct PathScopedMiddleware<Scoped: Middleware>: Middleware {
    /// The middleware run for matching paths.
    public let middleware: Scoped
    /// The prefix, without a trailing `/` (`""` matches every path).
    public let pathPrefix: String

    /// - Parameter pathPrefix: `"/api"`; a trailing `/` is ignored, so `"/api/"` is the same.
    public init(_ middleware: Scoped, pathPrefix: String) {
        self.middleware = middleware
        var prefix = Substring(pathPrefix)
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        self.pathPrefix = String(prefix)
    }

    /// Whether `path` is the prefix or below it.
    public func matches(_ path: String) -> Bool {
        let path = path.utf8
        let prefix = pathPrefix.utf8
        guard path.starts(with: prefix) else { return false }
        let rest = path.dropFirst(prefix.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }

    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        let path: String
        switch scope {
        case .http(let request): path = request.path
        case .websocket(let socket): path = socket.path
        case .lifespan: return try await next(scope, receive, send)
        }
        if matches(path) {
            try await middleware.handle(scope, receive, send, next: next)
        } else {
            try await next(scope, receive, send)
        }
    }
}

extension Middleware {
    /// This middleware for `pathPrefix` and the paths below it only (`"/api"`: `/api`, `/api/…`).
    public func on(pathPrefix: String) -> PathScopedMiddleware<Self> {
        PathScopedMiddleware(self, pathPrefix: pathPrefix)
    }
}
