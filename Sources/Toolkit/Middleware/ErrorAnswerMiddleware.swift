import Synchronization

/// Answers an `HTTPResponseError` a handler throws before its response started (`400 Invalid
/// JSON`, a form's 413, `HTTPError.notFound`) as an ordinary response where it stands in the
/// stack, rather than letting the server answer it outside every middleware. Put it innermost
/// (last in `app.with(…)`), so the middleware around the handlers sees that answer like any
/// other: its `x-request-id`, its CORS fields, its status in the access log.
///
/// An error thrown after the response started, or of another kind, goes on as thrown. It costs
/// one `Send` closure per HTTP request (the watch for the response start).
public struct ErrorAnswerMiddleware: Middleware {
    public init() {}

    public func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
        guard case .http = scope else { return try await next(scope, receive, send) }
        let started = Atomic(false)
        let watching = Send { message in
            if case .httpResponseStart = message { started.store(true, ordering: .relaxed) }
            try await send(message)
        }
        do {
            try await next(scope, receive, watching)
        } catch let error as any HTTPResponseError where !started.load(ordering: .relaxed) && (400...599).contains(error.status) {
            try await send(.httpResponseStart(status: error.status, headers: error.headers))
            try await send(.httpResponseBody(body: error.body))  // dropped for HEAD by the server
        }
    }
}
