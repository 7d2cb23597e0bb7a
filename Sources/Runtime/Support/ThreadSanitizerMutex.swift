#if RINGWAY_TSAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stands in for Synchronization's `Mutex` in ThreadSanitizer builds (`-Xswiftc -DRINGWAY_TSAN`,
/// `scripts/test --full`): on Linux that `Mutex` locks with raw futex calls, which
/// ThreadSanitizer does not see, so every access it protects is reported as a race. This one
/// locks a `pthread_mutex_t`, which ThreadSanitizer intercepts, so what it still reports is
/// real. A module-local type: it shadows the imported one in this module only. Never built
/// into a release.
final class Mutex<Value: ~Copyable>: @unchecked Sendable {
    // Heap-allocated: a pthread mutex must not move after initialisation.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ initialValue: consuming Value) {
        value = initialValue
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    func withLock<Result: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
#endif
