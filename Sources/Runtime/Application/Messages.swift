public import RingwayCore

/// A message the runtime delivers to the application through `receive()`.
///
/// Cases are named after the ASGI message types (`http.request` → `.httpRequest`).
public enum ReceiveMessage: Sendable, Equatable {
    /// `http.request`: a piece of the request body; `moreBody` is false on the last piece.
    case httpRequest(body: [UInt8], moreBody: Bool)
    /// `http.disconnect`: the client went away or the response is complete.
    case httpDisconnect
    /// `lifespan.startup`.
    case lifespanStartup
    /// `lifespan.shutdown`.
    case lifespanShutdown
}

/// A message the application hands to the runtime through `send(_:)`.
public enum SendMessage: Sendable, Equatable {
    /// `http.response.start`: status and headers. `trailers` announces an
    /// `http.response.trailers` message after the body (extension).
    case httpResponseStart(status: Int, headers: Headers = Headers(), trailers: Bool = false)
    /// `http.response.body`: a piece of the response body; `moreBody: false` ends it.
    case httpResponseBody(body: [UInt8] = [], moreBody: Bool = false)
    /// `lifespan.startup.complete`.
    case lifespanStartupComplete
    /// `lifespan.startup.failed` with a message for the operator.
    case lifespanStartupFailed(message: String)
    /// `lifespan.shutdown.complete`.
    case lifespanShutdownComplete
    /// `lifespan.shutdown.failed` with a message for the operator.
    case lifespanShutdownFailed(message: String)

    /// The ASGI `type` string of the message, for logs and errors.
    public var type: String {
        switch self {
        case .httpResponseStart: "http.response.start"
        case .httpResponseBody: "http.response.body"
        case .lifespanStartupComplete: "lifespan.startup.complete"
        case .lifespanStartupFailed: "lifespan.startup.failed"
        case .lifespanShutdownComplete: "lifespan.shutdown.complete"
        case .lifespanShutdownFailed: "lifespan.shutdown.failed"
        }
    }
}

extension ReceiveMessage {
    /// The ASGI `type` string of the message.
    public var type: String {
        switch self {
        case .httpRequest: "http.request"
        case .httpDisconnect: "http.disconnect"
        case .lifespanStartup: "lifespan.startup"
        case .lifespanShutdown: "lifespan.shutdown"
        }
    }
}

extension SendMessage {
    /// `http.response.body` from a string, UTF-8 encoded.
    public static func httpResponseBody(_ text: String, moreBody: Bool = false) -> SendMessage {
        .httpResponseBody(body: Array(text.utf8), moreBody: moreBody)
    }
}
