import DequeModule
import Logging
import RingwayCore
import RingwayHTTPCodec
public import RingwayRuntime

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
/// The concerns live in extensions: `+Receive` (request messages), `+Send` (response
/// framing), `+Timeouts` (header, body, idle and send deadlines).
public final class HTTPConnectionHandler: ConnectionDelegate, MessageChannel, @unchecked Sendable {
    let connection: Connection
    let application: any Application
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let stateProvider: @Sendable () -> ScopeState

    var parser: HTTPRequestParser
    var events = Deque<HTTPRequestEvent>()
    var bufferedBodyBytes = 0
    var parseError: HTTPParserError?
    var readEnded = false
    var closed = false
    var shuttingDown = false
    /// The server gave up on the exchange (a timeout or a body limit) and answered or
    /// closed in the app's place: the app's `receive` reports a disconnect, `send` throws.
    var abandoned = false
    var eventWaiter: UnsafeContinuation<Void, Never>?
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
    var disconnectWaiters: [UnsafeContinuation<Void, Never>] = []
    var date = HTTPDate()
    var requestsServed = 0

    // The exchange (request/response) in progress.
    var exchange: UInt64 = 0
    var inExchange = false
    var requestHead: HTTPRequestHead?
    var requestBodyDone = true
    var requestBodyBytes: UInt64 = 0
    var requestBodyLimit: UInt64 = 0
    var requestTrailers: Headers?
    var continueSent = false
    var order = ResponseOrder()
    var pendingStart: (status: Int, headers: Headers)?
    var framing = ResponseFraming.none
    var keepAlive = true
    var declaredLength: UInt64?
    var sentBodyBytes: UInt64 = 0
    var pendingTrailers = Headers()
    /// Storage for response heads, reused once the connection has sent the last one.
    var responseBuffer = ReusableBuffer()
    /// The connection's one timer's action, made once (a closure per arming would allocate).
    lazy var timerAction: () -> Void = { [weak self] in self?.timerFired() }

    // Deadlines (see +Timeouts).
    var deadlineKind = DeadlineKind.none
    var deadline: UInt64 = 0
    /// `connection.sentBytes` when the send deadline was set: progress since restarts it.
    var sentBytesAtDeadline: UInt64 = 0

    enum ResponseFraming { case none, contentLength, chunked, closeDelimited, bodiless }

    init(connection: Connection, application: any Application, configuration: HTTPServerConfiguration,
         logger: Logger, stateProvider: @escaping @Sendable () -> ScopeState) {
        self.connection = connection
        self.application = application
        self.configuration = configuration
        self.logger = logger
        self.stateProvider = stateProvider
        // With upgraders the parser stops after an upgrade request's head and keeps what
        // follows for the new protocol.
        self.parser = HTTPRequestParser(limits: configuration.limits, stopAtUpgrade: !configuration.upgraders.isEmpty)
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
        guard !taskRunning, !closed, !abandoned else { return }
        guard !events.isEmpty || parseError != nil || readEnded || shuttingDown else { return }
        taskRunning = true
        Task(executorPreference: connection.loop) { [self] in
            await run()
            taskRunning = false
            releaseIdleMemory()
        }
    }

    /// An idle connection keeps no reusable storage: event queue capacity, recycled heads,
    /// the response buffer, the connection's queue and gather list (a busy one keeps them,
    /// so its requests allocate nothing).
    private func releaseIdleMemory() {
        guard !closed else { return }
        if events.isEmpty { events = Deque() }
        parser.releaseRecycledStorage()
        responseBuffer.release()
        connection.releaseIdleMemory()
    }

    // MARK: ConnectionDelegate (loop thread)

