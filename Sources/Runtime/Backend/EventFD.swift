#if os(Linux)
import CURing
import Glibc

/// The eventfd a Linux backend polls for cross-thread wakeups, and the waker that writes
/// to it. A class so the descriptor lives as long as its last user: a waker kept by
/// another thread can never write into a closed (and perhaps reused) fd number.
final class EventFD: LoopWaker {
    let fd: Int32

    init(backend: BackendKind) throws(BackendError) {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw BackendError(backend: backend, operation: "eventfd", errno: errno) }
    }

    func wake() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    deinit { _ = close(fd) }
}
#endif
