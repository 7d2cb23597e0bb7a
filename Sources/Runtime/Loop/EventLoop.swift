import DequeModule
import Dispatch
#if os(Linux)
import CURing
#endif
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thread, one backend, one run queue, one timer heap.
///
/// The loop is the Swift-concurrency `TaskExecutor` of the connections it owns: a task
/// started with `Task(executorPreference: loop)` runs its nonisolated code on the loop
/// thread, so I/O completions resume application code with no thread hop. Jobs enqueued
/// from the loop thread go to a lock-free local queue; jobs from other threads go to a
/// locked queue and wake the backend only when the loop is (about to be) blocked.
///
/// Everything not marked thread-safe is confined to the loop thread; that confinement is
/// the invariant behind `@unchecked Sendable`, checked with `assertInLoop()` in debug builds.
package final class EventLoop: TaskExecutor, @unchecked Sendable {
    /// The loop's position in its group.
    package let index: Int
    /// The backend this loop runs on (known once the loop started).
    package private(set) var backendKind: BackendKind
    let logger: Logger

    private var backend: (any IOBackend)!
    private var waker: (any LoopWaker)?
    private var thread = pthread_t()
    private let threadRunning = Atomic<Bool>(false)
    /// Loop threads created in this process and not joined yet: a server stops and joins its
    /// loops, so this returns to zero once every server has stopped (the test suite checks it).
    private static let unjoinedThreads = Atomic<Int>(0)
    /// The number of loop threads created and not yet joined, process-wide.
    package static var unjoinedThreadCount: Int { unjoinedThreads.load(ordering: .relaxed) }

    /// Makes the process exit with status 1 and a message on stderr if any loop thread is
    /// left unjoined when it exits (the test suite's leak check); idempotent.
    package static func failExitIfThreadsRemain() { _ = exitCheckInstalled }

    private static let exitCheckInstalled: Void = {
        atexit {
            let left = EventLoop.unjoinedThreadCount
            let message = left == 0
                ? "event-loop leak check: every loop thread was stopped and joined\n"
                : "error: \(left) event-loop thread(s) were never stopped and joined (a server, loop or test helper leaked them)\n"
            message.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
            if left > 0 { _exit(1) }
        }
    }()

    private var localJobs = Deque<UnownedJob>()
    private var localWork = Deque<Work>()
    private let remote = Mutex<RemoteWork>(RemoteWork())
    /// True while the loop may be blocked in `poll`: remote enqueuers must wake it.
    private let mayBeBlocked = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)

    private var timers = TimerQueue()
    private var registry = TargetRegistry()
    private var pendingFlushes: [Connection] = []
    /// The flush list being worked through; swapped with `pendingFlushes` so neither
    /// array is ever reallocated (a copy plus `removeAll(keepingCapacity:)` would be).
    private var flushing: [Connection] = []
    /// Remote jobs and work taken out of the lock, swapped in the same way.
    private var drainedJobs: [UnownedJob] = []
    private var drainedWork: [Work] = []
    /// Listeners this loop accepts on (loop-confined).
    var listeners: [Listener] = []
    /// Connections open on this loop (loop-confined).
    private(set) var openConnections = 0

    func connectionOpened() { openConnections += 1 }
    func connectionClosed() { openConnections -= 1 }

    private struct RemoteWork: ~Copyable {
        var jobs: [UnownedJob] = []
        var work: [Work] = []
    }

    /// The loop's time source: nil for the monotonic clock, or a test's virtual clock.
    let virtualClock: VirtualClock?

    init(index: Int, backend: BackendKind, logger: Logger, clock: VirtualClock? = nil) {
        self.index = index
        self.backendKind = backend
        self.logger = logger
        self.virtualClock = clock
    }

    // MARK: Thread

    /// Starts the loop thread and creates its backend there (io_uring's SINGLE_ISSUER needs
    /// the ring created by the thread that submits). Throws the backend's setup error.
    func start(makeBackend: @escaping @Sendable () throws(BackendError) -> any IOBackend) throws(BackendError) {
        let started = DispatchSemaphore(value: 0)
        let failure = Mutex<BackendError?>(nil)
        let body: @Sendable () -> Void = { [self] in
            do throws(BackendError) {
                let backend = try makeBackend()
                self.backend = backend
                if let kind = backend.kind { self.backendKind = kind }
                self.waker = backend.makeWaker()
            } catch {
                failure.withLock { $0 = error }
                started.signal()
                return
            }
            #if os(Linux)
            ringway_set_thread_name("ringway-loop-\(self.index)")
            #endif
            FileTransfer.blockBrokenPipeSignal()  // backends call sendfile(2) on this thread
            self.threadRunning.store(true, ordering: .releasing)
            started.signal()
            self.runLoop()
        }
        thread = Self.spawnThread(name: "ringway-loop-\(index)", body)
        Self.unjoinedThreads.add(1, ordering: .relaxed)
        started.wait()
        if let error = failure.withLock({ $0 }) {
            pthread_join(thread, nil)
            Self.unjoinedThreads.subtract(1, ordering: .relaxed)
            throw error
        }
    }

    private static func spawnThread(name: String, _ body: @escaping @Sendable () -> Void) -> pthread_t {
        final class Start { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Start(body)).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            // Balances passRetained above: the thread owns the closure box.
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            start.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        return thread
    }

    /// Asks the loop to stop after its current iteration; thread-safe.
    func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        waker?.wake()
    }

    /// Waits for the loop thread to exit (after `requestStop`). Not callable on the loop.
    func join() {
        precondition(!inLoop, "a loop cannot join itself")
        // exchange: a second join must not join a thread that is already reaped.
        if threadRunning.exchange(false, ordering: .acquiringAndReleasing) {
            pthread_join(thread, nil)
            Self.unjoinedThreads.subtract(1, ordering: .relaxed)
        }
    }

    /// Whether the caller runs on this loop's thread.
    @inline(__always)
    package var inLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    @inline(__always)
    func assertInLoop(_ file: StaticString = #fileID, _ line: UInt = #line) {
        assert(inLoop, "loop-confined state touched off its loop", file: file, line: line)
    }

    // MARK: Executor

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inLoop {
            localJobs.append(job)
        } else {
            remote.withLock { $0.jobs.append(job) }
            wakeIfBlocked()
        }
    }

    /// Runs `work` on the loop thread: in order with other work, after the current job.
    /// Thread-safe.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        if inLoop {
            localWork.append(Work(run: work))
        } else {
            remote.withLock { $0.work.append(Work(run: work)) }
            wakeIfBlocked()
        }
    }

    /// Runs `work` on the loop and returns its result to the (async) caller.
    package func submit<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            execute { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    @inline(__always)
    private func wakeIfBlocked() {
        if mayBeBlocked.load(ordering: .sequentiallyConsistent) { waker?.wake() }
    }

    // MARK: Timers (loop-confined)

    /// Runs `action` on the loop after `nanoseconds`. Loop thread only.
    @discardableResult
    package func scheduleTimer(afterNanoseconds nanoseconds: UInt64, _ action: @escaping () -> Void) -> TimerID {
        assertInLoop()
        return timers.schedule(deadline: now &+ nanoseconds, action)
    }

    /// Runs `action` on the loop after `delay` (negative: as soon as possible). Loop thread only.
    @discardableResult
    package func scheduleTimer(after delay: Duration, _ action: @escaping () -> Void) -> TimerID {
        scheduleTimer(afterNanoseconds: delay.clampedNanoseconds, action)
    }

    /// Cancels a timer that has not fired. Loop thread only.
    package func cancelTimer(_ id: TimerID) {
        assertInLoop()
        timers.cancel(id)
    }

    // MARK: Run

    private func runLoop() {
        while !stopRequested.load(ordering: .relaxed) {
            runReadyWork()
            flushConnections()
            var timeout: Int64? = nil
            if !localJobs.isEmpty || !localWork.isEmpty {
                timeout = 0
            } else {
                mayBeBlocked.store(true, ordering: .sequentiallyConsistent)
                let remoteWaiting = remote.withLock { !$0.jobs.isEmpty || !$0.work.isEmpty }
                if remoteWaiting || stopRequested.load(ordering: .sequentiallyConsistent) {
                    timeout = 0
                } else if let deadline = timers.nextDeadline() {
                    let now = self.now
                    if deadline <= now {
                        timeout = 0
                    } else if virtualClock == nil {
                        timeout = Int64(deadline - now)
                    }  // virtual time: wait until the clock is advanced (which wakes the loop)
                }
            }
            do {
                try backend.poll(timeoutNanoseconds: timeout, sink: self)
            } catch {
                logger.critical("event loop \(index) cannot poll its backend: \(error)")
                mayBeBlocked.store(false, ordering: .relaxed)
                break
            }
            mayBeBlocked.store(false, ordering: .relaxed)
            if !timers.isEmpty {
                let now = self.now
                let last = timers.lastScheduled
                while let action = timers.popDue(now: now, scheduledUpTo: last) { action() }
            }
        }
        // Whatever is still queued runs now, so continuations waiting on the loop finish.
        runReadyWork()
        registry.forEach { $0.loopStopped() }
        runReadyWork()
        backend.shutdown()
    }

    private func runReadyWork() {
        remote.withLock { remote in
            guard !remote.jobs.isEmpty || !remote.work.isEmpty else { return }
            swap(&remote.jobs, &drainedJobs)
            swap(&remote.work, &drainedWork)
        }
        if !drainedJobs.isEmpty {
            localJobs.append(contentsOf: drainedJobs)
            drainedJobs.removeAll(keepingCapacity: true)
        }
        if !drainedWork.isEmpty {
            for item in drainedWork { localWork.append(item) }
            drainedWork.removeAll(keepingCapacity: true)
        }
        // Bounded so a busy task cannot starve I/O: what is left runs after the next poll(0).
        var budget = 4096
        while budget > 0, let item = localWork.popFirst() {
            item.run()
            budget -= 1
        }
        let executor = asUnownedTaskExecutor()
        while budget > 0, let job = localJobs.popFirst() {
            job.runSynchronously(on: executor)
            budget -= 1
        }
    }

    // MARK: Registration and I/O (loop-confined)

    /// The backend, for targets registered on this loop.
    var io: any IOBackend {
        assertInLoop()
        return backend
    }

    func register(_ target: any IOTarget) -> IOToken {
        assertInLoop()
        return registry.insert(target)
    }

    func unregister(_ token: IOToken) {
        assertInLoop()
        registry.remove(token)
    }

    /// All registered targets, for shutdown.
    func forEachTarget(_ body: (any IOTarget) -> Void) {
        assertInLoop()
        registry.forEach(body)
    }

    /// Queues `connection` to send its pending bytes once the current batch of work is done,
    /// so writes made by many jobs of one loop turn leave in one syscall per socket.
    func scheduleFlush(_ connection: Connection) {
        pendingFlushes.append(connection)
    }

    private func flushConnections() {
        guard !pendingFlushes.isEmpty else { return }
        swap(&pendingFlushes, &flushing)
        for connection in flushing { connection.flushNow() }
        flushing.removeAll(keepingCapacity: true)
    }
}

