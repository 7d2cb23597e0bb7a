#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sendfile(2)` of a file region to a nonblocking socket: the kernel copies page-cache
/// pages to the socket, no user-space buffer involved.
///
/// `sendfile` has no `MSG_NOSIGNAL`: writing to a reset connection raises `SIGPIPE`, whose
/// default action kills the process. Loop threads therefore block it
/// (`blockBrokenPipeSignal`), so it stays pending on the thread instead, and a transfer that
/// fails with `EPIPE` takes that pending signal back.
enum FileTransfer {
    /// Sends what the kernel takes of `count` bytes (> 0) of `file` from `offset` to the
    /// nonblocking `socket` (the file position is neither used nor moved). Returns the bytes
    /// sent (fewer than asked when the socket buffer filled), 0 when the file ended before
    /// them (it shrank after it was queued), or `-errno` (`-EAGAIN`: the buffer is full).
    static func send(socket: Int32, file: Int32, offset: Int64, count: Int) -> Int {
        while true {
            #if canImport(Glibc)
            var position = off_t(offset)
            let result = sendfile(socket, file, &position, count)
            if result >= 0 { return result }
            let code = errno
            #else
            // Darwin: file first, socket second; `length` returns what was sent, also with EAGAIN.
            var length = off_t(count)
            let result = sendfile(file, socket, off_t(offset), &length, nil, 0)
            if length > 0 { return Int(length) }
            if result == 0 { return 0 }
            let code = errno
            #endif
            switch code {
            case EINTR: continue
            case EWOULDBLOCK: return -Int(EAGAIN)
            case EPIPE:
                takeBackBrokenPipeSignal()
                return -Int(code)
            default: return -Int(code)
            }
        }
    }

    /// Blocks `SIGPIPE` on the calling thread (and threads it starts later). Called by every
    /// loop thread before it runs, since the readiness backends call `send` there.
    static func blockBrokenPipeSignal() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Removes the `SIGPIPE` an `EPIPE` left pending on this (blocking) thread, so it never
    /// fires should the thread unblock it later.
    private static func takeBackBrokenPipeSignal() {
        #if canImport(Glibc)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        var pending = sigset_t()
        guard sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 else { return }
        var immediately = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&signals, nil, &immediately)
        #endif
    }
}
