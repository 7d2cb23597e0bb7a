public import RingwayCore

/// What a connection or the server's life cycle is about: the ASGI *scope*.
///
/// The runtime builds one scope per HTTP request, one per WebSocket connection and one for
/// the server's lifespan, and passes it to the application with that scope's message streams.
public enum Scope: Sendable {
    /// An HTTP request (`type: "http"`).
    case http(HTTPScope)
    /// A WebSocket connection (`type: "websocket"`).
    case websocket(WebSocketScope)
    /// The server's startup and shutdown (`type: "lifespan"`).
    case lifespan(LifespanScope)

    /// The ASGI `type` key.
    public var type: String {
        switch self {
        case .http: "http"
        case .websocket: "websocket"
        case .lifespan: "lifespan"
        }
    }

    // Accessors common to every scope. The lifespan scope has no request: it answers
    // empty values (`""`, no headers) rather than optionals, so a middleware can read
    // them without first switching on the scope's kind.

    /// The percent-decoded path of an HTTP request or WebSocket handshake; `""` for lifespan.
    public var path: String {
        switch self {
        case .http(let scope): scope.path
        case .websocket(let scope): scope.path
        case .lifespan: ""
        }
    }

    /// The request (or handshake) headers, names lowercased; empty for lifespan.
    public var headers: Headers {
        switch self {
        case .http(let scope): scope.headers
        case .websocket(let scope): scope.headers
        case .lifespan: Headers()
        }
    }

    /// The query string as raw bytes after `?`, without it; empty when none, and for lifespan.
    public var queryString: [UInt8] {
        switch self {
        case .http(let scope): scope.queryString
        case .websocket(let scope): scope.queryString
        case .lifespan: []
        }
    }

    /// The query string decoded as UTF-8 (no percent-decoding); `""` when none, and for lifespan.
    public var query: String { String(decoding: queryString, as: UTF8.self) }

    /// The typed per-request values of this scope (see `ScopeValueKey`). Every kind of
    /// scope carries its own; setting one changes this scope value only.
    public var values: ScopeValues {
        get {
            switch self {
            case .http(let scope): scope.values
            case .websocket(let scope): scope.values
            case .lifespan(let scope): scope.values
            }
        }
        set {
            switch self {
            case .http(var scope):
                scope.values = newValue
                self = .http(scope)
            case .websocket(var scope):
                scope.values = newValue
                self = .websocket(scope)
            case .lifespan(var scope):
                scope.values = newValue
                self = .lifespan(scope)
            }
        }
    }

    /// The server's graceful-shutdown signal for an HTTP or WebSocket scope; nil for lifespan
    /// and outside a server.
    public var shutdownSignal: ShutdownSignal? {
        switch self {
        case .http(let scope): scope.shutdownSignal
        case .websocket(let scope): scope.shutdownSignal
        case .lifespan: nil
        }
    }
}

/// The ASGI `asgi` key: the interface version and the spec version the runtime implements.
public struct ASGIVersion: Sendable, Hashable {
    /// Always `"3.0"`.
    public var version: String = "3.0"
    /// The HTTP/WebSocket spec revision: `"2.4"`.
    public var specVersion: String = "2.4"
    public init() {}
}

/// A host and port: the ASGI `client` and `server` keys.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A numeric IPv4 or IPv6 host, or a Unix socket path.
    public var host: String
    /// The port (0 for Unix sockets).
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Per-application state made at lifespan startup and shallow-copied into every request's
/// scope (the ASGI `state` key).
public typealias ScopeState = [String: any Sendable]

