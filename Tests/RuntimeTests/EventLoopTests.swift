#if os(Linux)
import Glibc
import Logging
@testable import RingwayRuntime
import Synchronization
import Testing

/// `EventLoop` on each Linux backend: thread confinement, the remote queues, the task
/// executor, timers and shutdown. Every wait is a bounded poll on a condition.
@Suite("EventLoop", .timeLimit(.minutes(1)))
struct EventLoopTests {
    static let backends: [BackendKind] = [.epoll, .ioUring, .dispatch]

    struct Failure: Error, Equatable {
        let code: Int
    }

    /// State only ever touched on the loop thread (the loop's confinement makes it safe).
    final class LoopConfined<Value>: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    /// A started loop of `kind`; cancels the test when the backend cannot run here.
    static func startLoop(_ kind: BackendKind, index: Int = 0) throws -> EventLoop {
        EventLoop.failExitIfThreadsRemain()
        let logger = Logger(label: "ringway.tests.event-loop")
        let factory = try makeFactory(kind, logger: logger)
        #expect(factory.kind == kind)
        let loop = EventLoop(index: index, backend: kind, logger: logger)
        try loop.start(makeBackend: factory.make)
        #expect(loop.backendKind == kind)
        return loop
    }

    private static func makeFactory(_ kind: BackendKind, logger: Logger) throws -> BackendFactory {
        let result = Result<BackendFactory, BackendError> { () throws(BackendError) in
            try BackendSelection.factory(for: kind, environment: [:], logger: logger)
        }
        if case .failure(let error) = result {
            try Test.cancel("the \(kind) backend cannot run here: \(error)")
        }
        return try result.get()
    }

    /// `work`'s result, run on the loop through `submit`, bounded.
    static func onLoop<Value: Sendable>(
        _ loop: EventLoop, sourceLocation: SourceLocation = #_sourceLocation, _ work: @escaping @Sendable () -> Value
    ) async throws -> Value {
        try await RuntimeTestIO.within("a job on the loop", sourceLocation: sourceLocation) { try await loop.submit(work) }
    }

    /// Runs `body` with a started loop of `kind`, then stops and joins the loop (bounded,
    /// without blocking a cooperative thread).
    static func withLoop(
        _ kind: BackendKind, sourceLocation: SourceLocation = #_sourceLocation, _ body: (EventLoop) async throws -> Void
    ) async throws {
        let loop = try startLoop(kind)
        do {
            try await body(loop)
        } catch {
            await stop(loop, sourceLocation: sourceLocation)
            throw error
        }
        await stop(loop, sourceLocation: sourceLocation)
    }

    /// Stops and joins `loop`, bounded: a loop that does not stop fails the test (and its
    /// thread is left behind) instead of hanging it.
    static func stop(_ loop: EventLoop, sourceLocation: SourceLocation = #_sourceLocation) async {
        let joiner = RuntimeTestThread { () -> Bool in
            loop.requestStop()
            loop.join()
            return true
        }
        let joined = await RuntimeTestIO.waitUntilAsync { joiner.isFinished }
        #expect(joined, "the loop did not stop within the bound", sourceLocation: sourceLocation)
        if joined { _ = joiner.join() }
    }

