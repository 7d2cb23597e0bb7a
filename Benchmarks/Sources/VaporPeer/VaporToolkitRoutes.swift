import ToolkitWorkload
import Vapor

extension User: Content {}

/// The toolkit workload's 50 routes (`ToolkitRoutes`) on Vapor's router; `GET /users/{id}`
/// answers a `User` as `Content` (Vapor's JSON encoder).
enum VaporToolkitRoutes {
    static func add(to app: Application) {
        let api = app.grouped("api", "v1")
        for index in 0..<ToolkitRoutes.staticCount {
            let text = "r\(index)"
            api.get(PathComponent(stringLiteral: text)) { _ in text }
        }
        for index in 0..<ToolkitRoutes.parameterisedCount {
            let text = "r\(index)"
            api.get(PathComponent(stringLiteral: text), ":id") { request in
                let id = try request.parameters.require("id")
                return "\(text) \(id)"
            }
        }
        app.get("users", ":id") { request in
            User(id: try request.parameters.require("id", as: Int.self))
        }
        app.get("files", "**") { _ in "files" }
    }
}
