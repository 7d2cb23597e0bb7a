import Ringway
import RingwayToolkit
import Synchronization

/// Answers an `HTTPResponseError` a route throws before its response started (`400 Invalid
/// JSON`, a form's 413, `HTTPError.notFound`) as an ordinary response, here — innermost in the
/// demo's stack — rather than letting the server answer it outside every middleware. So the
/// middleware around the routes sees that answer like any other: it gets its `x-request-id`,
/// its CORS fields on `/api`, and its line in the access log.
///
/// An error thrown after the response started, or one of another kind, goes on as thrown.
struct ErrorAnswerMiddleware: Middleware {
    func handle(_ scope: Scope, _ receive: Receive, _ send: Send, next: some Application) async throws {
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
