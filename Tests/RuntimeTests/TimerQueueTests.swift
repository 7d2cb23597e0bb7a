@testable import RingwayRuntime
import Testing

/// `TimerQueue`: a min-heap by deadline (ties by insertion) with lazy cancellation.
@Suite("TimerQueue")
struct TimerQueueTests {
    /// Collects which timers ran, in order.
    final class Log {
        var fired: [String] = []
    }

    private func schedule(_ queue: inout TimerQueue, _ log: Log, _ name: String, at deadline: UInt64) -> TimerID {
        queue.schedule(deadline: deadline) { log.fired.append(name) }
    }

    private func run(_ actions: [() -> Void]) {
        for action in actions { action() }
    }

    @Test func emptyQueue() {
        var queue = TimerQueue()
        #expect(queue.isEmpty)
        #expect(queue.nextDeadline() == nil)
        #expect(queue.popAllDue(now: .max).isEmpty)
    }

    @Test("a timer scheduled by a running action waits for the next turn, even if already due (and so do later ones)")
    func scheduledDuringTurnWaits() {
        var queue = TimerQueue()
        let log = Log()
        _ = schedule(&queue, log, "a", at: 10)
        _ = schedule(&queue, log, "b", at: 20)
        let last = queue.lastScheduled
        var turn: [String] = []
        while let action = queue.popDue(now: 100, scheduledUpTo: last) {
            action()
            turn.append(log.fired.last!)
            if turn.count == 1 { _ = schedule(&queue, log, "late", at: 5) }  // due at once
        }
        // "late" is now the earliest and was scheduled during the turn: the turn ends there.
        #expect(turn == ["a"])
        #expect(queue.nextDeadline() == 5)
        run(queue.popAllDue(now: 100))
        #expect(log.fired == ["a", "late", "b"])
    }

    @Test func firesInDeadlineOrder() {
        var queue = TimerQueue()
        let log = Log()
        _ = schedule(&queue, log, "c", at: 30)
        _ = schedule(&queue, log, "a", at: 10)
        _ = schedule(&queue, log, "b", at: 20)
        #expect(!queue.isEmpty)
        #expect(queue.nextDeadline() == 10)
        run(queue.popAllDue(now: 100))
        #expect(log.fired == ["a", "b", "c"])
        #expect(queue.isEmpty)
        #expect(queue.nextDeadline() == nil)
    }

    @Test func equalDeadlinesFireInInsertionOrder() {
        var queue = TimerQueue()
        let log = Log()
        for name in ["first", "second", "third", "fourth", "fifth"] { _ = schedule(&queue, log, name, at: 50) }
        _ = schedule(&queue, log, "early", at: 49)
        run(queue.popAllDue(now: 50))
        #expect(log.fired == ["early", "first", "second", "third", "fourth", "fifth"])
    }

