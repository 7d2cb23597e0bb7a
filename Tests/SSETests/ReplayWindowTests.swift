@testable import RingwaySSE
import Testing

@Suite("ReplayWindow")
struct ReplayWindowTests {
    func window(count: Int = 3, age: Duration? = nil, published: Int, every step: Duration = .seconds(1)) -> ReplayWindow {
        var window = ReplayWindow(maxCount: count, maxAge: age)
        for index in 0..<published {
            _ = window.append(at: step * index) { id in Array("e\(id)".utf8) }
        }
        return window
    }

    @Test("ids count from 1; the window keeps the last maxCount")
    func numbering() {
        let w = window(published: 5)
        #expect(w.lastID == 5)
        #expect(w.count == 3)
        #expect(w.oldestID == 3)
        #expect(w[0].bytes == Array("e3".utf8))
    }

    @Test("resume after an id in the window: only the later ones (never the one seen)")
    func resumeInside() {
        let w = window(published: 5)
        #expect(w.resume(after: "2") == .after(index: 0))  // 3, 4, 5
        #expect(w.resume(after: "3") == .after(index: 1))  // 4, 5
        #expect(w.resume(after: "5") == .after(index: 3))  // nothing
    }

    @Test("an id older than the window is a gap; a foreign or future id is unknown")
    func gapAndUnknown() {
        let w = window(published: 5)
        #expect(w.resume(after: "1") == .gap)
        #expect(w.resume(after: "0") == .gap)
        #expect(w.resume(after: "6") == .unknown)
        #expect(w.resume(after: "abc") == .unknown)
        #expect(w.resume(after: "-1") == .unknown)
        let empty = ReplayWindow(maxCount: 3, maxAge: nil)
        #expect(empty.resume(after: "0") == .after(index: 0))
        #expect(empty.resume(after: "1") == .unknown)
    }

    @Test("the age limit drops old entries; an id before them is then a gap")
    func age() {
        var w = window(count: 100, age: .seconds(2), published: 5)  // at 0, 1, 2, 3, 4 s
        #expect(w.oldestID == 3)  // 4 s - 2 s: 1 and 2 are gone
        w.expire(now: .seconds(10))
        #expect(w.count == 0)
        #expect(w.resume(after: "5") == .after(index: 0))
        #expect(w.resume(after: "4") == .gap)
    }

    @Test("a zero-count window numbers events but keeps none")
    func zeroCount() {
        let w = window(count: 0, published: 3)
        #expect(w.lastID == 3 && w.count == 0)
        #expect(w.resume(after: "3") == .after(index: 0))
        #expect(w.resume(after: "2") == .gap)
    }
}
