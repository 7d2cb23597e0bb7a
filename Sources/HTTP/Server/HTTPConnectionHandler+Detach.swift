import RingwayCore
import RingwayHTTPCodec
import RingwayRuntime

/// The connection's end of a detached response body (`http.response.detach`): the source
/// writes through it after the application returned, and no task waits meanwhile.
final class DetachedBodyChannel: ResponseBodyWriter, @unchecked Sendable {
    // Loop-confined (the `@unchecked Sendable` invariant): `handler` is touched only on the
    // connection's loop; `execute` is the one member called from other threads.
    /// Weak: a source may keep its writer past the connection's life; it is then not current.
    private weak var handler: HTTPConnectionHandler?
    private let loop: EventLoop
    /// The source, until the body ends: then let go, so a source that keeps its writer
    /// (as most will) forms no cycle with it. Loop-confined.
    private(set) var source: (any DetachedResponseBodySource)?

    init(handler: HTTPConnectionHandler, source: any DetachedResponseBodySource) {
        self.handler = handler
        self.loop = handler.connection.loop
        self.source = source
    }

    /// The body ended: no more callbacks.
    func releaseSource() { source = nil }

    /// Whether this channel still owns the connection's response (not finished, not closed).
    private var current: HTTPConnectionHandler? {
        guard let handler, handler.detachedBody === self, !handler.closed, !handler.abandoned else { return nil }
        return handler
    }

    func execute(_ job: @escaping @Sendable () -> Void) { loop.execute(job) }

    func write(_ bytes: [UInt8]) -> Bool {
        precondition(loop.inLoop, "ResponseBodyWriter.write off the connection's thread")
        guard let handler = current else { return false }
        return handler.writeDetached(bytes)
    }

    func finish() {
        precondition(loop.inLoop, "ResponseBodyWriter.finish off the connection's thread")
        current?.finishDetached()
    }

    var isOpen: Bool { current != nil }
}

extension HTTPConnectionHandler {
    /// Takes the `http.response.detach` message: the head goes out if it has not, the source
    /// gets the body; the app's call may return while the exchange goes on.
    func detach(_ body: DetachedBody) throws(MessageOrderError) {
        if machine.response == .headPending {
            // A head the machine refuses (an invalid field) fails the app's send, which then
            // gets the usual answer; the source never gets the body.
            var output = responseBuffer.take(capacity: 0)
            machine.date = date.current()
            try carryOut(machine.responseBody([], more: true, into: &output), output)
        }
        let channel = DetachedBodyChannel(handler: self, source: body.source)
        detachedBody = channel
        body.source.attached(to: channel)
    }

    /// A body piece from the detached source; false when above the high-water mark (the
    /// source hears `writable()` later, and a stalled client meets the send timeout).
    func writeDetached(_ bytes: [UInt8]) -> Bool {
        var output = takeOutput()
        do {
            try carryOut(machine.responseBody(bytes, more: true, into: &output), output, body: bytes)
        } catch {
            // Only a content-length the body outgrew fails; the machine closed the connection.
            return false
        }
        if connection.isWritable { return true }
        if deadlineKind != .send { setDeadline(.send) }
        connection.whenWritable { [weak self] in
            guard let self, let channel = self.detachedBody else { return }
            if self.deadlineKind == .send { self.clearDeadline() }
            channel.source?.writable()
        }
        return false
    }

    /// The detached body ends: the last chunk, then the exchange ends as if the app had
    /// returned, and queued requests are served. A source that finishes while the app is
    /// still inside its call (from `attached`) leaves the rest to the app's task, which
    /// then goes on as after any complete response.
    func finishDetached() {
        var output = responseBuffer.take(capacity: 0)
        perform(machine.responseBody([], more: false, into: &output), output)
        detachedBody?.releaseSource()
        detachedBody = nil
        if deadlineKind == .send { clearDeadline() }
        resumeDisconnectWaiters()  // the response is complete: a receive() waiting for it returns
        guard let head = detachedHead else { return }  // the app's task has not returned yet
        detachedHead = nil
        parser.recycle(head)
        guard !closed, !abandoned else { return }
        dropUnreadBody()
        let action = machine.endExchange()
        if action != .none {
            perform(action, [], reuse: false)
            return
        }
        if events.isEmpty && parseError == nil && !readEnded && !shuttingDown {
            setDeadline(parser.isIdle ? .idle : .head)
            releaseIdleMemory()
        } else {
            startTaskIfNeeded()
        }
    }

    /// The request body the app left unread: what is parsed already is dropped (within the
    /// discard limit, as after any response); a body still arriving closes the connection
    /// after this exchange instead of being read without a task.
    private func dropUnreadBody() {
        while !machine.requestBodyDone {
            guard let event = events.first else {
                machine.discardFailed()
                return
            }
            switch event {
            case .body(let chunk):
                _ = popEvent()
                if machine.discardedBody(count: chunk.count) != .none { return }
            case .end:
                _ = popEvent()
                machine.requestEnded()
            case .head:
                machine.requestEnded()  // not reached: the parser ends every body before a head
            }
        }
    }

    /// The client left while a detached body was being written.
    /// The source hears it first; a body it did not finish then ends here, so a source that
    /// ignores the news cannot hold the connection.
    func detachedClientGone() {
        guard let channel = detachedBody else { return }
        channel.source?.clientDisconnected()
        if detachedBody === channel { finishDetached() }
    }
}
