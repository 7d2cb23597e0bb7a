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
    /// What one call did.
    enum Outcome: Equatable {
        /// This many bytes went out (fewer than asked when the socket buffer filled).
        case sent(Int)
        /// The socket buffer is full: nothing went out; wait until it is writable.
        case wouldBlock
        /// The file ended before the region did: it shrank after it was queued.
        case endOfFile
        /// The socket (`EPIPE`, `ECONNRESET`, …) or the file (`EIO`, …) failed.
        case failed(Int32)
    }

    /// Sends what the kernel takes of `region` (not empty) to `socket`, starting at the
    /// region's offset (the file position is neither used nor moved).
    static func send(_ region: FileRegion, to socket: Int32) -> Outcome {
        while true {
            #if canImport(Glibc)
            var offset = off_t(region.offset)
            let result = sendfile(socket, region.descriptor, &offset, region.count)
            if result > 0 { return .sent(result) }
            if result == 0 { return .endOfFile }
            let code = errno
            #else
            // Darwin: file first, socket second; `length` returns what was sent, also with EAGAIN.
            var length = off_t(region.count)
            let result = sendfile(region.descriptor, socket, off_t(region.offset), &length, nil, 0)
            if length > 0 { return .sent(Int(length)) }
            if result == 0 { return .endOfFile }
            let code = errno
            #endif
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EPIPE:
                takeBackBrokenPipeSignal()
                return .failed(code)
            default: return .failed(code)
            }
        }
    }

    /// Blocks `SIGPIPE` on the calling thread (and threads it starts later). Called by every
    /// loop thread before it runs, since connections call `send` there.
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
