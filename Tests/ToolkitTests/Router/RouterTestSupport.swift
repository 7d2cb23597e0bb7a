import RingwayToolkit

/// A handler that answers nothing (lookups never call it).
let noop = App { _, _, _ in }

/// What a request resolves to, in a form tests compare.
enum Expected: Equatable, CustomStringConvertible {
    case route(String, [String: String] = [:])
    case notFound
    case methodNotAllowed(String)
    case upgradeRequired
    case mount(String)

    init(_ resolution: RouteResolution) {
        switch resolution {
        case .route(let pattern, let parameters):
            var values: [String: String] = [:]
            for (name, value) in parameters { values[name] = value }
            self = .route(pattern, values)
        case .mount(let prefix): self = .mount(prefix)
        case .methodNotAllowed(let allow): self = .methodNotAllowed(allow)
        case .upgradeRequired: self = .upgradeRequired
        case .notFound: self = .notFound
        }
    }

    var description: String {
        switch self {
        case .route(let pattern, let parameters): "route \(pattern) \(parameters.sorted { $0.key < $1.key })"
        case .notFound: "404"
        case .methodNotAllowed(let allow): "405 allow: \(allow)"
        case .upgradeRequired: "426"
        case .mount(let prefix): "mount \(prefix)"
        }
    }
}

/// Builds a router from lines such as `"GET /users/{id:int}"`, `"WS /ws"`, `"MOUNT /admin"`.
func router(_ lines: [String], configuration: RouterConfiguration = RouterConfiguration()) throws -> RouterApplication {
    let router = Router(configuration: configuration)
    for line in lines {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "WS": router.websocket(parts[1], noop)
        case "MOUNT": router.mount(parts[1], noop)
        default: router.on(HTTPMethod(rawValue: parts[0]), parts[1], noop)
        }
    }
    return try router.build()
}