    @Test("execute from another thread runs on the loop thread", arguments: backends)
    func executeRunsOnLoop(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            #expect(!loop.inLoop)

            let observed = Mutex<[Bool]>([])
            let thread = RuntimeTestThread { () -> Bool in
                let outside = loop.inLoop
                loop.execute { observed.withLock { $0.append(loop.inLoop) } }
                return outside
            }
            #expect(await RuntimeTestIO.waitUntilAsync { thread.isFinished })
            #expect(thread.join() == false, "inLoop was true off the loop thread")
            #expect(await RuntimeTestIO.waitUntilAsync { observed.withLock { !$0.isEmpty } })
            #expect(observed.withLock { $0 } == [true])
        }
    }

    @Test("execute keeps the order of one thread's work", arguments: backends)
    func executeKeepsOrder(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            let order = LoopConfined<[Int]>([])
            for index in 0..<1_000 { loop.execute { order.value.append(index) } }
            // Work queued from the loop itself runs after the current item, in order too.
            loop.execute {
                for index in 1_000..<1_010 { loop.execute { order.value.append(index) } }
            }
            #expect(try await RuntimeTestIO.waitUntilAsync { try await Self.onLoop(loop) { order.value.count } == 1_010 })
            #expect(try await Self.onLoop(loop) { order.value } == Array(0..<1_010))
        }
    }

    @Test("submit returns the value and rethrows the error", arguments: backends)
    func submitReturnsValues(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            #expect(try await RuntimeTestIO.within("submit") { try await loop.submit { 6 * 7 } } == 42)
            #expect(try await RuntimeTestIO.within("submit") { try await loop.submit { loop.inLoop } })
            #expect(try await RuntimeTestIO.within("submit") { try await loop.submit { "ring" + "way" } } == "ringway")
            await #expect(throws: Failure(code: 7)) {
                try await RuntimeTestIO.within("submit") { try await loop.submit { () throws -> Int in throw Failure(code: 7) } }
            }
            // The loop is still serving after a throwing job.
            #expect(try await RuntimeTestIO.within("submit") { try await loop.submit { 1 } } == 1)
        }
    }

    @Test("a task preferring the loop runs and resumes on the loop", arguments: backends)
    func taskExecutorPreference(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in

            let observations = try await RuntimeTestIO.within("a task preferring the loop") {
                await Task(executorPreference: loop) { () -> [String: Bool] in
                    var seen: [String: Bool] = ["start": loop.inLoop]
                    // Suspends on a timer of the concurrency runtime.
                    try? await Task.sleep(for: .milliseconds(5))
                    seen["after sleep"] = loop.inLoop
                    // Suspends until a plain pthread resumes it.
                    var resumer: RuntimeTestThread<Bool>?
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        resumer = RuntimeTestThread { () -> Bool in
                            continuation.resume()
                            return true
                        }
                    }
                    seen["after continuation from another thread"] = loop.inLoop
                    _ = resumer?.join()
                    // Suspends on the loop itself.
                    _ = try? await loop.submit { 0 }
                    seen["after submit"] = loop.inLoop
                    // Hops to an actor and back.
                    _ = await Elsewhere().answer()
                    seen["after actor hop"] = loop.inLoop
                    return seen
                }.value
            }
            #expect(observations == [
                "start": true, "after sleep": true, "after continuation from another thread": true,
                "after submit": true, "after actor hop": true,
            ])

            let scoped = try await RuntimeTestIO.within("withTaskExecutorPreference") {
                await withTaskExecutorPreference(loop) { loop.inLoop }
            }
            #expect(scoped)
        }
    }

    actor Elsewhere {
        func answer() -> Int { 42 }
    }

    @Test("10,000 jobs from 4 threads all run exactly once, on the loop", arguments: backends)
    func manyJobsFromManyThreads(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            let threads = 4, perThread = 2_500, total = threads * perThread
            let hits = LoopConfined([Int](repeating: 0, count: total))
            let offLoop = LoopConfined(0)
            let ran = LoopConfined(0)

            let producers = (0..<threads).map { thread in
                RuntimeTestThread { () -> Bool in
                    for job in (thread * perThread)..<((thread + 1) * perThread) {
                        loop.execute {
                            if !loop.inLoop { offLoop.value += 1 }
                            hits.value[job] += 1
                            ran.value += 1
                        }
                    }
                    return true
                }
            }
            #expect(await RuntimeTestIO.waitUntilAsync { producers.allSatisfy(\.isFinished) })
            for producer in producers { _ = producer.join() }

            #expect(try await RuntimeTestIO.waitUntilAsync { try await Self.onLoop(loop) { ran.value } >= total })
            // A few more round trips: anything run twice would show up by now.
            for _ in 0..<3 { _ = try await Self.onLoop(loop) { 0 } }
            let (counts, strays, runs) = try await Self.onLoop(loop) { (hits.value, offLoop.value, ran.value) }
            #expect(runs == total)
            #expect(strays == 0, "\(strays) jobs ran off the loop thread")
            let wrong = counts.indices.filter { counts[$0] != 1 }
            #expect(wrong.isEmpty, "jobs not run exactly once: \(wrong.prefix(10).map { "\($0)×\(counts[$0])" })")
        }
    }

    @Test("1,000 tasks started from 4 threads each run once on the loop", arguments: backends)
    func manyTasksFromManyThreads(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            let threads = 4, perThread = 250, total = threads * perThread
            let hits = LoopConfined([Int](repeating: 0, count: total))
            let offLoop = LoopConfined(0)

            let producers = (0..<threads).map { thread in
                RuntimeTestThread { () -> Bool in
                    for job in (thread * perThread)..<((thread + 1) * perThread) {
                        Task(executorPreference: loop) {
                            // Loop-confined state, touched only while on the loop.
                            if !loop.inLoop { offLoop.value += 1; return }
                            hits.value[job] += 1
                            await Task.yield()
                            if !loop.inLoop { offLoop.value += 1 }
                        }
                    }
                    return true
                }
            }
            #expect(await RuntimeTestIO.waitUntilAsync { producers.allSatisfy(\.isFinished) })
            for producer in producers { _ = producer.join() }
            #expect(try await RuntimeTestIO.waitUntilAsync { try await Self.onLoop(loop) { hits.value.reduce(0, +) } >= total })
            for _ in 0..<3 { _ = try await Self.onLoop(loop) { 0 } }
            let (counts, strays) = try await Self.onLoop(loop) { (hits.value, offLoop.value) }
            #expect(strays == 0)
            #expect(counts.allSatisfy { $0 == 1 })
        }
    }

    @Test("a timer fires on the loop; a cancelled one does not", arguments: backends)
    func timersFireAndCancel(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            let fired = RuntimeTestIO.Flag()
            let firedOnLoop = RuntimeTestIO.Flag()
            let cancelledFired = RuntimeTestIO.Flag()
            let later = RuntimeTestIO.Flag()
            let order = Mutex<[String]>([])

            loop.execute {
                loop.scheduleTimer(afterNanoseconds: 2_000_000) {
                    if loop.inLoop { firedOnLoop.set() }
                    order.withLock { $0.append("short") }
                    fired.set()
                }
                let doomed = loop.scheduleTimer(afterNanoseconds: 1_000_000) {
                    order.withLock { $0.append("cancelled") }
                    cancelledFired.set()
                }
                loop.cancelTimer(doomed)
                // Due after the cancelled one: once it ran, the cancelled one's time had come.
                loop.scheduleTimer(afterNanoseconds: 30_000_000) {
                    order.withLock { $0.append("later") }
                    later.set()
                }
            }
            // The loop is otherwise idle: only the timer deadline can end its poll.
            #expect(await RuntimeTestIO.waitUntilAsync { fired.isSet && later.isSet })
            #expect(firedOnLoop.isSet)
            #expect(!cancelledFired.isSet)
            #expect(order.withLock { $0 } == ["short", "later"])
        }
    }

    @Test("a timer scheduled from a timer fires, and a timer can cancel another", arguments: backends)
    func timersFromTimers(kind: BackendKind) async throws {
        try await Self.withLoop(kind) { (loop: EventLoop) async throws in
            let chain = Mutex<[Int]>([])
            let victimFired = RuntimeTestIO.Flag()
            let done = RuntimeTestIO.Flag()

            loop.execute {
                let victim = loop.scheduleTimer(afterNanoseconds: 20_000_000) { victimFired.set() }
                loop.scheduleTimer(afterNanoseconds: 1_000_000) {
                    chain.withLock { $0.append(1) }
                    loop.cancelTimer(victim)
                    loop.scheduleTimer(afterNanoseconds: 1_000_000) {
                        chain.withLock { $0.append(2) }
                        loop.scheduleTimer(afterNanoseconds: 40_000_000) {
                            chain.withLock { $0.append(3) }
                            done.set()
                        }
                    }
                }
            }
            #expect(await RuntimeTestIO.waitUntilAsync { done.isSet })
            #expect(chain.withLock { $0 } == [1, 2, 3])
            #expect(!victimFired.isSet)
        }
    }

    @Test("requestStop and join end the loop thread after running queued work", arguments: backends)
    func stopAndJoin(kind: BackendKind) async throws {
        let loop = try Self.startLoop(kind)
        #expect(try await Self.onLoop(loop) { loop.inLoop })

        // Work queued just before the stop still runs (the loop drains its queues on exit).
        let ran = Mutex(0)
        for _ in 0..<100 { loop.execute { ran.withLock { $0 += 1 } } }
        let stopper = RuntimeTestThread { () -> Bool in
            loop.requestStop()
            loop.join()
            return true
        }
        let joined = await RuntimeTestIO.waitUntilAsync { stopper.isFinished }
        #expect(joined, "join() did not return after requestStop()")
        guard joined else { return }
        _ = stopper.join()
        #expect(ran.withLock { $0 } == 100)
    }

    @Test("requestStop wakes a loop blocked in poll", arguments: backends)
    func stopWakesIdleLoop(kind: BackendKind) async throws {
        let loop = try Self.startLoop(kind)
        // Let the loop go idle (blocked in poll with no timeout), then stop it.
        #expect(try await Self.onLoop(loop) { 0 } == 0)
        try await Task.sleep(for: .milliseconds(20))
        let stopper = RuntimeTestThread { () -> Bool in
            loop.requestStop()
            loop.join()
            return true
        }
        #expect(await RuntimeTestIO.waitUntilAsync { stopper.isFinished }, "an idle loop did not stop")
        if stopper.isFinished { _ = stopper.join() }
    }

    @Test("start rethrows the backend's setup error")
    func startFailure() throws {
        let loop = EventLoop(index: 3, backend: .epoll, logger: Logger(label: "ringway.tests.event-loop"))
        let failure = BackendError(backend: .epoll, operation: "epoll_create1", errno: EMFILE, detail: "test")
        #expect(throws: failure) {
            try loop.start { () throws(BackendError) -> any IOBackend in throw failure }
        }
        #expect(!loop.inLoop)
        loop.join()  // no running thread: returns at once
    }
}
#endif
