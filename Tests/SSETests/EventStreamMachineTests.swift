@testable import RingwaySSE
import Testing

/// The stream's rules without sockets or tasks: queue bounds, the slow-client policies,
/// heartbeats counted in ticks, and each way a stream ends.
@Suite("EventStreamMachine")
struct EventStreamMachineTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func machine(events: Int = 3, bytes: Int = 1 << 20, policy: SlowClientPolicy = .close, heartbeatTicks: Int = 4) -> EventStreamMachine {
        EventStreamMachine(maxEvents: events, maxBytes: bytes, policy: policy, heartbeatTicks: heartbeatTicks)
    }

    @Test("events go out in order; an idle writer waits and is woken by the next offer")
    func order() {
        var m = machine()
        let check1 = m.nextWrite() == .wait
        #expect(check1)
        #expect(m.writerWaiting)
        let check2 = m.offer(Self.bytes("a")) == (.queued, true)
        #expect(check2)
        let check3 = m.offer(Self.bytes("b")) == (.queued, false)
        #expect(check3)
        let check4 = m.nextWrite() == .write(Self.bytes("a"))
        #expect(check4)
        let check5 = m.nextWrite() == .write(Self.bytes("b"))
        #expect(check5)
        let check6 = m.nextWrite() == .wait
        #expect(check6)
    }

    @Test("a full queue: a waiting producer hears .full, a broadcast meets the policy")
    func full() {
        var m = machine(events: 2)
        _ = m.offer(Self.bytes("1"))
        _ = m.offer(Self.bytes("2"))
        let check7 = m.offer(Self.bytes("3")) == (.full, false)
        #expect(check7)
        #expect(m.queuedEvents == 2)
        let check8 = m.offerWithoutWaiting(Self.bytes("3")).0 == .ended(.slowClient)
        #expect(check8)
        #expect(m.queuedEvents == 0 && m.queuedBytes == 0)  // dropped at once
        let check9 = m.nextWrite() == .stop(.slowClient)
        #expect(check9)
        let check10 = m.offer(Self.bytes("4")).0 == .ended(.slowClient)
        #expect(check10)
    }

    @Test("the byte bound counts too, and an empty queue takes one large event")
    func byteBound() {
        var m = machine(events: 100, bytes: 4)
        let check11 = m.offer(Array(repeating: 1, count: 10)).0 == .queued
        #expect(check11)
        let check12 = m.offer(Self.bytes("x")).0 == .full
        #expect(check12)
        _ = m.nextWrite()
        let check13 = m.offer(Self.bytes("x")).0 == .queued
        #expect(check13)
    }

    @Test("dropNewest skips the event for this stream only and counts it")
    func dropNewest() {
        var m = machine(events: 1, policy: .dropNewest)
        _ = m.offer(Self.bytes("1"))
        let check14 = m.offerWithoutWaiting(Self.bytes("2")).0 == .dropped
        #expect(check14)
        #expect(m.droppedEvents == 1)
        #expect(m.isOpen)
        let check15 = m.nextWrite() == .write(Self.bytes("1"))
        #expect(check15)
    }

    @Test("a heartbeat after four silent ticks; writes and a busy queue reset the count")
    func heartbeat() {
        var m = machine()
        _ = m.nextWrite()  // the writer waits
        for _ in 0..<3 { let ticked = m.tick(); #expect(!ticked) }
        let check16 = m.tick()
        #expect(check16)  // the fourth silent tick wakes the writer with a heartbeat
        let check17 = m.nextWrite() == .write(EventStreamMachine.heartbeatBytes)
        #expect(check17)
        // A write during a tick period: no heartbeat for the next four ticks.
        _ = m.offer(Self.bytes("e"))
        _ = m.nextWrite()
        let waits = m.nextWrite() == .wait
        #expect(waits)
        let check18 = !m.tick()
        #expect(check18)
        for _ in 0..<3 { let ticked = m.tick(); #expect(!ticked) }
        let check19 = m.tick()
        #expect(check19)
        // Off: never.
        var off = machine(heartbeatTicks: 0)
        for _ in 0..<20 { let ticked = off.tick(); #expect(!ticked) }
    }

    @Test("finish: what is queued goes out, then the end")
    func finish() {
        var m = machine()
        _ = m.offer(Self.bytes("a"))
        let check20 = !m.finish()
        #expect(check20)
        let check21 = m.offer(Self.bytes("late")).0 == .ended(.finished)
        #expect(check21)
        let check22 = m.nextWrite() == .write(Self.bytes("a"))
        #expect(check22)
        let check23 = m.nextWrite() == .finish(final: nil, reason: .finished)
        #expect(check23)
        let check24 = m.nextWrite() == .stop(.finished)
        #expect(check24)
    }

    @Test("drain: queued events, the final bytes, the end; a waiting writer is woken")
    func drain() {
        var m = machine()
        _ = m.nextWrite()
        let check25 = m.drain(final: Self.bytes("retry: 500\n\n"))
        #expect(check25)
        let check26 = m.nextWrite() == .finish(final: Self.bytes("retry: 500\n\n"), reason: .serverShutdown)
        #expect(check26)
        let check27 = !m.drain(final: nil)
        #expect(check27)  // once
    }

    @Test("the client leaving drops the queue and stops the writer")
    func clientGone() {
        var m = machine()
        _ = m.offer(Self.bytes("a"))
        _ = m.finish()
        _ = m.clientGone()
        #expect(m.queuedEvents == 0)
        let check28 = m.nextWrite() == .stop(.clientDisconnected)
        #expect(check28)
        #expect(m.endReason == .clientDisconnected)
        let check29 = !m.clientGone()
        #expect(check29)
    }

    @Test("history replay and the opening retry bypass the bounds, but not an ended stream")
    func unbounded() {
        var m = machine(events: 1)
        for _ in 0..<5 { _ = m.offerUnbounded(Self.bytes("r")) }
        #expect(m.queuedEvents == 5)
        _ = m.clientGone()
        let check30 = !m.offerUnbounded(Self.bytes("r"))
        #expect(check30)
        #expect(m.queuedEvents == 0)
    }

    @Test("a long replay does not count against the live bounds: a resuming client is not cut off as slow")
    func replayOutsideBounds() {
        var m = machine(events: 2)
        for _ in 0..<10 { _ = m.offerUnbounded(Self.bytes("replayed")) }
        let first = m.offerWithoutWaiting(Self.bytes("live 1")).0
        let second = m.offerWithoutWaiting(Self.bytes("live 2")).0
        #expect(first == .queued && second == .queued)
        let third = m.offerWithoutWaiting(Self.bytes("live 3")).0
        #expect(third == .ended(.slowClient))  // two live events are the bound
    }
}
