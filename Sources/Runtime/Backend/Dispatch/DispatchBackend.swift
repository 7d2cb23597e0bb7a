import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The portable backend: `ReadinessBackend` on `DispatchSource`s, for every platform Swift
/// runs on (no epoll, eventfd or io_uring here).
typealias DispatchBackend = ReadinessBackend<DispatchWaiter>

extension ReadinessBackend where Waiter == DispatchWaiter {
    /// Throws nothing today; typed like the other backends' initializers.
    convenience init() throws(BackendError) {
        self.init(waiter: DispatchWaiter())
    }
}

/// Dispatch sources as a `ReadinessWaiter`.
///
/// One read source per fd watched for reading, one write source per fd watched for writing,
/// all on one private serial queue. Their handlers run on that queue, never on the loop, so
/// they only record "this source fired" in a `Mutex`-protected list, suspend their source
/// and wake the loop, which sleeps on a semaphore inside `wait`.
///
/// A fired source stays suspended until the loop has handled it, so Dispatch's level-style
/// re-firing never spins: the loop resumes it when interest remains, or keeps it suspended
/// and simply offers the fd again next turn when the last read filled the whole buffer or
/// batch (more is probably waiting). Sources are cancelled before their fd is closed, and the
/// fd is closed by the last cancel handler, so Dispatch never watches a reused descriptor number.
///
/// Not `Sendable`: everything here is confined to the loop thread. Only `FiredSources` (the
/// fired list, the wake flag, the semaphore) is shared with Dispatch's queue and wakers.
final class DispatchWaiter: ReadinessWaiter {
    static var kind: BackendKind { .dispatch }

    /// What the emulation watches on one fd, and the sources watching it (loop-confined).
    private final class Watch {
        let fd: Int32
        var events: ReadinessEvents = []
        var readSource: WatchedSource?
        var writeSource: WatchedSource?
        /// The last read suggests more is waiting: offered again next turn without asking
        /// Dispatch, the read source staying suspended meanwhile.
        var readPending = false
        /// Set by `close(fd:)`; a watch still referenced by an in-progress turn is then skipped.
        var closed = false

        init(fd: Int32) { self.fd = fd }
    }

    /// One Dispatch source and the suspensions the loop knows of: its own `suspend()` calls
    /// plus the handler's, counted when the loop takes the handler's `Fired` entry. A source
    /// must be resumed exactly that many times, neither more (Dispatch traps on over-resume)
    /// nor fewer (a suspended source is never cancelled, so its fd would never be closed).
    private struct WatchedSource {
        let handle: SourceHandle
        let key: UInt64
        var suspensions = 0
    }

    private let queue: DispatchQueue
    private let fired = FiredSources()
    /// Entered per retired watch with sources, left by its last cancel handler.
    private let cancellations = DispatchGroup()
    private var watches: [Watch?] = []
    private var pendingReads: [Watch] = []
    private var carried: [Watch] = []
    private var batch: [FiredSources.Fired] = []
    private var nextKey: UInt64 = 0
    private var isShutDown = false

    init() {
        queue = DispatchQueue(label: "ringway.dispatch-backend")
    }

    deinit {
        if !isShutDown { shutdown() }
    }

    private func existingWatch(_ fd: Int32) -> Watch? {
        fd >= 0 && Int(fd) < watches.count ? watches[Int(fd)] : nil
    }

    func watch(fd: Int32, events: ReadinessEvents) {
        let index = Int(fd)
        if index >= watches.count { watches.append(contentsOf: repeatElement(nil, count: index - watches.count + 64)) }
        let watch: Watch
        if let existing = watches[index] {
            watch = existing
        } else {
            watch = Watch(fd: fd)
            watches[index] = watch
        }
        watch.events = events
        if !events.contains(.readable) { watch.readPending = false }
        updateReadSource(watch)
        updateWriteSource(watch)
    }

    func close(fd: Int32) {
        guard let watch = existingWatch(fd) else {
            closeDescriptor(fd)
            return
        }
        watches[Int(fd)] = nil
        retire(watch, closing: true)
    }

    /// Stops watching `watch`: its sources leave the shared table, are cancelled and resumed
    /// as often as they were suspended; the last cancel handler closes the fd when `closing`.
    private func retire(_ watch: Watch, closing: Bool) {
        watch.closed = true
        watch.events = []
        let sources = [watch.readSource, watch.writeSource].compactMap { $0 }
        watch.readSource = nil
        watch.writeSource = nil
        guard !sources.isEmpty else {
            if closing { closeDescriptor(watch.fd) }
            return
        }
        // After this no handler suspends them again, and the suspensions of handlers that
        // fired but were not taken by the loop yet come back with the count.
        let unobserved = fired.retire(keys: sources.map(\.key))
        cancellations.enter()
        let finish = CancellationBarrier(fd: closing ? watch.fd : -1, sources: sources.count, group: cancellations)
        for watched in sources {
            let source = watched.handle.source
            // Dispatch documents the cancel handler as the place where the fd may be closed:
            // it runs once the descriptor is no longer monitored.
            source.setCancelHandler { finish.sourceCancelled() }
            source.cancel()
            // A suspended source never delivers its cancellation (nor may it be released).
            for _ in 0..<(watched.suspensions + (unobserved[watched.key] ?? 0)) { source.resume() }
        }
    }

