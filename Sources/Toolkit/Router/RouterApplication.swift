/// A built router: an `Application` that hands each scope to the route its method and path
/// match, or answers it itself.
///
/// - A route's parameters reach its handler as `scope.pathParameters`; a static route's
///   handler gets the scope untouched.
/// - HEAD reaches a GET route (the handler sees `method == "HEAD"`; the server sends no body
///   and keeps GET's `content-length`), unless a HEAD route exists or `headFromGet` is off.
/// - A path with routes but none for the method: `405` with `allow` (in the order GET, HEAD,
///   POST, PUT, PATCH, DELETE, OPTIONS, then other methods); an HTTP request to a path with only
///   WebSocket routes: `426`; otherwise `404` (text or JSON, or `configuration.notFound`).
/// - A WebSocket no route takes is refused before it is accepted (`websocket.close` → 403).
/// - A mounted application gets `rootPath` extended by its prefix, `path` whole. The router
///   itself routes what follows `rootPath` when the path starts with it.
/// - Lifespan goes to `configuration.lifespan`, or is acknowledged.
///
/// The table is built once and only read: lookups allocate nothing.
public struct RouterApplication: Application {
    let table: RouteTable

    init(table: RouteTable) { self.table = table }

    /// Every registered route, in registration order: `GET /users/{id:int}  (Routes.swift:12)`.
    public var routes: [RouteDescription] { table.descriptions }

    public func callAsFunction(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        // The routed path is kept small and the rest in functions of their own: an async
        // frame holds the locals of every branch, and a large one makes the task allocator
        // take a new slab (a malloc) when the stack is already deep.
        switch scope {
        case .http(let http):
            let match = table.lookup(slot: table.slot(for: http.method), rawPath: http.rawPath, rootPath: http.rootPath)
            guard match.kind == .route else { return try await answerUnrouted(match, http, scope, receive, send) }
            let entry = table.routes[Int(match.route)]
            guard entry.setsValue else { return try await entry.app(scope, receive, send) }
            try await entry.app(Self.routed(http, MatchedRoute(entry.info, match.captures)), receive, send)
        case .websocket(let socket):
            try await dispatchWebSocket(socket, scope, receive, send)
        case .lifespan:
            try await lifespan(scope, receive, send)
        }
    }

    /// `http` with the match stored in its values.
    private static func routed(_ http: HTTPScope, _ matched: MatchedRoute) -> Scope {
        var routed = http
        routed.values[MatchedRouteKey.self] = matched
        return .http(routed)
    }

    /// A mount, or the router's own answer: 405, 426, a redirect, 404.
    private func answerUnrouted(_ match: RouteMatch, _ http: HTTPScope, _ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        switch match.kind {
        case .route:
            preconditionFailure("routes are dispatched by callAsFunction")
        case .mount:
            let entry = table.routes[Int(match.route)]
            var mounted = http
            mounted.rootPath = http.rootPath.isEmpty ? entry.info.mountPrefix : http.rootPath + entry.info.mountPrefix
            try await entry.app(.http(mounted), receive, send)
        case .methodNotAllowed:
            try await answer(table.methodNotAllowedAnswer(match.allowed), send)
        case .upgradeRequired:
            try await answer(table.upgradeRequiredAnswer, send)
        case .notFound:
            if table.configuration.trailingSlash == .redirect, let location = redirectLocation(http) {
                try await send(.httpResponseStart(status: 308, headers: [("location", location), ("content-length", "0")]))
                try await send(.httpResponseBody())
                return
            }
            if let notFound = table.configuration.notFound { return try await notFound(scope, receive, send) }
            try await answer(table.notFoundAnswer, send)
        }
    }

    private func dispatchWebSocket(_ socket: WebSocketScope, _ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let match = table.lookup(slot: RouteTable.webSocketSlot, rawPath: socket.rawPath, rootPath: socket.rootPath)
        switch match.kind {
        case .route:
            let entry = table.routes[Int(match.route)]
            guard entry.setsValue else { return try await entry.app(scope, receive, send) }
            var routed = socket
            routed.values[MatchedRouteKey.self] = MatchedRoute(entry.info, match.captures)
            try await entry.app(.websocket(routed), receive, send)
        case .mount:
            let entry = table.routes[Int(match.route)]
            var mounted = socket
            mounted.rootPath = socket.rootPath.isEmpty ? entry.info.mountPrefix : socket.rootPath + entry.info.mountPrefix
            try await entry.app(.websocket(mounted), receive, send)
        case .methodNotAllowed, .upgradeRequired, .notFound:
            if let notFound = table.configuration.notFound { return try await notFound(scope, receive, send) }
            // Refused before `websocket.connect` is read: the server answers 403, as the
            // seed's ASGIApplication does for an unknown path.
            try await send(.websocketClose())
        }
    }