extension EventLoop: CompletionSink {
    func acceptCompleted(token: IOToken, result: Int32) {
        registry[token]?.acceptCompleted(result: result)
    }
    func acceptEnded(token: IOToken, error: Int32) {
        registry[token]?.acceptEnded(error: error)
    }
    func receiveCompleted(token: IOToken, bytes: UnsafeRawBufferPointer) {
        registry[token]?.receiveCompleted(bytes)
    }
    func receiveEnded(token: IOToken, error: Int32) {
        registry[token]?.receiveEnded(error: error)
    }
    func sendCompleted(token: IOToken, result: Int) {
        registry[token]?.sendCompleted(result: result)
    }
}

extension EventLoop {
    /// The loop's time in nanoseconds, the clock of `scheduleTimer`: monotonic, or virtual
    /// when a test drives the loop (`advanceClock(by:)`).
    @inline(__always)
    package var now: UInt64 { virtualClock?.now ?? MonotonicClock.now }

    /// The loop time `delay` from now (saturating; a negative delay is now).
    package func deadline(after delay: Duration) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(delay.clampedNanoseconds)
        return overflow ? .max : sum
    }

    /// Moves a virtual clock forward and runs the timers that became due; thread-safe.
    /// A loop on the monotonic clock ignores it.
    package func advanceClock(by delay: Duration) {
        guard let virtualClock else { return }
        virtualClock.advance(by: delay.clampedNanoseconds)
        execute {}  // wakes the loop, which then fires what is due
    }
}

/// A closure queued on a loop, wrapped: a bare closure stored in a generic container
/// (`Deque<() -> Void>`) is reabstracted through a thunk that allocates on every store;
/// a struct field keeps the closure's own representation, so queueing a closure made once
/// (a detached body's flush job) allocates nothing.
private struct Work: Sendable {
    let run: @Sendable () -> Void
}
