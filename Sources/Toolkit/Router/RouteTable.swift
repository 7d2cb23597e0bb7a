/// A built router: a trie over path segments, flattened into arrays at startup and only
/// read afterwards (so lookups share it across tasks without locks).
///
/// ```
/// nodes:    [Node]     the children of n are nodes[n.firstChild ..< n.firstChild + n.childCount],
///                      in precedence order: literal (by length, then bytes, so that more than 8
///                      are binary-searched) · affixed (longest
///                      literals first) · int · uuid · str · catch-all; a node's mount comes last
/// literals: [UInt8]    every node's literal bytes: a literal segment, or an affixed
///                      parameter's prefix then suffix
/// leaves:   [Leaf]     methodMask (bit per method slot, bit 63 = WebSocket) · handlerBase
/// handlers: [UInt32]   the route of slot s in a leaf = handlers[handlerBase + popcount(mask & (1 << s − 1))]
/// routes:   [RouteEntry] the application and its `RouteInfo`, one per registration
/// ```
/// Method slots: GET 0, HEAD 1, POST 2, PUT 3, PATCH 4, DELETE 5, OPTIONS 6, other methods
/// from 7 in registration order (the canonical `allow` order), WebSocket 63.
final class RouteTable: Sendable {
    enum NodeKind: UInt8, Sendable {
        case literal
        case str
        case int
        case uuid
        case catchAll
    }

    struct Node: Sendable {
        var literalStart: UInt32 = 0
        /// The literal's length, or an affixed parameter's prefix length.
        var literalCount: UInt16 = 0
        /// An affixed parameter's suffix length (its bytes follow the prefix's).
        var suffixCount: UInt16 = 0
        var kind: NodeKind = .literal
        var childCount: UInt16 = 0
        /// How many of the children are literals (they come first, sorted by length, then bytes).
        var literalChildCount: UInt16 = 0
        var firstChild: UInt32 = 0
        /// Index into `leaves`, or −1.
        var leaf: Int32 = -1
        /// Index into `routes` of the application mounted at this node, or −1.
        var mount: Int32 = -1
    }

    struct Leaf: Sendable {
        var methodMask: UInt64
        var handlerBase: UInt32
    }

    /// A registered application and what its handler can learn about the match.
    struct RouteEntry: Sendable {
        let app: any Application
        let info: RouteInfo
        /// Whether dispatch stores a `MatchedRoute` (parameters or a body limit to report);
        /// a plain static route passes the scope through untouched.
        let setsValue: Bool
    }

    /// A 404, 405 or 426 answered from bytes made at build time.
    struct PreparedAnswer: Sendable {
        let status: Int
        let headers: Headers
        let body: [UInt8]
        /// The `allow` value (405 only).
        let allow: String
    }

    static let webSocketSlot = 63
    static let webSocketBit: UInt64 = 1 << 63
    static let standardMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    let nodes: [Node]
    let literals: [UInt8]
    let leaves: [Leaf]
    let handlers: [UInt32]
    let routes: [RouteEntry]
    /// Methods other than the standard seven, by slot.
    let customSlots: [String: Int]
    /// The names of every slot below 63, for `allow`.
    let slotNames: [String]
    let configuration: RouterConfiguration
    let notFoundAnswer: PreparedAnswer
    let upgradeRequiredAnswer: PreparedAnswer
    /// 405 answers for every method set a leaf has; unions of several leaves are made on the spot.
    let methodNotAllowedAnswers: [UInt64: PreparedAnswer]
    /// Every registration, for `RouterApplication.routes`.
    let descriptions: [RouteDescription]

