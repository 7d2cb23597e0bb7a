/// The proxies whose `x-forwarded-for` and `x-forwarded-proto` are believed: uvicorn's
/// `--forwarded-allow-ips`.
///
/// Entries are IPv4 or IPv6 addresses, CIDR blocks (`10.0.0.0/8`, `fd00::/8`), other literal
/// hosts (a Unix socket path, matched exactly), or `*` for every peer.
///
/// ```swift
/// let proxies = try TrustedProxies("127.0.0.1, 10.0.0.0/8, ::1")
/// let client = proxies.client(of: scope)   // the address the forwarding chain names
/// ```
public struct TrustedProxies: Sendable, Equatable, CustomStringConvertible {
    private let trustsAll: Bool
    private let ranges: [IPAddressRange]
    private let literals: Set<String>
    /// The list as given.
    public let description: String

    /// Only the loopback address `127.0.0.1` (uvicorn's default).
    public static let loopback = try! TrustedProxies("127.0.0.1")
    /// No peer: forwarding headers are never believed (not `none`, which `Optional` would shadow).
    public static let nobody = try! TrustedProxies("")
    /// Every peer (`*`): only for a server reachable through proxies alone.
    public static let all = try! TrustedProxies("*")

    /// Parses a comma-separated list; an entry with `/` that is not a valid CIDR block throws.
    public init(_ list: String) throws(TrustedProxiesError) {
        description = list
        var trustsAll = false
        var ranges: [IPAddressRange] = []
        var literals: Set<String> = []
        for entry in list.split(separator: ",") {
            let entry = entry.trimmingASCIISpaces()
            if entry.isEmpty { continue }
            if entry == "*" {
                trustsAll = true
            } else if let range = IPAddressRange(entry) {
                ranges.append(range)
            } else if entry.contains("/") && IPAddress(entry.split(separator: "/")[0]) != nil {
                throw .invalidEntry(String(entry))
            } else {
                literals.insert(String(entry))
            }
        }
        self.trustsAll = trustsAll
        self.ranges = ranges
        self.literals = literals
    }

    /// Whether `host` (a peer or a forwarded hop) is a trusted proxy.
    public func trusts(_ host: some StringProtocol) -> Bool {
        if trustsAll { return true }
        if let address = IPAddress(host), ranges.contains(where: { $0.contains(address) }) { return true }
        return literals.contains(String(host))
    }

    /// The client an `x-forwarded-for` list names: walking from the right (the hop nearest
    /// this server), the first address that is not a trusted proxy; the leftmost when all are
    /// trusted (or with `*`). nil for an empty list.
    public func clientHost(forwardedFor list: String) -> String? {
        let hops = list.split(separator: ",").map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty }
        if trustsAll { return hops.first.map(String.init) }
        for hop in hops.reversed() where !trusts(hop) { return String(hop) }
        return hops.first.map(String.init)
    }

    /// The client address of `scope`: from `x-forwarded-for` when the peer is a trusted proxy
    /// (port 0, as uvicorn), else the peer itself. nil for lifespan or an unknown peer.
    public func client(of scope: Scope) -> PeerAddress? {
        switch scope {
        case .http(let request): client(peer: request.client, headers: request.headers)
        case .websocket(let socket): client(peer: socket.client, headers: socket.headers)
        case .lifespan: nil
        }
    }

    /// The scheme of `scope` (`http`/`https`, `ws`/`wss`): from `x-forwarded-proto` when the peer
    /// is a trusted proxy and the value is one of those four, else the scope's own.
    public func scheme(of scope: Scope) -> String? {
        switch scope {
        case .http(let request): scheme(peer: request.client, headers: request.headers, own: request.scheme, websocket: false)
        case .websocket(let socket): scheme(peer: socket.client, headers: socket.headers, own: socket.scheme, websocket: true)
        case .lifespan: nil
        }
    }

    func client(peer: PeerAddress?, headers: Headers) -> PeerAddress? {
        guard let peer, trusts(peer.host) else { return peer }
        let forwarded = headers.values("x-forwarded-for").map { String(decoding: $0, as: UTF8.self) }
        guard !forwarded.isEmpty, let host = clientHost(forwardedFor: forwarded.joined(separator: ",")) else { return peer }
        return PeerAddress(host: host, port: 0)
    }

    func scheme(peer: PeerAddress?, headers: Headers, own: String, websocket: Bool) -> String {
        guard let peer, trusts(peer.host), let value = headers["x-forwarded-proto"] else { return own }
        let secure: Bool
        switch value.trimmingASCIISpaces().lowercased() {
        case "https", "wss": secure = true
        case "http", "ws": secure = false
        default: return own
        }
        return websocket ? (secure ? "wss" : "ws") : (secure ? "https" : "http")
    }
}

/// Why a `--forwarded-allow-ips` list did not parse.
public enum TrustedProxiesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address block whose prefix length is not a number within the address's bits.
    case invalidEntry(String)

    public var description: String {
        switch self {
        case .invalidEntry(let entry): "'\(entry)' is not an IP address or CIDR block (e.g. 10.0.0.0/8, fd00::/8)"
        }
    }
}

/// Sets the scope's `client` and `scheme` from `x-forwarded-for` and `x-forwarded-proto` when
/// the immediate peer is a trusted proxy, as uvicorn's `ProxyHeadersMiddleware` does; from any
/// other peer the headers are ignored (they could be forged). Stack it first, so logging
/// and handlers see the real client.
public struct ProxyHeadersMiddleware: Middleware {
    /// Whose headers are believed.
    public let trustedProxies: TrustedProxies

    public init(trustedProxies: TrustedProxies = .loopback) {
        self.trustedProxies = trustedProxies
    }

    // Inlinable so the common case — no forwarding header — specialises into the caller's
    // stack and costs what a pass-through middleware costs.
    @inlinable
    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        guard Self.forwards(scope.headers) else { return try await next(scope, receive, send) }
        try await next(rewritten(scope), receive, send)
    }

    /// `scope` with the client and scheme its trusted forwarding headers name.
    @usableFromInline
    func rewritten(_ scope: Scope) -> Scope {
        switch scope {
        case .http(var request):
            guard let peer = request.client, trustedProxies.trusts(peer.host) else { return scope }
            request.client = trustedProxies.client(peer: peer, headers: request.headers)
            request.scheme = trustedProxies.scheme(peer: peer, headers: request.headers, own: request.scheme, websocket: false)
            return .http(request)
        case .websocket(var socket):
            guard let peer = socket.client, trustedProxies.trusts(peer.host) else { return scope }
            socket.client = trustedProxies.client(peer: peer, headers: socket.headers)
            socket.scheme = trustedProxies.scheme(peer: peer, headers: socket.headers, own: socket.scheme, websocket: true)
            return .websocket(socket)
        case .lifespan:
            return scope
        }
    }

    /// Whether `headers` carry a forwarding field; without one the scope passes on unchanged (no copy).
    @usableFromInline
    static func forwards(_ headers: Headers) -> Bool {
        headers.contains { field in
            Headers.asciiCaseInsensitiveEqual(field.name, "x-forwarded-for".utf8)
                || Headers.asciiCaseInsensitiveEqual(field.name, "x-forwarded-proto".utf8)
        }
    }
}
