/// The `http.response.detach` extension (Ringway): the rest of a response body is written
/// from outside the application call, without a task waiting for it.
///
/// A long-lived response that mostly waits — a topic's event stream, a long poll — costs a
/// parked task per connection (its async frames: ~13 KB). Detached, it costs only the
/// connection and the source object: after `http.response.start` (and any body), the app
/// sends `.httpResponseDetach(DetachedBody(source))` and returns; the server then calls
/// `source.attached(to:)` and the source writes body pieces through the writer until it
/// calls `finish()`. The scope's `extensions` lists `.detach` when the server offers it.
///
/// The server tells a source of the client leaving, never of a graceful shutdown: a source
/// that should end then watches `scope.shutdownSignal`. Middleware that rewrites response
/// bodies should take `.detach` out of the `extensions` it passes on.
public protocol DetachedResponseBodySource: AnyObject, Sendable {
    /// The body is the source's now. Called once, on the connection's thread.
    func attached(to writer: any ResponseBodyWriter)
    /// The connection's queue went back down after a `write` returned false (connection's thread).
    func writable()
    /// The client went away (or closed its side); nothing more is sent (connection's thread).
    func clientDisconnected()
}

/// The server's end of a detached response body. `execute` may be called from any thread;
/// every other member only on the connection's thread (inside a job given to `execute`, or
/// inside a `DetachedResponseBodySource` callback).
public protocol ResponseBodyWriter: AnyObject, Sendable {
    /// Runs `job` on the connection's thread, later: never before `execute` returns (so it
    /// may be called while holding a lock the job takes).
    func execute(_ job: @escaping @Sendable () -> Void)
    /// Queues a body piece under the response's framing. Returns false when it could not
    /// take more: either the connection's queue is above its high-water mark (the bytes were
    /// taken; write no more until `writable()`, and a client that reads nothing is
    /// disconnected after the server's send timeout) or the body is over (`isOpen` false; the
    /// bytes were dropped).
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool
    /// Ends the body, and with it the exchange; the connection goes on with the next request.
    func finish()
    /// Whether the connection still takes body bytes.
    var isOpen: Bool { get }
}

/// The payload of `SendMessage.httpResponseDetach`: a source, compared by identity.
public struct DetachedBody: Sendable, Equatable {
    public let source: any DetachedResponseBodySource

    public init(_ source: any DetachedResponseBodySource) { self.source = source }

    public static func == (lhs: DetachedBody, rhs: DetachedBody) -> Bool { lhs.source === rhs.source }
}
