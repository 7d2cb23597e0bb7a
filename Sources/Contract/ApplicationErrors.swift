#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        /// `receive()` called while another `receive()` of the same scope is waiting.
        case concurrentReceive
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
        case .concurrentReceive: "receive() called while another receive() of the same scope is waiting"
        }
    }
}

/// `http.response.pathsend` named a file that cannot be served.
public struct PathsendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path the application sent.
    public var path: String
    /// Why it failed (`ENOENT`, `EACCES`, `EISDIR`, …).
    public var errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    public var description: String { "cannot send file \(path): \(String(cString: strerror(errno)))" }
}

/// `http.response.zerocopysend` named a file or a range that cannot be sent.
public struct ZerocopysendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with it.
    public enum Reason: Sendable, Equatable {
        /// `file` is not an open descriptor, or it could not be inspected or duplicated (the errno).
        case unusableDescriptor(errno: Int32)
        /// `file` is not a regular file: `sendfile(2)` needs one, and its size.
        case notARegularFile
        /// The range (offset plus count) goes past the end of the file, which has `size` bytes.
        case rangeBeyondEnd(size: UInt64)
    }

    /// The descriptor the application sent.
    public var file: Int32
    public var reason: Reason

    public init(file: Int32, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unusableDescriptor(let code): "cannot send file descriptor \(file): \(String(cString: strerror(code)))"
        case .notARegularFile: "cannot send file descriptor \(file): not a regular file"
        case .rangeBeyondEnd(let size): "cannot send file descriptor \(file): the range ends past the end of the file (\(size) bytes)"
        }
    }
}