    init(nodes: [Node], literals: [UInt8], leaves: [Leaf], handlers: [UInt32], routes: [RouteEntry],
         customSlots: [String: Int], slotNames: [String], configuration: RouterConfiguration,
         descriptions: [RouteDescription]) {
        self.nodes = nodes
        self.literals = literals
        self.leaves = leaves
        self.handlers = handlers
        self.routes = routes
        self.customSlots = customSlots
        self.slotNames = slotNames
        self.configuration = configuration
        self.descriptions = descriptions
        self.notFoundAnswer = Self.answer(404, "Not Found", configuration.errorBody)
        var upgrade = Self.answer(426, "Upgrade Required", configuration.errorBody)
        var upgradeHeaders = upgrade.headers
        upgradeHeaders.append(name: "upgrade", value: "websocket")
        upgrade = PreparedAnswer(status: 426, headers: upgradeHeaders, body: upgrade.body, allow: "")
        self.upgradeRequiredAnswer = upgrade
        var answers: [UInt64: PreparedAnswer] = [:]
        for leaf in leaves {
            let mask = leaf.methodMask & ~Self.webSocketBit
            if mask != 0 && answers[mask] == nil {
                answers[mask] = Self.methodNotAllowed(mask, slotNames: slotNames, errorBody: configuration.errorBody)
            }
        }
        self.methodNotAllowedAnswers = answers
    }

    /// The method's slot, or −1 for a method no route names.
    @inline(__always)
    func slot(for method: String) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "PATCH": 4
        case "DELETE": 5
        case "OPTIONS": 6
        default: customSlots[method] ?? -1
        }
    }

    /// The 405 for the methods in `mask` (WebSocket bit ignored).
    func methodNotAllowedAnswer(_ mask: UInt64) -> PreparedAnswer {
        let mask = mask & ~Self.webSocketBit
        return methodNotAllowedAnswers[mask] ?? Self.methodNotAllowed(mask, slotNames: slotNames, errorBody: configuration.errorBody)
    }

    static func methodNotAllowed(_ mask: UInt64, slotNames: [String], errorBody: RouterConfiguration.ErrorBody) -> PreparedAnswer {
        let allow = slotNames.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { slotNames[$0] }.joined(separator: ", ")
        let plain = answer(405, "Method Not Allowed", errorBody)
        var headers = plain.headers
        headers.append(name: "allow", value: allow)
        return PreparedAnswer(status: 405, headers: headers, body: plain.body, allow: allow)
    }

    static func answer(_ status: Int, _ reason: String, _ errorBody: RouterConfiguration.ErrorBody) -> PreparedAnswer {
        let body: [UInt8]
        var headers = Headers()
        switch errorBody {
        case .text:
            body = Array(reason.utf8)
            headers.append(name: "content-type", value: "text/plain; charset=utf-8")
        case .json:
            body = Array(#"{"detail":"\#(reason)"}"#.utf8)
            headers.append(name: "content-type", value: "application/json")
        }
        headers.append(name: "content-length", value: String(body.count))
        return PreparedAnswer(status: status, headers: headers, body: body, allow: "")
    }
}

/// What the router knows about one registered route; one instance per route, shared by
/// every match (a retain, not an allocation).
final class RouteInfo: Sendable {
    /// The full pattern (`/users/{id:int}`), or a mount's prefix.
    let pattern: String
    /// Parameter names in capture order.
    let names: [String]
    let bodyLimit: Int?
    /// For a mount: what it adds to `rootPath`.
    let mountPrefix: String
    /// Capture offsets (start, end pairs) when they do not fit `MatchedRoute`'s inline
    /// spans: more than 4 parameters or offsets past 65,535. Empty for the shared instance.
    let spilledSpans: [UInt32]

    init(pattern: String, names: [String], bodyLimit: Int?, mountPrefix: String, spilledSpans: [UInt32] = []) {
        self.pattern = pattern
        self.names = names
        self.bodyLimit = bodyLimit
        self.mountPrefix = mountPrefix
        self.spilledSpans = spilledSpans
    }

    /// A copy carrying `spans` (the rare match that does not fit inline: two allocations).
    func spilled(_ spans: [UInt32]) -> RouteInfo {
        RouteInfo(pattern: pattern, names: names, bodyLimit: bodyLimit, mountPrefix: mountPrefix, spilledSpans: spans)
    }
}

/// One registered route, as `RouterApplication.routes` lists it.
public struct RouteDescription: Sendable, CustomStringConvertible {
    /// `GET`, `WS` or `MOUNT`.
    public let method: String
    /// The pattern (with its group prefix), or a mount's prefix.
    public let pattern: String
    /// `File.swift:12`, where it was registered.
    public let location: String

    /// `GET /users/{id:int}  (Routes.swift:12)`.
    public var description: String { "\(method) \(pattern)  (\(location))" }
}
