import Logging
import Ringway
import RingwayToolkit
import ToolkitWorkload

/// The toolkit mode: the 50 routes (`ToolkitRoutes`) on RingwayToolkit's `Router`, and
/// `GET /users/{id:int}` answering a `User` through `send.json` (`OrderedJSONEncoder`: `{"id":…,"name":…}` in that order).
/// When requests are logged, `RequestIDMiddleware` and `LoggingMiddleware` go in front, as the
/// logging middleware's documentation stacks them (the id the line carries, sent back as
/// `x-request-id`); off, they are nil and stack as nothing.
enum ToolkitApp {
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
        // The line carries every value itself, so no metadata beside it (the handler prints metadata).
        return try router.build().with(
            logRequests ? RequestIDMiddleware() : nil,
            logRequests ? LoggingMiddleware(logger: logger, includeMetadata: false) : nil)
    }
}
