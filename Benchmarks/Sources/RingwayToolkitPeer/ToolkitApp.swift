import Logging
import Ringway
import RingwayToolkit
import ToolkitWorkload

/// The toolkit mode: the 50 routes (`ToolkitRoutes`) on RingwayToolkit's `Router`, the logging
/// middleware in front when requests are logged, and `GET /users/{id:int}` answering a `User`
/// through `send.json`.
enum ToolkitApp {
#if RINGWAY_TOOLKIT_API
    static func make(logRequests: Bool, logger: Logger) throws -> some Application {
        let router = Router()
        let api = router.group("/api/v1")
        for index in 0..<ToolkitRoutes.staticCount {
            let text = "r\(index)"
            api.get("/\(text)") { _, _, send in try await send.text(text) }
        }
        for index in 0..<ToolkitRoutes.parameterisedCount {
            let text = "r\(index)"
            api.get("/\(text)/{id}") { scope, _, send in
                try await send.text("\(text) \(scope.pathParameters["id"] ?? "")")
            }
        }
        router.get("/users/{id:int}") { scope, _, send in
            // The pattern guarantees it parses.
            try await send.json(User(id: scope.pathParameters.int("id") ?? 0))
        }
        router.get("/files/{path...}") { _, _, send in try await send.text("files") }
        return try router.build().with(logRequests ? LoggingMiddleware(logger: logger) : nil)
    }
#else
    /// Until RingwayToolkit's `Router` and `LoggingMiddleware` are on main (define RINGWAY_TOOLKIT_API then).
    static func make(logRequests: Bool, logger: Logger) throws -> App {
        throw ToolkitUnavailable()
    }

    struct ToolkitUnavailable: Error, CustomStringConvertible {
        var description: String { "--mode toolkit needs RingwayToolkit's Router and LoggingMiddleware (not built in)" }
    }
#endif
}
