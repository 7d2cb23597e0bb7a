@testable import RingwayRuntime
import Testing

/// `TargetRegistry`: a slab addressed by slot index + generation.
@Suite("TargetRegistry")
struct TargetRegistryTests {
    final class Target: IOTarget {
        let name: String
        var stopped = 0
        init(_ name: String) { self.name = name }
        func loopStopped() { stopped += 1 }
    }

    private func target(_ registry: TargetRegistry, _ token: IOToken) -> Target? {
        registry[token] as? Target
    }

    @Test func insertAndLookUp() {
        var registry = TargetRegistry()
        #expect(registry.count == 0)
        let a = Target("a"), b = Target("b")
        let tokenA = registry.insert(a)
        let tokenB = registry.insert(b)
        #expect(tokenA != tokenB)
        #expect(registry.count == 2)
        #expect(target(registry, tokenA) === a)
        #expect(target(registry, tokenB) === b)
    }

    @Test func tokensLeaveTheTopByteForBackendOpcodes() {
        var registry = TargetRegistry()
        for index in 0..<100 {
            let token = registry.insert(Target("t\(index)"))
            #expect(token >> 56 == 0)
            if index.isMultiple(of: 2) { registry.remove(token) }
        }
    }

    @Test func removeClearsTheTokenAndCount() {
        var registry = TargetRegistry()
        let a = Target("a")
        let token = registry.insert(a)
        registry.remove(token)
        #expect(registry.count == 0)
        #expect(registry[token] == nil)
        // Removing again is a no-op: count does not go negative.
        registry.remove(token)
        #expect(registry.count == 0)
    }

    @Test func staleTokenAfterRemoveAndReuseReturnsNil() {
        var registry = TargetRegistry()
        let old = Target("old")
        let oldToken = registry.insert(old)
        registry.remove(oldToken)

        let new = Target("new")
        let newToken = registry.insert(new)
        // Same slot (index bits), new generation.
        #expect(newToken & 0xFFFF_FFFF == oldToken & 0xFFFF_FFFF)
        #expect(newToken != oldToken)
        #expect(registry[oldToken] == nil, "a completion for the old target must not reach the new one")
        #expect(target(registry, newToken) === new)
        #expect(registry.count == 1)

        // Removing with the stale token does not remove the new target.
        registry.remove(oldToken)
        #expect(registry.count == 1)
        #expect(target(registry, newToken) === new)
    }

    @Test func everyReuseGetsAFreshGeneration() {
        var registry = TargetRegistry()
        var seen: Set<IOToken> = []
        var previous: [IOToken] = []
        for round in 0..<50 {
            let token = registry.insert(Target("r\(round)"))
            #expect(seen.insert(token).inserted, "token \(token) was handed out twice")
            for stale in previous { #expect(registry[stale] == nil) }
            registry.remove(token)
            previous.append(token)
        }
        #expect(registry.count == 0)
    }

    @Test func unknownTokensReturnNil() {
        var registry = TargetRegistry()
        #expect(registry[0] == nil)
        #expect(registry[12_345] == nil)
        let token = registry.insert(Target("a"))
        // Right index, wrong generation; and an index past the end.
        #expect(registry[token ^ (1 << 32)] == nil)
        #expect(registry[(token & ~0xFFFF_FFFF) | 999] == nil)
        registry.remove(token ^ (1 << 32))
        registry.remove(999)
        #expect(registry.count == 1)
    }

    @Test func countTracksInsertsAndRemoves() {
        var registry = TargetRegistry()
        var tokens: [IOToken] = []
        for index in 0..<10 { tokens.append(registry.insert(Target("t\(index)"))) }
        #expect(registry.count == 10)
        for token in tokens[2..<7] { registry.remove(token) }
        #expect(registry.count == 5)
        // Freed slots are reused before the slab grows.
        let reused = (0..<5).map { registry.insert(Target("n\($0)")) }
        #expect(registry.count == 10)
        #expect(Set(reused.map { $0 & 0xFFFF_FFFF }) == Set(tokens[2..<7].map { $0 & 0xFFFF_FFFF }))
        let grown = registry.insert(Target("grown"))
        #expect(grown & 0xFFFF_FFFF == 10)
        #expect(registry.count == 11)
    }

    @Test func forEachVisitsLiveTargetsOnly() {
        var registry = TargetRegistry()
        let targets = (0..<6).map { Target("t\($0)") }
        let tokens = targets.map { registry.insert($0) }
        registry.remove(tokens[1])
        registry.remove(tokens[4])
        var visited: [String] = []
        registry.forEach { visited.append(($0 as? Target)?.name ?? "?") }
        #expect(visited.sorted() == ["t0", "t2", "t3", "t5"])
        registry.forEach { $0.loopStopped() }
        #expect(targets.map(\.stopped) == [1, 0, 1, 1, 0, 1])
    }
}
