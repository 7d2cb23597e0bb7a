/// The client is gone: thrown by `send` after the peer disconnected, so the application
/// stops producing a response nobody will read.
public struct ClientDisconnected: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "the client disconnected; the response can no longer be sent" }
}

/// The application sent or received messages in an order the protocol does not allow.
///
/// This is a *local* error: the application misused the interface. The runtime closes the
/// connection (or answers 500 if nothing was sent yet) and logs the description.
public struct MessageOrderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// `http.response.body` before `http.response.start`.
        case bodyBeforeStart
        /// A second `http.response.start`.
        case duplicateStart
        /// Any message after the response completed (`more_body: false` was sent).
        case sendAfterResponseComplete
        /// A message that does not belong to this scope (e.g. a lifespan message on HTTP).
        case unexpectedMessage(type: String, scope: String)
        /// `receive`/`send` used after its scope ended.
        case scopeEnded
        /// `http.response.trailers` although `http.response.start` did not announce them.
        case trailersNotAnnounced
        /// `http.response.trailers` before the final `http.response.body`.
        case trailersBeforeBodyEnd
        /// `http.response.pathsend` after `http.response.body` messages.
        case pathsendAfterBody
        /// A status outside 100...999 or a 1xx status in `http.response.start`.
        case invalidStatus(Int)
        /// A header name or value the wire cannot carry (CR, LF, NUL, non-token name).
        case invalidHeader(String)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .bodyBeforeStart: "http.response.body sent before http.response.start"
        case .duplicateStart: "http.response.start sent twice"
        case .sendAfterResponseComplete: "message sent after the response completed (more_body was false)"
        case .unexpectedMessage(let type, let scope): "\(type) is not a valid message for a \(scope) scope"
        case .scopeEnded: "receive/send used after its scope ended"
        case .trailersNotAnnounced: "http.response.trailers sent but http.response.start did not set trailers: true"
        case .trailersBeforeBodyEnd: "http.response.trailers sent before the final http.response.body"
        case .pathsendAfterBody: "http.response.pathsend must replace http.response.body, not follow it"
        case .invalidStatus(let status): "invalid response status \(status)"
        case .invalidHeader(let detail): "invalid response header: \(detail)"
        }
    }
}