    @Test func manyTimersSortByDeadlineThenInsertion() {
        var queue = TimerQueue()
        let log = Log()
        // Deterministic pseudo-random deadlines with many duplicates.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var expected: [(deadline: UInt64, order: Int)] = []
        for order in 0..<500 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let deadline = (state >> 33) % 40
            expected.append((deadline, order))
            _ = schedule(&queue, log, String(order), at: deadline)
        }
        run(queue.popAllDue(now: 1_000))
        let sorted = expected.sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }
        #expect(log.fired == sorted.map { String($0.order) })
    }

    @Test func popDueReturnsOnlyTimersAtOrBeforeNow() {
        var queue = TimerQueue()
        let log = Log()
        _ = schedule(&queue, log, "a", at: 10)
        _ = schedule(&queue, log, "b", at: 20)
        _ = schedule(&queue, log, "c", at: 30)

        #expect(queue.popAllDue(now: 9).isEmpty)
        run(queue.popAllDue(now: 15))
        #expect(log.fired == ["a"])
        #expect(queue.popAllDue(now: 15).isEmpty)
        #expect(queue.nextDeadline() == 20)
        // The deadline itself is due (inclusive).
        run(queue.popAllDue(now: 20))
        #expect(log.fired == ["a", "b"])
        #expect(queue.nextDeadline() == 30)
        #expect(!queue.isEmpty)
        run(queue.popAllDue(now: 30))
        #expect(log.fired == ["a", "b", "c"])
        #expect(queue.isEmpty)
    }

    @Test func popDueDoesNotRunActions() {
        var queue = TimerQueue()
        let log = Log()
        _ = schedule(&queue, log, "a", at: 1)
        let due = queue.popAllDue(now: 1)
        #expect(due.count == 1)
        #expect(log.fired.isEmpty)
        run(due)
        #expect(log.fired == ["a"])
    }

    @Test func cancelledTimersDoNotFire() {
        var queue = TimerQueue()
        let log = Log()
        let a = schedule(&queue, log, "a", at: 10)
        _ = schedule(&queue, log, "b", at: 20)
        let c = schedule(&queue, log, "c", at: 20)
        _ = schedule(&queue, log, "d", at: 30)
        #expect(a != c)
        queue.cancel(a)
        queue.cancel(c)
        queue.cancel(c)  // twice is harmless
        run(queue.popAllDue(now: 100))
        #expect(log.fired == ["b", "d"])
        #expect(queue.isEmpty)
        #expect(queue.nextDeadline() == nil)
    }

    @Test func nextDeadlineSkipsCancelledTimers() {
        var queue = TimerQueue()
        let log = Log()
        let a = schedule(&queue, log, "a", at: 10)
        let b = schedule(&queue, log, "b", at: 15)
        _ = schedule(&queue, log, "c", at: 20)
        queue.cancel(a)
        queue.cancel(b)
        #expect(queue.nextDeadline() == 20)
        // Skipping dropped them for good: they do not fire either.
        run(queue.popAllDue(now: 100))
        #expect(log.fired == ["c"])
    }

    @Test func nextDeadlineIsNilWhenEverythingIsCancelled() {
        var queue = TimerQueue()
        let log = Log()
        let ids = (0..<5).map { schedule(&queue, log, "t\($0)", at: UInt64(10 * $0)) }
        for id in ids { queue.cancel(id) }
        #expect(queue.nextDeadline() == nil)
        #expect(queue.isEmpty)
        #expect(queue.popAllDue(now: .max).isEmpty)
        #expect(log.fired.isEmpty)
    }

    @Test func cancellingOnlyLaterTimersKeepsTheEarliestDeadline() {
        var queue = TimerQueue()
        let log = Log()
        _ = schedule(&queue, log, "a", at: 10)
        let b = schedule(&queue, log, "b", at: 5_000)
        queue.cancel(b)
        #expect(queue.nextDeadline() == 10)
        run(queue.popAllDue(now: 10_000))
        #expect(log.fired == ["a"])
    }

    @Test func cancellingAFiredTimerDoesNotAffectLaterTimers() {
        var queue = TimerQueue()
        let log = Log()
        let a = schedule(&queue, log, "a", at: 10)
        run(queue.popAllDue(now: 10))
        queue.cancel(a)  // too late: already fired
        let b = schedule(&queue, log, "b", at: 20)
        #expect(b != a)
        #expect(queue.nextDeadline() == 20)
        run(queue.popAllDue(now: 20))
        #expect(log.fired == ["a", "b"])
    }

    @Test func timerIDsAreUnique() {
        var queue = TimerQueue()
        let ids = (0..<1_000).map { _ in queue.schedule(deadline: 1) {} }
        #expect(Set(ids).count == ids.count)
    }
}

extension TimerQueue {
    /// Every action due at `now`, in order, as the loop runs them in one turn.
    mutating func popAllDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        let last = lastScheduled
        while let action = popDue(now: now, scheduledUpTo: last) { due.append(action) }
        return due
    }
}
