import DequeModule
import Logging
import RingwayCore
import RingwayHTTPCodec
import RingwayRuntime

/// Serves HTTP/1.1 on one connection: parses requests as bytes arrive (on the loop, from the
/// borrowed receive buffer), runs the application once per request in the connection's
/// task, and frames its messages onto the wire.
///
/// A task runs with the loop as its executor preference only while the connection is
/// busy: it starts when a request head (or an end of input, a shutdown, a framing error)
/// is queued, serves every queued request in turn, waits `taskLinger` for the next one,
/// and ends if none came. A busy connection so reuses its task from request to request,
/// while an idle keep-alive connection holds no task and none of the async frames the
/// app's deepest calls left in its allocator (about 5 KB: the difference between holding
/// 10,000 idle connections in ~10 KB or ~2.5 KB apiece). Inside an exchange `receive`
/// returns without suspending when the body is already parsed and `send` only queues
/// bytes unless the connection is above its high-water mark.
///
/// Loop-confined: all state is touched on the connection's loop thread only (the
/// `@unchecked Sendable` invariant). `receive`/`send` called from elsewhere hop to the loop.
/// The rules of each exchange (keep-alive, framing, `Expect`, what to answer when) are the
/// sans-I/O `HTTPServerExchange`'s; this class parks the task, runs the one timer, applies
/// backpressure and carries out the machine's actions. The concerns live in extensions:
/// `+Receive` (request messages), `+Send` (response messages and actions), `+Timeouts`
/// (header, body, idle and send deadlines).
package final class HTTPConnectionHandler: ConnectionDelegate, MessageChannel, @unchecked Sendable {
    let connection: Connection
    let application: any Application
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let stateProvider: @Sendable () -> ScopeState
    let shutdownSignal: ShutdownSignal?

    // The struct-typed state below is mutated several times per request. The handler is
    // loop-confined and never hands these out across a suspension, so no two accesses can
    // overlap: `@exclusivity(unchecked)` drops the runtime's dynamic check per access (a
    // thread-local lookup and an access-set insert each, ~5% of a pipelined request).
    @exclusivity(unchecked) var parser: HTTPRequestParser
    @exclusivity(unchecked) var events = Deque<HTTPRequestEvent>()
    var bufferedBodyBytes = 0
    var parseError: HTTPParserError?
    var readEnded = false
    var closed = false
    /// The exchange rules: keep-alive, framing, what to answer; one value per exchange inside.
    @exclusivity(unchecked) var machine: HTTPServerExchange
    var eventWaiter: UnsafeContinuation<Void, Never>?
    /// Which `receive` wait `eventWaiter` is (0: not a cancellable one), for its cancellation handler.
    var eventWaiterID: UInt64 = 0
    /// The last id handed to a cancellable wait.
    var lastWaiterID: UInt64 = 0
    /// Whether the connection's task is running (see the type's documentation).
    var taskRunning = false
    /// Whether that task waits for the next request head; it ends at `taskReleaseAt`.
    var taskParked = false
    var taskReleaseAt: UInt64 = 0
    var taskReleaseRequested = false
    /// How long an idle connection keeps its task for the next request. Long enough that
    /// a connection under load never restarts it (a restart costs ~1 µs of CPU), short
    /// enough that idle connections give the memory back at once.
    static let taskLinger: UInt64 = 20_000_000
    /// The connection's one timer (deadlines and the task linger) and when it is due.
    var timer: TimerID?
    var timerDueAt: UInt64?
    @exclusivity(unchecked) var disconnectWaiters: [(id: UInt64, continuation: UnsafeContinuation<Void, Never>)] = []
    @exclusivity(unchecked) var date = HTTPDate()

    // The exchange (request/response) in progress; its HTTP state is in `machine`.
    var exchange: UInt64 = 0
    var requestTrailers: Headers?
    @exclusivity(unchecked) var order = ResponseOrder()
    /// Storage for response heads, reused once the connection has sent the last one.
    @exclusivity(unchecked) var responseBuffer = ReusableBuffer()
    /// The body a source writes after the app returned (`http.response.detach`), and the
    /// head of its request, recycled when that body ends.
    var detachedBody: DetachedBodyChannel?
    var detachedHead: HTTPRequestHead?
    /// The connection's one timer's action, made once (a closure per arming would allocate).
    lazy var timerAction: () -> Void = { [weak self] in self?.timerFired() }

    // Deadlines (see +Timeouts).
    var deadlineKind = DeadlineKind.none
    var deadline: UInt64 = 0
    /// `connection.sentBytes` when the send deadline was set: progress since restarts it.
    var sentBytesAtDeadline: UInt64 = 0

    /// The server gave up on the exchange (a timeout, a body limit, a hand-over) and answered
    /// or closed in the app's place: the app's `receive` reports a disconnect, `send` throws.
    var abandoned: Bool { machine.abandoned }
    var shuttingDown: Bool { machine.shuttingDown }

    init(connection: Connection, application: any Application, configuration: HTTPServerConfiguration,
         logger: Logger, stateProvider: @escaping @Sendable () -> ScopeState, shutdownSignal: ShutdownSignal?) {
        self.shutdownSignal = shutdownSignal
        self.connection = connection
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.stateProvider = stateProvider
        // With upgraders the parser stops after an upgrade request's head and keeps what
        // follows for the new protocol.
        self.parser = HTTPRequestParser(limits: configuration.limits, stopAtUpgrade: !configuration.upgraders.isEmpty)
        self.machine = HTTPServerExchange(serverHeader: configuration.serverHeader, maxDiscardedBodyBytes: configuration.maxDiscardedBodyBytes)
    }

    /// Arms the header timeout, which runs from the accept; the task starts with the first
    /// request head.
    func start() {
        setDeadline(.head)
    }

    /// Starts the connection's task if there is work for it and it is not running.
    /// Loop thread only: `taskRunning` is read and written on the loop, and the task clears
    /// it without suspending after its last look at the queue, so no work is stranded.
    func startTaskIfNeeded() {
        guard !taskRunning, !closed, !abandoned, detachedBody == nil else { return }
        guard !events.isEmpty || parseError != nil || readEnded || shuttingDown else { return }
        taskRunning = true
        Task(executorPreference: connection.loop) { [self] in
            await run()
            taskRunning = false
            if detachedBody == nil { releaseIdleMemory() }  // a detached body still uses the queue
        }
    }

    /// An idle connection keeps no reusable storage: event queue capacity, recycled heads,
    /// the response buffer, the connection's queue and gather list (a busy one keeps them,
    /// so its requests allocate nothing).
    func releaseIdleMemory() {
        guard !closed else { return }
        if events.isEmpty { events = Deque() }
        parser.releaseRecycledStorage()
        responseBuffer.release()
        connection.releaseIdleMemory()
    }

    // MARK: ConnectionDelegate (loop thread)

    package func connectionReceived(_ bytes: UnsafeRawBufferPointer) {
        guard parseError == nil, !abandoned else { return }
        do {
            try parser.parse(bytes) { event in
                if case .body(let chunk) = event { bufferedBodyBytes += chunk.count }
                events.append(event)
            }
        } catch {
            parseError = error
            connection.pauseReceiving()  // nothing after a framing error is ever read or run
        }
        // The first bytes of a head on an idle connection start the header timeout; later
        // bytes do not extend it (a slowloris client trickles them).
        if deadlineKind == .idle && !parser.isIdle { setDeadline(.head) }
        if bufferedBodyBytes > configuration.maxBufferedBodyBytes { connection.pauseReceiving() }
        wakeEventWaiter()
        startTaskIfNeeded()
    }

    package func connectionReadEnded(error: Int32) {
        readEnded = true
        if error == 0, parseError == nil {
            do { try parser.finish() } catch { parseError = error }
        }
        wakeEventWaiter()
        resumeDisconnectWaiters()
        detachedClientGone()
        startTaskIfNeeded()
    }

    package func connectionShutdownRequested() {
        machine.shutdownRequested()
        wakeEventWaiter()
        startTaskIfNeeded()
    }

    package func connectionClosed() {
        closed = true
        clearDeadline()
        wakeEventWaiter()
        resumeDisconnectWaiters()
        detachedClientGone()
    }

    func wakeEventWaiter() {
        if let waiter = eventWaiter {
            eventWaiter = nil
            waiter.resume()
        }
    }

    func resumeDisconnectWaiters() {
        let waiters = disconnectWaiters
        disconnectWaiters.removeAll()
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Parks the connection's task until the next event (not cancellable: the task's own waits).
    func waitForEvent() async {
        eventWaiterID = 0
        await withUnsafeContinuation { eventWaiter = $0 }
    }

    /// Whether the events queued after a popped head reach that request's `.end`.
    var queuedRequestIsComplete: Bool {
        events.contains { if case .end = $0 { true } else { false } }
    }

    func popEvent() -> HTTPRequestEvent? {
        guard let event = events.popFirst() else { return nil }
        if case .body(let chunk) = event {
            bufferedBodyBytes -= chunk.count
            if bufferedBodyBytes <= configuration.maxBufferedBodyBytes / 2 && parseError == nil && !readEnded {
                connection.resumeReceiving()
            }
        }
        return event
    }

    // MARK: The connection task

    /// Serves queued requests; returns when none came within `taskLinger` (or the
    /// connection is done).
    private func run() async {
        while let head = await nextHead() {
            if head.isUpgrade, let leftover = parser.upgradeLeftover {
                if let upgrader = upgrader(for: head) {
                    await handOver(head, to: upgrader, leftover: leftover)
                    return
                }
                // Not a protocol we switch to: keep speaking HTTP, re-reading what followed.
                parser = HTTPRequestParser(limits: configuration.limits, stopAtUpgrade: true)
                reparse(leftover)
            }
            await serve(head)
            if detachedBody != nil {
                // The exchange goes on without this task; it ends in `finishDetached`.
                detachedHead = head
                return
            }
            // The exchange is over: the next head reuses this one's storage.
            parser.recycle(head)
            if closed || abandoned { return }
            let action = machine.endExchange()
            if action != .none {
                perform(action, [], reuse: false)
                return
            }
        }
    }

    private func upgrader(for head: HTTPRequestHead) -> (any HTTPUpgrader)? {
        guard let name = head.headers.first("upgrade") else { return nil }
        return configuration.upgraders.first { Headers.asciiCaseInsensitiveEqual(name, $0.protocolName.utf8) }
    }

    /// Feeds bytes already read (after an upgrade head that was not taken) to a new parser.
    private func reparse(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { connectionReceived($0) }
    }

    /// Gives the connection to `upgrader`; this handler then stays out of the way.
    private func handOver(_ head: HTTPRequestHead, to upgrader: any HTTPUpgrader, leftover: [UInt8]) async {
        let target: RequestTarget
        do {
            target = try RequestTarget(parsing: head.target, method: head.method)
        } catch {
            respondToParseError(error)
            return
        }
        clearDeadline()
        machine.handedOver()  // no more HTTP on this connection
        await upgrader.upgrade(HTTPUpgradeRequest(
            connection: connection, head: head, target: target, leftover: leftover, application: application,
            state: stateProvider(), configuration: configuration, logger: logger, shuttingDown: shuttingDown,
            shutdownSignal: shutdownSignal))
    }

    /// The next request head, or nil when none came within `taskLinger` (the task ends;
    /// the next head starts another) or the connection is done (after answering a framing
    /// error with its status and closing).
    private func nextHead() async -> HTTPRequestHead? {
        var released = false
        while true {
            if closed || abandoned { return nil }
            if let event = popEvent() {
                if case .head(let head) = event {
                    clearDeadline()
                    if let parseError, !queuedRequestIsComplete {
                        // The body of this very request is malformed: answer the framing
                        // error without running the application.
                        respondToParseError(parseError)
                        return nil
                    }
                    return head
                }
                continue  // leftovers of a request whose body the app did not read
            }
            if let parseError {
                respondToParseError(parseError)
                return nil
            }
            if readEnded || shuttingDown {
                // Idle between requests: nothing unanswered to protect, so no lingering.
                connection.close(graceful: true, linger: false)
                return nil
            }
            if deadlineKind == .none { setDeadline(machine.requestsServed == 0 || !parser.isIdle ? .head : .idle) }
            if released { return nil }
            taskParked = true
            taskReleaseAt = connection.loop.now &+ Self.taskLinger
            armTimer(at: taskReleaseAt)
            await waitForEvent()
            taskParked = false
            released = taskReleaseRequested
            taskReleaseRequested = false
        }
    }

    /// Wakes the parked task so that it ends unless work arrived meanwhile.
    func releaseParkedTask() {
        taskParked = false
        taskReleaseRequested = true
        wakeEventWaiter()
    }

    private func serve(_ head: HTTPRequestHead) async {
        let target: RequestTarget
        do {
            target = try RequestTarget(parsing: head.target, method: head.method)
        } catch {
            parseError = error
            respondToParseError(error)
            return
        }
        exchange &+= 1
        defer {
            exchange &+= 1  // stale Receive/Send of this request now fail with scopeEnded
            resumeDisconnectWaiters()
        }
        requestTrailers = nil
        order = ResponseOrder()
        let bodyLimit = configuration.bodyLimit?(head.method, target.path, head.headers) ?? configuration.limits.maxBodyBytes
        machine.date = date.current()
        // Answers in the app's place are rare: a fresh buffer for them, so that the reused
        // head storage is not taken (and copied while the connection still holds it) for nothing.
        var output: [UInt8] = []
        let begun = machine.beginRequest(head, bodyLimit: bodyLimit, into: &output)
        guard begun == .runApplication else {
            perform(begun, output, reuse: false)
            return
        }

        var scope = HTTPScope(
            httpVersion: head.version == .http1_0 ? "1.0" : "1.1", method: head.method, scheme: "http",
            path: target.path, rawPath: target.rawPath, queryString: target.query, rootPath: configuration.rootPath,
            headers: head.headers, client: connection.remoteAddress, server: connection.localAddress,
            state: stateProvider(), extensions: ScopeExtension.http)
        scope.shutdownSignal = shutdownSignal
        let id = exchange
        do {
            try await application(.http(scope), Receive(channel: self, exchange: id), Send(channel: self, exchange: id))
            if detachedBody != nil { return }  // the source writes the rest
            if !closed && !abandoned {
                if machine.responseNotStarted { machine.date = date.current() }
                var output: [UInt8] = []
                let action = machine.appReturned(into: &output)
                switch action {
                case .none: break
                case .close:
                    logger.error("application returned before finishing its response; closing the connection", metadata: requestMetadata(scope))
                default:
                    logger.error("application returned without sending a response", metadata: requestMetadata(scope))
                }
                perform(action, output, reuse: false)
            }
        } catch is ClientDisconnected {
            // The peer left (or a timeout answered); nothing more to say.
        } catch {
            if detachedBody != nil {
                logger.error("application error after detaching its response body: \(error)", metadata: requestMetadata(scope))
                return
            }
            if !closed && !abandoned {
                machine.date = date.current()
                var output: [UInt8] = []
                // An error that says how to answer (e.g. the toolkit's 413 or `400 Invalid JSON`).
                let answer = (error as? any HTTPResponseError).flatMap {
                    (400...599).contains($0.status) ? HTTPServerExchange.ErrorResponse(status: $0.status, headers: $0.headers, body: $0.body) : nil
                }
                let action = machine.appFailed(answering: answer, into: &output)
                if case .close = action {
                    logger.error("application error after the response started: \(error); closing the connection", metadata: requestMetadata(scope))
                } else if let answer {
                    // The application chose this answer: a client's mistake, not a server failure.
                    var metadata = requestMetadata(scope)
                    metadata["status"] = "\(answer.status)"
                    logger.debug("application answered by throwing: \(error)", metadata: metadata)
                } else {
                    // Nothing reached the wire yet: answer 500, without the error's detail.
                    logger.error("application error: \(error)", metadata: requestMetadata(scope))
                }
                perform(action, output, reuse: false)
            }
        }
        if !closed && !abandoned && machine.keepAlive { await discardRemainingBody() }
    }

    func requestMetadata(_ scope: HTTPScope) -> Logger.Metadata {
        ["request": "\(connection.loop.index)-\(exchange)", "method": "\(scope.method)", "path": "\(scope.path)"]
    }

    /// Reads and drops the rest of a body the application did not consume, so the next
    /// pipelined request starts at the right byte; too much of it closes the connection.
    private func discardRemainingBody() async {
        while !machine.requestBodyDone && !closed {
            if let event = popEvent() {
                switch event {
                case .body(let chunk):
                    // Too much of it: the connection closes after this exchange.
                    if machine.discardedBody(count: chunk.count) != .none { return }
                case .end, .head: machine.requestEnded()  // the parser ends every body before a head
                }
                continue
            }
            if parseError != nil || readEnded || abandoned {
                machine.discardFailed()
                return
            }
            setDeadline(.body)
            await waitForEvent()
        }
        clearDeadline()
    }
}