    private func lifespan(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        if let lifespan = table.configuration.lifespan { return try await lifespan(scope, receive, send) }
        while true {
            switch try await receive() {
            case .lifespanStartup: try await send(.lifespanStartupComplete)
            case .lifespanShutdown:
                try await send(.lifespanShutdownComplete)
                return
            default: return
            }
        }
    }

    /// Where a missed request's twin with the last `/` toggled is, if a route takes it (the
    /// miss path only, so the allocations here cost a routed request nothing).
    private func redirectLocation(_ http: HTTPScope) -> String? {
        var twin = http.rawPath
        if twin.last == UInt8(ascii: "/") { twin.removeLast() } else { twin.append(UInt8(ascii: "/")) }
        guard !twin.isEmpty else { return nil }
        let match = table.lookup(slot: table.slot(for: http.method), rawPath: twin, rootPath: http.rootPath)
        guard match.kind == .route else { return nil }
        // The server may pass a root path without prefixing the path (see `remainderStart`).
        let prefixed = http.rootPath.isEmpty
            || twin.withUnsafeBufferPointer { RouteTable.remainderStart($0, rootPath: http.rootPath) } > 0
        var location = prefixed ? "" : http.rootPath
        location += String(decoding: twin, as: UTF8.self)
        if !http.queryString.isEmpty { location += "?" + String(decoding: http.queryString, as: UTF8.self) }
        return location
    }

    private func answer(_ answer: RouteTable.PreparedAnswer, _ send: Send) async throws {
        try await send(.httpResponseStart(status: answer.status, headers: answer.headers))
        try await send(.httpResponseBody(body: answer.body))
    }

    /// The body limit of the route `method` and `path` reach, in the shape of
    /// `HTTPServerConfiguration.bodyLimit`: `http.bodyLimit = app.bodyLimit`. nil (the server's
    /// default) for routes without one, mounts and misses. `path` is the decoded path the
    /// server passes. A limit above the parser's `limits.maxBodyBytes` needs that raised
    /// too: the parser enforces its maximum first.
    public func bodyLimit(method: String, path: String, headers: Headers) -> UInt64? {
        let slot = table.slot(for: method)
        func find(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
            let match = table.lookup(slot: slot, path: bytes, rootPath: "")
            guard match.kind == .route, let limit = table.routes[Int(match.route)].info.bodyLimit else { return nil }
            return UInt64(max(0, limit))
        }
        if let limit = path.utf8.withContiguousStorageIfAvailable(find) { return limit }
        return Array(path.utf8).withUnsafeBufferPointer(find)
    }

    /// What an HTTP request would reach, calling nothing (for tests, tooling and benchmarks).
    public func resolve(method: String, rawPath: [UInt8], rootPath: String = "") -> RouteResolution {
        resolution(table.lookup(slot: table.slot(for: method), rawPath: rawPath, rootPath: rootPath), rawPath: rawPath)
    }

    /// What a WebSocket handshake would reach, calling nothing.
    public func resolveWebSocket(rawPath: [UInt8], rootPath: String = "") -> RouteResolution {
        resolution(table.lookup(slot: RouteTable.webSocketSlot, rawPath: rawPath, rootPath: rootPath), rawPath: rawPath)
    }

    private func resolution(_ match: RouteMatch, rawPath: [UInt8]) -> RouteResolution {
        switch match.kind {
        case .route:
            let info = table.routes[Int(match.route)].info
            return .route(pattern: info.pattern, parameters: PathParameters(MatchedRoute(info, match.captures), rawPath: rawPath))
        case .mount: return .mount(prefix: table.routes[Int(match.route)].info.mountPrefix)
        case .methodNotAllowed: return .methodNotAllowed(allow: table.methodNotAllowedAnswer(match.allowed).allow)
        case .upgradeRequired: return .upgradeRequired
        case .notFound: return .notFound
        }
    }
}

/// Where a request would go (`RouterApplication.resolve`).
public enum RouteResolution: Sendable {
    /// The route with this pattern, and its parameters.
    case route(pattern: String, parameters: PathParameters)
    /// The application mounted at `prefix`.
    case mount(prefix: String)
    /// `405` with this `allow` value.
    case methodNotAllowed(allow: String)
    /// `426`: the path has only WebSocket routes.
    case upgradeRequired
    /// `404`.
    case notFound
}
