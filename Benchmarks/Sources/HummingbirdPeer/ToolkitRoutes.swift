import Hummingbird
import ToolkitWorkload

extension User: ResponseEncodable {}

/// The toolkit workload's 50 routes (`ToolkitRoutes`) on Hummingbird's router, with
/// `LogRequestsMiddleware` at info in front when requests are logged; `GET /users/{id}` answers
/// a `User` as `ResponseEncodable` (the context's JSONEncoder).
enum HummingbirdToolkitRoutes {
    static func router(logRequests: Bool) -> Router<BasicRequestContext> {
        let router = Router()
        if logRequests { router.add(middleware: LogRequestsMiddleware(.info)) }
        let api = router.group("api/v1")
        for index in 0..<ToolkitRoutes.staticCount {
            let text = "r\(index)"
            api.get(RouterPath(text)) { _, _ in text }
        }
        for index in 0..<ToolkitRoutes.parameterisedCount {
            let text = "r\(index)"
            api.get(RouterPath("\(text)/:id")) { _, context in
                let id = try context.parameters.require("id")
                return "\(text) \(id)"
            }
        }
        router.get("users/:id") { _, context in
            User(id: try context.parameters.require("id", as: Int.self))
        }
        router.get("files/**") { _, _ in "files" }
        return router
    }
}
