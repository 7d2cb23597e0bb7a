public import RingwayCore

/// A message the runtime delivers to the application through `receive()`.
///
/// Cases are named after the ASGI message types (`http.request` → `.httpRequest`).
public enum ReceiveMessage: Sendable, Equatable {
    /// `http.request`: a piece of the request body; `moreBody` is false on the last piece.
    case httpRequest(body: [UInt8], moreBody: Bool)
    /// Trailer fields of a chunked request body, delivered once, by the `receive()` after
    /// the final `http.request` (only for requests that had trailers).
    case httpRequestTrailers(headers: Headers)
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
    /// `http.response.trailers` (extension): trailer fields after the last body message,
    /// when `http.response.start` announced `trailers: true`. `moreTrailers: false` ends
    /// the response.
    case httpResponseTrailers(headers: Headers = Headers(), moreTrailers: Bool = false)
    /// `http.response.pathsend` (extension): the file at `path` is the whole body, sent
    /// by the server (instead of `http.response.body`); ends the response.
    case httpResponsePathsend(path: String)
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
        case .httpResponseTrailers: "http.response.trailers"
        case .httpResponsePathsend: "http.response.pathsend"
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
        case .httpRequestTrailers: "http.request.trailers"
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
