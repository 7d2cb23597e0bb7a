import RingwayHTTPCodec
import RingwayRuntime

/// Which deadline a connection is under; at most one at a time.
enum DeadlineKind {
    case none
    /// Between requests on a keep-alive connection.
    case idle
    /// Receiving a request head (from accept or from its first byte).
    case head
    /// The app waits for more request body.
    case body
    /// The app waits for the client to read queued response bytes. Progress seen when it
    /// fires restarts it (a large file may drain for longer than one timeout), so a stalled
    /// reader is cut off after one to two timeouts.
    case send
}

extension HTTPConnectionHandler {
    /// Puts the connection under `kind`'s deadline, counted from now.
    ///
    /// One loop timer per connection at most: moving a deadline later only stores the new
    /// value, and the timer re-arms itself for the remainder when it fires early. So the
    /// per-request cost is a clock read, not a heap insert and cancel.
    func setDeadline(_ kind: DeadlineKind) {
        let duration: Duration
        switch kind {
        case .none:
            clearDeadline()
            return
        case .idle: duration = configuration.keepAliveTimeout
        case .head: duration = configuration.headerTimeout
        case .body: duration = configuration.bodyTimeout
        case .send:
            duration = configuration.sendTimeout
            sentBytesAtDeadline = connection.sentBytes
        }
        deadlineKind = kind
        deadline = connection.loop.deadline(after: duration)
        armTimer(at: deadline)
    }

    func clearDeadline() {
        deadlineKind = .none
    }

    /// Makes sure the connection's one timer fires at `time` or earlier: a timer that is
    /// already due sooner stays (it re-arms for what is left when it fires); one due later
    /// is replaced.
    func armTimer(at time: UInt64) {
        if let armedAt = timerDueAt, armedAt <= time { return }
        if let timer { connection.loop.cancelTimer(timer) }
        let now = connection.loop.now
        timerDueAt = time
        timer = connection.loop.scheduleTimer(afterNanoseconds: time > now ? time - now : 0, timerAction)
    }

    func timerFired() {
        timer = nil
        timerDueAt = nil
        guard !closed else { return }
        let now = connection.loop.now
        if taskParked, now >= taskReleaseAt { releaseParkedTask() }
        if deadlineKind == .send && connection.sentBytes != sentBytesAtDeadline {
            // The client read since the deadline was set: it is slow, not stalled.
            setDeadline(.send)
        }
        if deadlineKind != .none {
            if now >= deadline {
                let kind = deadlineKind
                deadlineKind = .none
                expire(kind)
            } else {
                armTimer(at: deadline)
            }
        }
        if taskParked { armTimer(at: taskReleaseAt) }
    }

    private func expire(_ kind: DeadlineKind) {
        let peer = connection.remoteAddress?.description ?? "?"
        let timeout: HTTPServerExchange.Timeout
        switch kind {
        case .none:
            return
        case .idle:
            logger.trace("closing idle keep-alive connection from \(peer)")
            timeout = .idle
        case .head:
            logger.debug("request head from \(peer) not received within \(configuration.headerTimeout); answering 408")
            timeout = .head(configuration.headerTimeout)
        case .body:
            logger.debug("request body from \(peer) stalled for \(configuration.bodyTimeout); timing out")
            timeout = .body(configuration.bodyTimeout)
        case .send:
            logger.debug("client \(peer) read nothing for \(configuration.sendTimeout); closing")
            timeout = .send
        }
        machine.date = date.current()
        var output = responseBuffer.take(capacity: 0)
        perform(machine.timedOut(timeout, betweenRequests: parser.isIdle && events.isEmpty, into: &output), output)
        wakeEventWaiter()
        resumeDisconnectWaiters()
    }
}
