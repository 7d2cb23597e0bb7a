/// The toolkit workload's route table, which every peer mirrors in its own router (50 routes):
///
/// | routes | pattern | answer |
/// |---|---|---|
/// | 40 | `GET /api/v1/r0` … `GET /api/v1/r39` | `r<i>` (`text/plain`) |
/// | 8 | `GET /api/v1/r0/{id}` … `GET /api/v1/r7/{id}` | `r<i> <id>` (`text/plain`) |
/// | 1 | `GET /users/{id}` (an integer) | `{"id":<id>,"name":"user <id>"}` (`application/json`), the measured one |
/// | 1 | `GET /files/**` (catch-all) | `files` (`text/plain`) |
///
/// Anything else is 404. The measured request is `GET /users/{id}` with the id varying per
/// request (`ringway-load http --path-template '/users/{n}'`), so the router cannot answer from a
/// cached match and the body is encoded per request from `User` through the framework's JSON path.
public enum ToolkitRoutes {
    /// Static routes: `/api/v1/r0` … `/api/v1/r39`.
    public static let staticCount = 40
    /// Parameterised routes: `/api/v1/r0/{id}` … `/api/v1/r7/{id}`.
    public static let parameterisedCount = 8
    /// Every route: the static and parameterised ones, `/users/{id}` and the catch-all.
    public static let count = staticCount + parameterisedCount + 2

    /// The static route paths.
    public static var staticPaths: [String] { (0..<staticCount).map { "/api/v1/r\($0)" } }

    /// The measured request's path template and expected body, for `ringway-load`.
    public static let measuredPathTemplate = "/users/{n}"
    public static let measuredBodyTemplate = #"{"id":{n},"name":"user {n}"}"#
}

/// What `GET /users/{id}` answers, encoded by each framework's JSON path.
public struct User: Codable, Sendable {
    public let id: Int
    public let name: String

    public init(id: Int) {
        self.id = id
        self.name = "user \(id)"
    }

    /// The same JSON written by hand, for the raw baseline: `{"id":<id>,"name":"user <id>"}`.
    public static func jsonBytes(id: Int) -> [UInt8] {
        let digits = String(id)
        return Array(#"{"id":\#(digits),"name":"user \#(digits)"}"#.utf8)
    }
}
