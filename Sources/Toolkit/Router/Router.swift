/// An HTTP request method: the seven the router knows by name, or any other token.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The method as sent, e.g. `"GET"` (methods are case-sensitive).
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let get: HTTPMethod = "GET"
    public static let head: HTTPMethod = "HEAD"
    public static let post: HTTPMethod = "POST"
    public static let put: HTTPMethod = "PUT"
    public static let patch: HTTPMethod = "PATCH"
    public static let delete: HTTPMethod = "DELETE"
    public static let options: HTTPMethod = "OPTIONS"

    public var description: String { rawValue }
}

/// How a `RouterApplication` answers what no route takes.
public struct RouterConfiguration: Sendable {
    /// The body of the router's own 404 and 405 answers.
    public enum ErrorBody: Sendable {
        /// `text/plain; charset=utf-8`: `Not Found`, `Method Not Allowed`.
        case text
        /// `application/json`: `{"detail":"Not Found"}`, `{"detail":"Method Not Allowed"}`.
        case json
    }

    /// What a path that differs from a route only by its trailing `/` gets.
    public enum TrailingSlash: Sendable {
        /// A 404: `/users` and `/users/` are different paths.
        case strict
        /// A `308` to the registered twin (`location` keeps the root path and the query).
        case redirect
    }

    /// The 404/405 body format. Default `.text`.
    public var errorBody: ErrorBody
    /// `/users/` for a route `/users` (or the reverse): 404 or a redirect. Default `.strict`.
    public var trailingSlash: TrailingSlash
    /// Whether a GET route also answers HEAD (the handler sees `method == "HEAD"`; the server
    /// drops the body and keeps GET's `content-length`). An explicit HEAD route wins. Default true.
    public var headFromGet: Bool
    /// Called instead of the router's 404, with the scope unchanged (e.g. an older app the
    /// router sits in front of). Also gets WebSocket connections no route takes.
    public var notFound: (any Application)?
    /// Receives the lifespan scope; nil: the router acknowledges startup and shutdown itself
    /// (mounted applications get no lifespan).
    public var lifespan: (any Application)?

    public init(errorBody: ErrorBody = .text, trailingSlash: TrailingSlash = .strict, headFromGet: Bool = true,
                notFound: (any Application)? = nil, lifespan: (any Application)? = nil) {
        self.errorBody = errorBody
        self.trailingSlash = trailingSlash
        self.headFromGet = headFromGet
        self.notFound = notFound
        self.lifespan = lifespan
    }
}

/// What `Router` and `RouteGroup` share: registering routes. Every method records the
/// caller's `#fileID`/`#line`, which `Router.build()` names in its errors.
public protocol RouteRegistering {
    /// Routes `method` requests whose path matches `pattern` to `app`. `bodyLimit` is the
    /// route's request-body limit in bytes (see `Scope.routeBodyLimit`).
    @discardableResult
    func on(_ method: HTTPMethod, _ pattern: String, _ app: some Application, bodyLimit: Int?, file: StaticString, line: UInt) -> Self
    /// Routes WebSocket connections whose path matches `pattern` to `app`.
    @discardableResult
    func websocket(_ pattern: String, _ app: some Application, file: StaticString, line: UInt) -> Self
    /// Hands every request and WebSocket under the static `prefix` (`/admin`, `/admin/…`,
    /// not `/adminx`) to `app`, with `rootPath` extended by the prefix and `path` kept whole.
    /// Routes registered under the prefix win over the mount.
    @discardableResult
    func mount(_ prefix: String, _ app: some Application, file: StaticString, line: UInt) -> Self
    /// Routes registered under `prefix`, which may hold parameters (`/tenants/{tenant}`).
    func group(_ prefix: String) -> RouteGroup
}

