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
    /// `websocket.connect`: a client asks to open the socket; answer with
    /// `.websocketAccept`, `.websocketClose` (→ 403) or a denial response.
    case websocketConnect
    /// `websocket.receive`: one complete message from the client.
    case websocketReceive(WebSocketMessage)
    /// `websocket.disconnect`: the socket closed, with the peer's (or the server's) close code.
    case websocketDisconnect(code: Int, reason: String)
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
    /// `http.response.zerocopysend` (extension): `count` bytes (nil: to the end) of the open
    /// file `file` from `offset` are body bytes, copied by the kernel. nil `offset` starts at
    /// the file position and moves it past the bytes, as `sendfile(2)` would. Like
    /// `http.response.body` it may come repeatedly, mixed with body messages; `moreBody:
    /// false` ends the body. `file` stays the application's: the server sends from a
    /// duplicate, so `file` may be closed once `send` returns.
    case httpResponseZerocopysend(file: Int32, offset: UInt64? = nil, count: UInt64? = nil, moreBody: Bool = false)
    /// `http.response.detach` (extension, `ScopeExtension.detach`): after `http.response.start`,
    /// the rest of the body is the source's to write, after the application returned (see
    /// `DetachedResponseBodySource`). Nothing else may be sent for this response.
    case httpResponseDetach(DetachedBody)
    /// `websocket.accept`: completes the handshake (101), optionally choosing a subprotocol
    /// and adding response headers.
    case websocketAccept(subprotocol: String? = nil, headers: Headers = Headers())
    /// `websocket.send`: one message to the client.
    case websocketSend(WebSocketMessage)
    /// `websocket.send` of a message framed once for many sockets (broadcast): every socket
    /// writes the same bytes, uncompressed (RFC 7692 lets any message go uncompressed).
    case websocketSendPrepared(PreparedWebSocketMessage)
    /// `websocket.close`: before accept, rejects the handshake with 403; after it, starts
    /// the closing handshake with `code` and `reason`.
    case websocketClose(code: Int = 1000, reason: String = "")
    /// `websocket.http.response.start` (denial-response extension): answers the handshake
    /// with any HTTP status instead of accepting it.
    case websocketHTTPResponseStart(status: Int, headers: Headers = Headers())
    /// `websocket.http.response.body` (denial-response extension).
    case websocketHTTPResponseBody(body: [UInt8] = [], moreBody: Bool = false)
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
        case .httpResponseZerocopysend: "http.response.zerocopysend"
        case .httpResponseDetach: "http.response.detach"
        case .websocketAccept: "websocket.accept"
        case .websocketSend, .websocketSendPrepared: "websocket.send"
        case .websocketClose: "websocket.close"
        case .websocketHTTPResponseStart: "websocket.http.response.start"
        case .websocketHTTPResponseBody: "websocket.http.response.body"
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
        case .websocketConnect: "websocket.connect"
        case .websocketReceive: "websocket.receive"
        case .websocketDisconnect: "websocket.disconnect"
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

/// One WebSocket message: text (`websocket.receive`/`send` with `text`) or binary (`bytes`).
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
}
