import DequeModule
public import RingwayContract
public import RingwaySSECodec
import Synchronization

/// One open `text/event-stream` response, as its producer sees it.
///
/// `send` queues an event for the client and returns; it waits only while the stream's
/// queue is full (the connection's backpressure reaches it through the writer). Once the
/// client has gone, the server shuts down, or the stream finished, `send` throws
/// `EventStreamClosed` — and a producer sleeping in `sleep(for:)` is cancelled at once.
///
/// ```swift
/// try await sse.stream(scope, receive, send) { stream in
///     var n = Int(stream.lastEventID ?? "") ?? 0
///     while true {
///         n += 1
///         try await stream.send(ServerSentEvent(data: "tick \(n)", id: String(n)))
///         try await stream.sleep(for: .seconds(1))
///     }
/// }
/// ```
public final class EventStream: DetachedResponseBodySource, Sendable {
    private struct State: ~Copyable {
        var machine: EventStreamMachine
        /// The writer task, when it waits (a stream written from the app's task).
        var writer: UnsafeContinuation<Void, Never>?
        var producers = Deque<UnsafeContinuation<Void, Never>>()
        /// A detached stream's connection writer, and the one job that flushes to it (made
        /// once: a closure per wake would allocate per event).
        var detached: (any ResponseBodyWriter)?
        var flushJob: (@Sendable () -> Void)?
        /// Runs once when a detached stream has ended (leave the hub, the topic, the shutdown signal).
        var cleanup: (@Sendable () -> Void)?

        mutating func wakeWriter(_ wake: Bool) {
            guard wake else { return }
            if let writer {
                self.writer = nil
                writer.resume()
            } else if let detached, let flushJob {
                detached.execute(flushJob)
            }
        }

        /// After the queue shrank or the stream ended: producers waiting for room retry.
        mutating func wakeProducers() {
            while !producers.isEmpty, machine.hasRoom || !machine.isOpen {
                producers.removeFirst().resume()
            }
        }
    }

    /// The `Last-Event-ID` the client sent (the last event it saw before reconnecting), if any.
    public let lastEventID: String?
    /// The hub's registry key.
    let id: UInt64
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let state: Mutex<State>

    init(id: UInt64, lastEventID: String?, configuration: SSEConfiguration, heartbeatTicks: Int,
         sleeper: @escaping @Sendable (Duration) async throws -> Void) {
        self.id = id
        self.lastEventID = lastEventID
        self.sleeper = sleeper
        self.state = Mutex(State(machine: EventStreamMachine(
            maxEvents: configuration.maxQueuedEvents, maxBytes: configuration.maxQueuedBytes,
            policy: configuration.slowClientPolicy, heartbeatTicks: heartbeatTicks)))
    }

    /// Whether events still reach the client.
    public var isOpen: Bool { state.withLock { $0.machine.isOpen } }

    /// Why the stream ended (or is ending); nil while open.
    public var end: EventStreamEnd? { state.withLock { $0.machine.endReason } }

    /// Broadcast events skipped for this stream by `SlowClientPolicy.dropNewest`.
    public var droppedEvents: Int { state.withLock { $0.machine.droppedEvents } }

    /// Events waiting for the client.
    public var queuedEvents: Int { state.withLock { $0.machine.queuedEvents } }

    /// Queues `event`; waits while the queue is full (until the writer makes room or the
    /// stream ends). Throws `SSEEncodingError` for an `id` or `event` that would corrupt the
    /// stream (nothing is sent), `EventStreamClosed` once the stream has ended, and
    /// `CancellationError` when called from a cancelled task with the queue full.
    public func send(_ event: ServerSentEvent) async throws {
        try await enqueue(try SSEEncoder.encode(event))
    }

    /// Queues a comment (clients ignore it; useful as a custom keepalive or for debugging).
    public func comment(_ text: String) async throws {
        var bytes: [UInt8] = []
        SSEEncoder.appendComment(text, into: &bytes)
        bytes.append(10)
        try await enqueue(bytes)
    }