    public func connectionReceived(_ bytes: UnsafeRawBufferPointer) {
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

    public func connectionReadEnded(error: Int32) {
        readEnded = true
        if error == 0, parseError == nil {
            do { try parser.finish() } catch { parseError = error }
        }
        wakeEventWaiter()
        resumeDisconnectWaiters()
        startTaskIfNeeded()
    }

    public func connectionShutdownRequested() {
        shuttingDown = true
        wakeEventWaiter()
        startTaskIfNeeded()
    }

    public func connectionClosed() {
        closed = true
        clearDeadline()
        wakeEventWaiter()
        resumeDisconnectWaiters()
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
        for waiter in waiters { waiter.resume() }
    }

    func waitForEvent() async {
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
            // The exchange is over: the next head reuses this one's storage.
            parser.recycle(head)
            if closed || abandoned { return }
            if !keepAlive || shuttingDown {
                connection.close(graceful: true)
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
        abandoned = true  // no more HTTP on this connection
        await upgrader.upgrade(HTTPUpgradeRequest(
            connection: connection, head: head, target: target, leftover: leftover, application: application,
            state: stateProvider(), configuration: configuration, logger: logger, shuttingDown: shuttingDown))
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
            if deadlineKind == .none { setDeadline(requestsServed == 0 || !parser.isIdle ? .head : .idle) }
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
        exchange &+= 1
        inExchange = true
        requestsServed += 1
        requestHead = head
        requestBodyDone = false
        requestBodyBytes = 0
        requestTrailers = nil
        continueSent = false
        order = ResponseOrder()
        pendingStart = nil
        framing = .none
        declaredLength = nil
        sentBodyBytes = 0
        keepAlive = head.keepAlive && !shuttingDown
        defer {
            exchange &+= 1  // stale Receive/Send of this request now fail with scopeEnded
            inExchange = false
            requestHead = nil  // an idle connection keeps no request's fields
            resumeDisconnectWaiters()
        }

        let target: RequestTarget
        do {
            target = try RequestTarget(parsing: head.target, method: head.method)
        } catch {
            parseError = error
            respondToParseError(error)
            return
        }
        if let expectation = head.headers.first("expect"), !Headers.asciiCaseInsensitiveEqual(expectation, "100-continue".utf8) {
            // RFC 9110 §10.1.1: an expectation we cannot meet.
            keepAlive = false
            writeErrorResponse(status: 417, message: "Expectation Failed: only 100-continue is supported")
            return
        }
        requestBodyLimit = configuration.bodyLimit?(head.method, target.path, head.headers) ?? configuration.limits.maxBodyBytes
        if case .contentLength(let length) = head.bodyFraming, length > requestBodyLimit {
            keepAlive = false
            writeErrorResponse(status: 413, message: "Content Too Large: the body is \(length) bytes, the limit is \(requestBodyLimit)")
            return
        }

        let scope = HTTPScope(
            httpVersion: head.version == .http1_0 ? "1.0" : "1.1", method: head.method, scheme: "http",
            path: target.path, rawPath: target.rawPath, queryString: target.query, rootPath: configuration.rootPath,
            headers: head.headers, client: connection.remoteAddress, server: connection.localAddress,
            state: stateProvider(), extensions: ScopeExtension.http)
        let id = exchange
        do {
            try await application(.http(scope), Receive(channel: self, exchange: id), Send(channel: self, exchange: id))
            if !closed && !abandoned {
                switch order.state {
                case .awaitingStart:
                    logger.error("application returned without sending a response", metadata: requestMetadata(scope))
                    writeErrorResponse(status: 500, message: "Internal Server Error")
                case .streamingBody, .awaitingTrailers:
                    logger.error("application returned before finishing its response; closing the connection", metadata: requestMetadata(scope))
                    keepAlive = false
                    connection.close(graceful: false)
                case .complete:
                    break
                }
            }
        } catch is ClientDisconnected {
            // The peer left (or a timeout answered); nothing more to say.
        } catch {
            if !closed && !abandoned {
                if order.state == .awaitingStart || pendingStart != nil {
                    // Nothing reached the wire yet: answer 500, without the error's detail.
                    logger.error("application error: \(error)", metadata: requestMetadata(scope))
                    pendingStart = nil
                    writeErrorResponse(status: 500, message: "Internal Server Error")
                } else {
                    logger.error("application error after the response started: \(error); closing the connection", metadata: requestMetadata(scope))
                    connection.close(graceful: false)
                }
            }
        }
        if !closed && !abandoned && keepAlive { await discardRemainingBody() }
    }

    func requestMetadata(_ scope: HTTPScope) -> Logger.Metadata {
        ["request": "\(connection.loop.index)-\(exchange)", "method": "\(scope.method)", "path": "\(scope.path)"]
    }

    /// Reads and drops the rest of a body the application did not consume, so the next
    /// pipelined request starts at the right byte; too much of it closes the connection.
    private func discardRemainingBody() async {
        var discarded = 0
        while !requestBodyDone && !closed {
            if let event = popEvent() {
                switch event {
                case .body(let chunk):
                    discarded += chunk.count
                    if discarded > configuration.maxDiscardedBodyBytes {
                        keepAlive = false
                        return
                    }
                case .end, .head: requestBodyDone = true  // the parser ends every body before a head
                }
                continue
            }
            if parseError != nil || readEnded || abandoned {
                keepAlive = false
                return
            }
            setDeadline(.body)
            await waitForEvent()
        }
        clearDeadline()
    }
}