/// The scope of one HTTP request.
public struct HTTPScope: Sendable {
    /// The ASGI versions.
    public var asgi = ASGIVersion()
    /// `"1.0"` or `"1.1"`.
    public var httpVersion: String
    /// The request method, upper case as sent (`"GET"`).
    public var method: String
    /// `"http"` or `"https"`.
    public var scheme: String
    /// The percent-decoded path (`"/a b"` for `/a%20b`).
    public var path: String
    /// The path as sent, without the query string.
    public var rawPath: [UInt8]
    /// The bytes after `?`, without it; empty when there is none.
    public var queryString: [UInt8]
    /// The mount point of the application (`""` unless configured).
    public var rootPath: String
    /// Request headers in order, names lowercased.
    public var headers: Headers
    /// The peer's address, when known.
    public var client: PeerAddress?
    /// The local address the request arrived on, when known.
    public var server: PeerAddress?
    /// A shallow copy of the lifespan state.
    public var state: ScopeState
    /// The ASGI extensions the server offers for this request (`extensions`).
    public var extensions: Set<ScopeExtension>
    /// Typed per-request values set by middleware (see `ScopeValueKey`); empty from the server.
    public var values = ScopeValues()
    /// Triggered when the server starts a graceful shutdown (nil outside a server).
    public var shutdownSignal: ShutdownSignal?

    public init(
        httpVersion: String = "1.1", method: String, scheme: String = "http", path: String,
        rawPath: [UInt8]? = nil, queryString: [UInt8] = [], rootPath: String = "",
        headers: Headers = Headers(), client: PeerAddress? = nil, server: PeerAddress? = nil,
        state: ScopeState = [:], extensions: Set<ScopeExtension> = []
    ) {
        self.httpVersion = httpVersion
        self.method = method
        self.scheme = scheme
        self.path = path
        self.rawPath = rawPath ?? Array(path.utf8)
        self.queryString = queryString
        self.rootPath = rootPath
        self.headers = headers
        self.client = client
        self.server = server
        self.state = state
        self.extensions = extensions
    }

    /// The query string decoded as UTF-8 (no percent-decoding).
    public var query: String { String(decoding: queryString, as: UTF8.self) }
}

/// The scope of one WebSocket connection.
public struct WebSocketScope: Sendable {
    /// The ASGI versions.
    public var asgi = ASGIVersion()
    /// `"1.1"`.
    public var httpVersion: String
    /// `"ws"` or `"wss"`.
    public var scheme: String
    /// The percent-decoded path.
    public var path: String
    /// The path as sent, without the query string.
    public var rawPath: [UInt8]
    /// The bytes after `?`, without it.
    public var queryString: [UInt8]
    /// The mount point of the application.
    public var rootPath: String
    /// Handshake request headers in order, names lowercased.
    public var headers: Headers
    /// Subprotocols the client offered, in order.
    public var subprotocols: [String]
    /// The peer's address, when known.
    public var client: PeerAddress?
    /// The local address, when known.
    public var server: PeerAddress?
    /// A shallow copy of the lifespan state.
    public var state: ScopeState
    /// Typed per-connection values set by middleware (see `ScopeValueKey`); empty from the server.
    public var values = ScopeValues()
    /// Triggered when the server starts a graceful shutdown (nil outside a server).
    public var shutdownSignal: ShutdownSignal?

    public init(
        httpVersion: String = "1.1", scheme: String = "ws", path: String, rawPath: [UInt8]? = nil,
        queryString: [UInt8] = [], rootPath: String = "", headers: Headers = Headers(),
        subprotocols: [String] = [], client: PeerAddress? = nil, server: PeerAddress? = nil,
        state: ScopeState = [:]
    ) {
        self.httpVersion = httpVersion
        self.scheme = scheme
        self.path = path
        self.rawPath = rawPath ?? Array(path.utf8)
        self.queryString = queryString
        self.rootPath = rootPath
        self.headers = headers
        self.subprotocols = subprotocols
        self.client = client
        self.server = server
        self.state = state
    }

    /// The query string decoded as UTF-8 (no percent-decoding).
    public var query: String { String(decoding: queryString, as: UTF8.self) }
}

/// The lifespan scope. The application fills `state` during startup; a reference box lets
/// it do so through the scope value it was given.
public struct LifespanScope: Sendable {
    /// The ASGI versions.
    public var asgi = ASGIVersion()
    /// Shared state the application may fill during `lifespan.startup`; copied into every
    /// later request's scope.
    public let state: LifespanState
    /// Typed values set by middleware (see `ScopeValueKey`); empty from the server.
    public var values = ScopeValues()

    public init(state: LifespanState = LifespanState()) { self.state = state }
}