extension RouteRegistering {
    @discardableResult
    public func on(_ method: HTTPMethod, _ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                   _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(method, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }

    @discardableResult
    public func get(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.get, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func get(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                    _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.get, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func head(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.head, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func head(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                     _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.head, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func post(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.post, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func post(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                     _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.post, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func put(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.put, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func put(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                    _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.put, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func patch(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.patch, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func patch(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                      _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.patch, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func delete(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.delete, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func delete(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                       _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.delete, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func options(_ pattern: String, _ app: some Application, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Self {
        on(.options, pattern, app, bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func options(_ pattern: String, bodyLimit: Int? = nil, file: StaticString = #fileID, line: UInt = #line,
                        _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        on(.options, pattern, App(body), bodyLimit: bodyLimit, file: file, line: line)
    }
    @discardableResult
    public func websocket(_ pattern: String, file: StaticString = #fileID, line: UInt = #line,
                          _ body: @escaping @Sendable (Scope, Receive, Send) async throws -> Void) -> Self {
        websocket(pattern, App(body), file: file, line: line)
    }
    /// Calls `body` with the group of routes under `prefix`.
    public func group(_ prefix: String, _ body: (RouteGroup) -> Void) {
        body(group(prefix))
    }
}

/// One registration as written, checked by `build()`.
struct RouteRegistration {
    enum Target {
        case http(HTTPMethod)
        case websocket
        case mount
    }

    let target: Target
    let pattern: String
    let app: any Application
    let bodyLimit: Int?
    /// `File.swift:12`.
    let location: String

    var label: String {
        switch target {
        case .http(let method): "\(method.rawValue) \(pattern)"
        case .websocket: "WS \(pattern)"
        case .mount: "MOUNT \(pattern)"
        }
    }

    static func location(_ file: StaticString, _ line: UInt) -> String {
        let path = file.description
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "\(name):\(line)"
    }
}

/// Registers routes at startup; `build()` checks them all and freezes them into a
/// `RouterApplication`.
///
/// ```swift
/// let router = Router()
/// router.get("/home", home).get("/api", api)
/// router.get("/users/{id:int}") { scope, _, send in
///     let id = scope.pathParameters.int("id")!      // the pattern guarantees it parses
///     …
/// }
/// router.websocket("/chat/{room}", chat)
/// router.group("/api/v2") { $0.post("/echo", echo) }
/// router.mount("/legacy", legacyApp)
/// let app = try router.build()                      // every problem reported here, with file:line
/// ```
/// Not `Sendable`: a builder used while the application is assembled.
public final class Router: RouteRegistering {
    /// The 404/405, HEAD and lifespan behaviour of the built application.
    public var configuration: RouterConfiguration
    var registrations: [RouteRegistration] = []

    public init(configuration: RouterConfiguration = RouterConfiguration()) {
        self.configuration = configuration
    }

    @discardableResult
    public func on(_ method: HTTPMethod, _ pattern: String, _ app: some Application, bodyLimit: Int? = nil,
                   file: StaticString = #fileID, line: UInt = #line) -> Router {
        registrations.append(RouteRegistration(target: .http(method), pattern: pattern, app: app, bodyLimit: bodyLimit,
                                               location: RouteRegistration.location(file, line)))
        return self
    }

    @discardableResult
    public func websocket(_ pattern: String, _ app: some Application, file: StaticString = #fileID, line: UInt = #line) -> Router {
        registrations.append(RouteRegistration(target: .websocket, pattern: pattern, app: app, bodyLimit: nil,
                                               location: RouteRegistration.location(file, line)))
        return self
    }

    @discardableResult
    public func mount(_ prefix: String, _ app: some Application, file: StaticString = #fileID, line: UInt = #line) -> Router {
        registrations.append(RouteRegistration(target: .mount, pattern: prefix, app: app, bodyLimit: nil,
                                               location: RouteRegistration.location(file, line)))
        return self
    }

    public func group(_ prefix: String) -> RouteGroup { RouteGroup(router: self, prefix: prefix) }

    /// Checks every registration and builds the application; throws all problems at once.
    public func build() throws(RouterError) -> RouterApplication {
        RouterApplication(table: try RouteTable(registrations, configuration: configuration))
    }
}

/// Routes under a common prefix of a `Router` (the prefix may hold parameters).
public struct RouteGroup: RouteRegistering {
    let router: Router
    /// The prefix, joined with every pattern registered through the group.
    public let prefix: String

    @discardableResult
    public func on(_ method: HTTPMethod, _ pattern: String, _ app: some Application, bodyLimit: Int? = nil,
                   file: StaticString = #fileID, line: UInt = #line) -> RouteGroup {
        router.on(method, RoutePattern.join(prefix, pattern), app, bodyLimit: bodyLimit, file: file, line: line)
        return self
    }

    @discardableResult
    public func websocket(_ pattern: String, _ app: some Application, file: StaticString = #fileID, line: UInt = #line) -> RouteGroup {
        router.websocket(RoutePattern.join(prefix, pattern), app, file: file, line: line)
        return self
    }

    @discardableResult
    public func mount(_ prefix: String, _ app: some Application, file: StaticString = #fileID, line: UInt = #line) -> RouteGroup {
        router.mount(RoutePattern.join(self.prefix, prefix), app, file: file, line: line)
        return self
    }

    public func group(_ prefix: String) -> RouteGroup { RouteGroup(router: router, prefix: RoutePattern.join(self.prefix, prefix)) }
}
