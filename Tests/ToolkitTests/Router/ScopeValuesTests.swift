import RingwayContract
import Testing

private enum First: ScopeValueKey { typealias Value = Int }
private enum Second: ScopeValueKey { typealias Value = String }
private enum Third: ScopeValueKey { typealias Value = [Int] }
private enum Fourth: ScopeValueKey { typealias Value = Double }

@Suite("ScopeValues: two inline slots, then a dictionary")
struct ScopeValuesTests {
    @Test("set, get and count through the inline slots and the spill")
    func setAndGet() {
        var values = ScopeValues()
        #expect(values.isEmpty)
        #expect(values[First.self] == nil)
        values[First.self] = 1
        values[Second.self] = "two"
        #expect(values.count == 2)
        values[Third.self] = [3]
        values[Fourth.self] = 4.5
        #expect(values.count == 4)
        #expect(values[First.self] == 1)
        #expect(values[Second.self] == "two")
        #expect(values[Third.self] == [3])
        #expect(values[Fourth.self] == 4.5)
        #expect(!values.isEmpty)
    }

    @Test("overwriting keeps one entry per key, wherever it lives")
    func overwrite() {
        var values = ScopeValues()
        values[First.self] = 1
        values[Second.self] = "a"
        values[Third.self] = [1]
        values[First.self] = 10
        values[Second.self] = "b"
        values[Third.self] = [2]
        #expect(values.count == 3)
        #expect(values[First.self] == 10)
        #expect(values[Second.self] == "b")
        #expect(values[Third.self] == [2])
    }

    @Test("removing from a slot or the spill; a freed slot is reused without duplicating a spilled key")
    func remove() {
        var values = ScopeValues()
        values[First.self] = 1
        values[Second.self] = "a"
        values[Third.self] = [1]
        values[First.self] = nil
        #expect(values[First.self] == nil)
        #expect(values.count == 2)
        // Third lives in the spill: setting it again must overwrite there, not take the free slot.
        values[Third.self] = [9]
        #expect(values.count == 2)
        #expect(values[Third.self] == [9])
        values[Fourth.self] = 1.5  // takes the free slot
        #expect(values.count == 3)
        values[Third.self] = nil
        values[Second.self] = nil
        values[Fourth.self] = nil
        #expect(values.isEmpty)
        #expect(values[Fourth.self] == nil)
        values[First.self] = nil  // removing what is absent is a no-op
        #expect(values.count == 0)
    }

    @Test("a copy is independent")
    func copies() {
        var values = ScopeValues()
        values[First.self] = 1
        var copy = values
        copy[First.self] = 2
        copy[Second.self] = "copy"
        #expect(values[First.self] == 1)
        #expect(values[Second.self] == nil)
        #expect(copy[First.self] == 2)
    }
}