    // MARK: Sources

    /// Arms the read source while read interest remains and nothing is known to be pending;
    /// otherwise keeps it suspended (created on first need).
    private func updateReadSource(_ watch: Watch) {
        guard !watch.closed else { return }
        let armed = watch.events.contains(.readable) && !watch.readPending
        if watch.readSource == nil {
            guard armed else { return }
            watch.readSource = makeSource(fd: watch.fd, write: false)
            return
        }
        settle(&watch.readSource!, armed: armed)
    }

    /// Arms the write source while a send waits for room.
    private func updateWriteSource(_ watch: Watch) {
        guard !watch.closed else { return }
        let armed = watch.events.contains(.writable)
        if watch.writeSource == nil {
            guard armed else { return }
            watch.writeSource = makeSource(fd: watch.fd, write: true)
            return
        }
        settle(&watch.writeSource!, armed: armed)
    }

    /// Brings a source to 0 known suspensions when `armed`, to exactly 1 otherwise.
    private func settle(_ watched: inout WatchedSource, armed: Bool) {
        let target = armed ? 0 : 1
        while watched.suspensions > target {
            watched.handle.source.resume()
            watched.suspensions -= 1
        }
        if watched.suspensions < target {
            watched.handle.source.suspend()
            watched.suspensions += 1
        }
    }

    /// Creates and activates a source whose handler records itself as fired.
    private func makeSource(fd: Int32, write: Bool) -> WatchedSource {
        let source: any DispatchSourceProtocol = write
            ? DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            : DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        nextKey += 1
        let key = nextKey
        let handle = SourceHandle(source)
        fired.register(key: key, handle: handle)
        // Captures only Sendable values: the handler finds its source through the table,
        // so a retired source is no longer reachable from its (possibly running) handler.
        let fired = self.fired
        source.setEventHandler { fired.sourceFired(key: key, fd: fd) }
        source.activate()
        return WatchedSource(handle: handle, key: key)
    }

    // MARK: Wait

    func wait(timeoutNanoseconds: Int64?, ready: (Int32, ReadinessEvents) -> Bool) throws(BackendError) {
        let deadline: DispatchTime?
        if !pendingReads.isEmpty || timeoutNanoseconds == 0 {
            deadline = nil
        } else if let timeoutNanoseconds, timeoutNanoseconds < (1 << 62) {
            deadline = .now() + .nanoseconds(Int(max(timeoutNanoseconds, 0)))
        } else {
            deadline = .distantFuture
        }
        fired.collect(into: &batch, waitingUntil: deadline)

        // First count every taken handler suspension, before any `ready` call can close an fd
        // (a `close` resumes exactly the suspensions counted so far).
        for entry in batch {
            guard let watch = existingWatch(entry.fd) else { continue }
            if watch.readSource?.key == entry.key {
                watch.readSource!.suspensions += 1
            } else if watch.writeSource?.key == entry.key {
                watch.writeSource!.suspensions += 1
            }
        }
        swap(&carried, &pendingReads)
        for entry in batch {
            guard let watch = existingWatch(entry.fd) else { continue }
            if watch.readSource?.key == entry.key {
                readable(watch, ready, fromSource: true)
            } else if watch.writeSource?.key == entry.key {
                _ = ready(watch.fd, .writable)
                updateWriteSource(watch)
            }
        }
        batch.removeAll(keepingCapacity: true)
        for watch in carried where !watch.closed && watch.readPending {
            watch.readPending = false
            readable(watch, ready)
        }
        carried.removeAll(keepingCapacity: true)
    }

    /// Offers `watch` as readable, then re-arms its read source or keeps it pending.
    ///
    /// After a read the source reported, one more read follows next turn even when the buffer
    /// was not filled: bytes and a reset (or an end of stream) that arrive together make
    /// Dispatch report the socket once, so the error behind the bytes would otherwise wait
    /// for an event that never comes. That read usually finds `EAGAIN` and re-arms the source.
    private func readable(_ watch: Watch, _ ready: (Int32, ReadinessEvents) -> Bool, fromSource: Bool = false) {
        let more = ready(watch.fd, .readable)
        guard !watch.closed else { return }
        watch.readPending = (more || fromSource) && watch.events.contains(.readable)
        if watch.readPending { pendingReads.append(watch) }
        updateReadSource(watch)
    }

