/// Something that owns I/O operations on a loop: a listener or a connection.
/// Every method is called on the loop thread.
protocol IOTarget: AnyObject {
    func acceptCompleted(result: Int32)
    func acceptEnded(error: Int32)
    func receiveCompleted(_ bytes: UnsafeRawBufferPointer)
    func receiveEnded(error: Int32)
    func sendCompleted(result: Int)
    /// The loop is stopping: release what is left without waiting for the kernel.
    func loopStopped()
}

extension IOTarget {
    func acceptCompleted(result: Int32) {}
    func acceptEnded(error: Int32) {}
    func receiveCompleted(_ bytes: UnsafeRawBufferPointer) {}
    func receiveEnded(error: Int32) {}
    func sendCompleted(result: Int) {}
}

/// A slab of registered targets addressed by `IOToken` (slot index + generation), so a
/// completion that arrives after its slot was reused is recognised and dropped.
struct TargetRegistry {
    private struct Slot {
        var generation: UInt32 = 0
        var target: (any IOTarget)?
    }

    private var slots: [Slot] = []
    private var free: [UInt32] = []
    private(set) var count = 0

    private static let generationMask: UInt32 = 0x00FF_FFFF

    mutating func insert(_ target: any IOTarget) -> IOToken {
        let index: UInt32
        if let reused = free.popLast() {
            index = reused
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(index)].generation = (slots[Int(index)].generation &+ 1) & Self.generationMask
        slots[Int(index)].target = target
        count += 1
        return IOToken(slots[Int(index)].generation) << 32 | IOToken(index)
    }

    mutating func remove(_ token: IOToken) {
        let index = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: token >> 32),
              slots[index].target != nil else { return }
        slots[index].target = nil
        free.append(UInt32(index))
        count -= 1
    }

    subscript(token: IOToken) -> (any IOTarget)? {
        let index = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard index < slots.count else { return nil }
        let slot = slots[index]
        return slot.generation == UInt32(truncatingIfNeeded: token >> 32) ? slot.target : nil
    }

    func forEach(_ body: (any IOTarget) -> Void) {
        for slot in slots { if let target = slot.target { body(target) } }
    }
}