    /// Sleeps on the hub's clock; throws `CancellationError` as soon as the client goes away
    /// or the stream ends (the producer is cancelled then).
    public func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }

    /// Ends the stream after what is queued (as returning from the producer does).
    public func finish() {
        state.withLock { $0.wakeWriter($0.machine.finish()) }
    }

    /// Queues already-encoded bytes; waits while the queue is full.
    package func enqueue(_ bytes: [UInt8]) async throws {
        while true {
            let offer = state.withLock { state -> EventStreamMachine.Offer in
                let (offer, wake) = state.machine.offer(bytes)
                state.wakeWriter(wake)
                return offer
            }
            switch offer {
            case .queued, .dropped: return
            case .ended(let reason): throw EventStreamClosed(reason: reason)
            case .full:
                try Task.checkCancellation()
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                    let retryNow = state.withLock { state -> Bool in
                        if state.machine.hasRoom || !state.machine.isOpen { return true }
                        state.producers.append(continuation)
                        return false
                    }
                    if retryNow { continuation.resume() }
                }
            }
        }
    }

    // MARK: For the hub, the broadcaster and the writer

    /// A broadcast event: never waits; a full queue applies the slow-client policy.
    package func offerWithoutWaiting(_ bytes: [UInt8]) -> EventStreamMachine.Offer {
        state.withLock { state in
            let (offer, wake) = state.machine.offerWithoutWaiting(bytes)
            state.wakeWriter(wake)
            if case .ended = offer { state.wakeProducers() }
            return offer
        }
    }

    /// Bytes queued past the bounds (history replay, the opening `retry:`).
    package func offerUnbounded(_ bytes: [UInt8]) {
        state.withLock { $0.wakeWriter($0.machine.offerUnbounded(bytes)) }
    }

    /// One heartbeat tick.
    package func tick() {
        state.withLock { $0.wakeWriter($0.machine.tick()) }
    }

    /// The server shuts down: queued events, then `final`, then the end.
    package func drain(final: [UInt8]?) {
        state.withLock { $0.wakeWriter($0.machine.drain(final: final)) }
    }

    /// The client left or a write failed.
    package func clientGone() {
        state.withLock { state in
            state.wakeWriter(state.machine.clientGone())
            state.wakeProducers()
        }
    }

    // MARK: Detached (no task while the stream waits)

    /// What runs when a detached stream has ended.
    package func setCleanup(_ cleanup: @escaping @Sendable () -> Void) {
        state.withLock { $0.cleanup = cleanup }
    }

    /// Takes the cleanup back (the detach was refused): the caller runs it; it no longer
    /// runs here, and the stream no longer holds it (the closure holds the stream).
    package func takeCleanup() -> (@Sendable () -> Void)? {
        state.withLock { state in
            defer { state.cleanup = nil }
            return state.cleanup
        }
    }

    public func attached(to writer: any ResponseBodyWriter) {
        state.withLock { state in
            state.detached = writer
            state.flushJob = { [self] in flush() }
        }
        flush()
    }

    public func writable() { flush() }

    public func clientDisconnected() {
        clientGone()
        flush()  // a writer held back by backpressure was not waiting: end here
    }

    /// Writes what the machine says until it must wait (nothing queued, or the connection is
    /// full), or the stream ended. On the connection's thread.
    private func flush() {
        guard let writer = state.withLock({ $0.detached }) else { return }
        while true {
            switch nextAction() {
            case .write(let bytes):
                if writer.write(bytes) { continue }
                if writer.isOpen { return }  // full: `writable()` comes back here
                clientGone()
            case .wait:
                return
            case .finish(let final, _):
                if let final { writer.write(final) }
                writer.finish()
                detachedEnded()
                return
            case .stop:
                writer.finish()
                detachedEnded()
                return
            }
        }
    }

    private func detachedEnded() {
        let cleanup = state.withLock { state -> (@Sendable () -> Void)? in
            defer {
                state.cleanup = nil
                state.flushJob = nil  // it holds the stream
                state.detached = nil
            }
            return state.cleanup
        }
        cleanup?()
    }

    private func nextAction() -> EventStreamMachine.WriterAction {
        state.withLock { state -> EventStreamMachine.WriterAction in
            let action = state.machine.nextWrite()
            if case .wait = action {} else { state.wakeProducers() }
            return action
        }
    }

    /// The writer's next action; waits while there is nothing to write.
    package func nextWriterAction() async -> EventStreamMachine.WriterAction {
        while true {
            let action = nextAction()
            guard case .wait = action else { return action }
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let wokenAlready = state.withLock { state -> Bool in
                    guard state.machine.writerWaiting else { return true }
                    state.writer = continuation
                    return false
                }
                if wokenAlready { continuation.resume() }
            }
        }
    }
}