    func makeWaker() -> any LoopWaker { DispatchWaker(fired: fired) }

    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        // Descriptors still registered belong to their owners: stop watching, do not close.
        for case let watch? in watches { retire(watch, closing: false) }
        watches.removeAll()
        pendingReads.removeAll()
        // Cancel handlers run on `queue`, never on this thread: once they all ran, every fd
        // passed to `close(fd:)` is closed and Dispatch holds no descriptor of ours.
        _ = cancellations.wait(timeout: .now() + .seconds(5))
    }
}

// MARK: - Shared with Dispatch's queue

/// The only state shared between the loop thread, Dispatch's queue and wakers.
private final class FiredSources: Sendable {
    /// A source whose handler ran (and suspended it) since the loop last looked.
    struct Fired: Sendable {
        let fd: Int32
        let key: UInt64
    }

    private struct State {
        var fired: [Fired] = []
        /// Sources whose handlers may still record; a retired key is absent.
        var live: [UInt64: SourceHandle] = [:]
        var wakeRequested = false
        /// The loop is (about to be) blocked on `semaphore` and needs exactly one signal.
        var sleeping = false

        /// Whether the caller must signal: true once per sleep.
        mutating func takeSleeper() -> Bool {
            defer { sleeping = false }
            return sleeping
        }
    }

    private let state = Mutex(State())
    private let semaphore = DispatchSemaphore(value: 0)

    func register(key: UInt64, handle: SourceHandle) {
        state.withLock { $0.live[key] = handle }
    }

    /// Removes `keys` and their unseen `Fired` entries; returns how many each had (each is a
    /// handler suspension the caller must balance).
    func retire(keys: [UInt64]) -> [UInt64: Int] {
        state.withLock { state in
            for key in keys { state.live[key] = nil }
            var unobserved: [UInt64: Int] = [:]
            state.fired.removeAll { fired in
                guard keys.contains(fired.key) else { return false }
                unobserved[fired.key, default: 0] += 1
                return true
            }
            return unobserved
        }
    }

    /// The event handler (on the backend's queue). Suspends the source under the lock, so a
    /// concurrent `retire` either sees the entry (and balances it) or the handler sees the
    /// key gone (and does nothing): a retired source is never left suspended.
    func sourceFired(key: UInt64, fd: Int32) {
        let signal = state.withLock { state -> Bool in
            guard let handle = state.live[key] else { return false }
            handle.source.suspend()
            state.fired.append(Fired(fd: fd, key: key))
            return state.takeSleeper()
        }
        if signal { semaphore.signal() }
    }

    func wake() {
        let signal = state.withLock { state -> Bool in
            state.wakeRequested = true
            return state.takeSleeper()
        }
        if signal { semaphore.signal() }
    }

    /// Takes the fired sources into `batch`. With a `deadline`, first sleeps until a source
    /// fires, a wake, or the deadline, unless one of those already happened.
    func collect(into batch: inout [Fired], waitingUntil deadline: DispatchTime?) {
        if let deadline {
            let mustWait = state.withLock { state -> Bool in
                guard state.fired.isEmpty && !state.wakeRequested else { return false }
                state.sleeping = true
                return true
            }
            if mustWait && semaphore.wait(timeout: deadline) == .timedOut {
                // A signaller that cleared `sleeping` is committed to signal: consume that
                // signal now so the semaphore never carries a stale wake into the next poll.
                let signalled = state.withLock { state -> Bool in
                    if state.sleeping {
                        state.sleeping = false
                        return false
                    }
                    return true
                }
                if signalled { semaphore.wait() }
            }
        }
        state.withLock { state in
            state.wakeRequested = false
            swap(&state.fired, &batch)
        }
    }
}

/// A Dispatch source shared with its handler through `FiredSources`. Dispatch sources are
/// thread-safe objects (`suspend`, `resume`, `cancel` may be called from any thread); the
/// protocol existential just does not say so. Invariant behind `@unchecked Sendable`.
private final class SourceHandle: @unchecked Sendable {
    let source: any DispatchSourceProtocol
    init(_ source: any DispatchSourceProtocol) { self.source = source }
}

/// Closes a retired fd once every one of its sources ran its cancel handler.
private final class CancellationBarrier: Sendable {
    /// The fd to close, or -1 to only stop watching it (`shutdown`).
    let fd: Int32
    let remaining: Atomic<Int>
    let group: DispatchGroup

    init(fd: Int32, sources: Int, group: DispatchGroup) {
        self.fd = fd
        self.remaining = Atomic(sources)
        self.group = group
    }

    func sourceCancelled() {
        guard remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        if fd >= 0 { closeDescriptor(fd) }
        group.leave()
    }
}

/// Interrupts `DispatchBackend.poll` from any thread.
private struct DispatchWaker: LoopWaker {
    let fired: FiredSources
    func wake() { fired.wake() }
}

/// `close(2)`, reachable where a `close` method shadows it.
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}
