#if os(Linux)
import CURing
import Glibc

/// The io_uring backend: multishot accept, multishot recv into a provided-buffer ring,
/// `sendmsg` gather writes, `sendfile(2)` at once with a one-shot `POLLOUT` poll when the
/// socket buffer is full, async cancel, and an eventfd polled by a multishot
/// poll for cross-thread wakeups.
///
/// The ring is set up as the liburing authors recommend for one-thread-per-ring servers:
/// `SINGLE_ISSUER | DEFER_TASKRUN | SUBMIT_ALL`, CQ four times the SQ, registered ring fd,
/// no SQPOLL. It must therefore be created and driven on its loop's thread only.
final class IOURingBackend: IOBackend {
    let kind: BackendKind? = .ioUring

    /// The operation a CQE belongs to, kept in the top byte of `user_data`.
    private enum Operation: UInt64 {
        case accept = 1, receive, send, cancel, wake, sendZeroCopy, sendFile
    }

    /// Sends of at least this many bytes go out with `SENDMSG_ZC` (nil: never), see
    /// `ServerConfiguration.zeroCopySendThreshold`.
    private var zeroCopyThreshold: Int?
    /// A zero-copy send in flight: its socket and message (still the caller's), and its
    /// result once the first CQE came, delivered when the notification says the kernel let
    /// go of the bytes.
    private struct ZeroCopySend {
        let fd: Int32
        let message: UnsafeMutablePointer<msghdr>
        var result = 0
    }
    private var zeroCopySends: [IOToken: ZeroCopySend] = [:]
    /// Sockets whose zero-copy sends the kernel copied anyway (loopback, a NIC without
    /// scatter-gather): they send with plain `SENDMSG` from then on.
    private(set) var zeroCopyCopied: Set<Int32> = []

    /// `IORING_SEND_ZC_REPORT_USAGE` (sqe ioprio, Linux 6.2): the notification says whether
    /// the bytes were copied after all. liburing 2.3's headers predate it.
    private static let sendZeroCopyReportUsage: UInt16 = 1 << 3
    /// `IORING_NOTIF_USAGE_ZC_COPIED`: set in a notification's result when they were.
    private static let notificationCopied: UInt32 = 1 << 31

    private var ring = io_uring()
    private let buffers: ProvidedBufferRing
    private let wakeEvent: EventFD
    private var wakeFD: Int32 { wakeEvent.fd }
    /// The fd of every multishot receive in flight (or waiting to be re-armed), by token.
    private var armedReceives: [IOToken: Int32] = [:]
    /// Receives stopped by `-ENOBUFS`, re-armed once buffers have been returned.
    private var receivesToRearm: [(fd: Int32, token: IOToken)] = []
    /// Completions produced outside the kernel (a stop for a receive waiting to be re-armed).
    private var syntheticReceiveEnds: [IOToken] = []
    /// A file send waiting for room: the `POLLOUT` poll of `fd` is in flight; `sendfile`
    /// is retried when it fires.
    private struct FileSend {
        let fd: Int32
        let file: Int32
        let offset: Int64
        let count: Int
    }
    private var fileSends: [IOToken: FileSend] = [:]
    /// Results of file sends that finished at once, delivered by the next `poll` (never
    /// re-entrant).
    private var immediateSends: [(token: IOToken, result: Int)] = []
    /// `immediateSends` being delivered (swapped, so neither array reallocates per turn).
    private var deliveringSends: [(token: IOToken, result: Int)] = []
    private var wakeCounter: UInt64 = 0
    /// CQE pointers peeked per batch; allocated once (a 2 KiB temporary would be a heap
    /// allocation per poll).
    private let completionBatch = UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>.allocate(capacity: IOURingBackend.completionBatchSize)
    private static let completionBatchSize = 256

    static let submissionEntries: UInt32 = 1024

    /// - Parameters:
    ///   - bufferCount: receive buffers in the provided-buffer ring (a power of two).
    ///     Default: 64 of 64 KiB consumed incrementally (Linux 6.12), else 1024 of 4 KiB.
    ///   - bufferSize: bytes per receive buffer.
    ///   - zeroCopyThreshold: sends of at least this many bytes use `SENDMSG_ZC`; nil: none.
    ///   - incrementalBuffers: try incremental buffer consumption first (tests turn it off to
    ///     run the older kernels' path).
    init(bufferCount: UInt32? = nil, bufferSize: Int? = nil, incrementalBuffers: Bool = true,
         zeroCopyThreshold: Int? = nil) throws(BackendError) {
        self.zeroCopyThreshold = zeroCopyThreshold
        var params = io_uring_params()
        params.flags = UInt32(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE)
        params.cq_entries = Self.submissionEntries * 4
        let result = io_uring_queue_init_params(Self.submissionEntries, &ring, &params)
        guard result == 0 else {
            throw BackendError(backend: .ioUring, operation: "io_uring_queue_init_params", errno: -result,
                               detail: Self.setupAdvice(errno: -result))
        }
        _ = io_uring_register_ring_fd(&ring)  // an optimisation only; older kernels refuse it
        do throws(BackendError) {
            do throws(BackendError) {
                guard incrementalBuffers else { throw BackendError(backend: .ioUring, operation: "incremental buffers", errno: EINVAL) }
                buffers = try ProvidedBufferRing(
                    uring: &ring, groupID: 0, entries: bufferCount ?? 64, bufferSize: bufferSize ?? 65536, incremental: true)
            } catch where error.errno == EINVAL {
                // A kernel before 6.12: one buffer per completion, so more and smaller ones.
                buffers = try ProvidedBufferRing(
                    uring: &ring, groupID: 0, entries: bufferCount ?? 1024, bufferSize: bufferSize ?? 4096, incremental: false)
            }
        } catch {
            io_uring_queue_exit(&ring)
            throw error
        }
        do {
            wakeEvent = try EventFD(backend: .ioUring)
        } catch {
            buffers.release(uring: &ring)
            io_uring_queue_exit(&ring)
            throw error
        }
        try Self.requireOpcodes(&ring)
        if ringway_uring_probe_opcode(&ring, Int32(IORING_OP_SENDMSG_ZC.rawValue)) != 1 { self.zeroCopyThreshold = nil }
        armWakePoll()
    }

    /// Explains the usual reasons ring setup is refused.
    static func setupAdvice(errno code: Int32) -> String {
        switch code {
        case EPERM: "io_uring is disabled (sysctl kernel.io_uring_disabled) or blocked by seccomp"
        case ENOSYS: "this kernel has no io_uring (or a seccomp profile hides it)"
        case EINVAL: "the kernel lacks SINGLE_ISSUER/DEFER_TASKRUN (needs Linux 6.1 or newer)"
        case ENOMEM: "locked-memory limit too low (raise RLIMIT_MEMLOCK)"
        default: ""
        }
    }

    /// Fails unless the kernel supports every opcode this backend submits.
    private static func requireOpcodes(_ ring: inout io_uring) throws(BackendError) {
        let needed: [(Int32, String)] = [
            (Int32(IORING_OP_ACCEPT.rawValue), "ACCEPT"), (Int32(IORING_OP_RECV.rawValue), "RECV"),
            (Int32(IORING_OP_SENDMSG.rawValue), "SENDMSG"), (Int32(IORING_OP_ASYNC_CANCEL.rawValue), "ASYNC_CANCEL"),
            (Int32(IORING_OP_POLL_ADD.rawValue), "POLL_ADD"), (Int32(IORING_OP_SEND.rawValue), "SEND"),
        ]
        for (opcode, name) in needed where ringway_uring_probe_opcode(&ring, opcode) != 1 {
            throw BackendError(backend: .ioUring, operation: "probe", detail: "kernel lacks IORING_OP_\(name)")
        }
    }

    @inline(__always)
    private static func userData(_ operation: Operation, _ token: IOToken) -> UInt64 {
        operation.rawValue << 56 | (token & 0x00FF_FFFF_FFFF_FFFF)
    }

    /// The next free submission entry, submitting queued ones first if the SQ is full.
    @inline(__always)
    private func nextSQE() -> UnsafeMutablePointer<io_uring_sqe> {
        if let sqe = io_uring_get_sqe(&ring) { return sqe }
        _ = io_uring_submit(&ring)
        // After a submit the SQ has room: SUBMIT_ALL consumed every queued entry.
        return io_uring_get_sqe(&ring)!
    }

    private func armWakePoll() {
        let sqe = nextSQE()
        io_uring_prep_poll_multishot(sqe, wakeFD, UInt32(POLLIN))
        io_uring_sqe_set_data64(sqe, Self.userData(.wake, 0))
    }

    func startAccepting(fd: Int32, token: IOToken) {
        let sqe = nextSQE()
        io_uring_prep_multishot_accept(sqe, fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        io_uring_sqe_set_data64(sqe, Self.userData(.accept, token))
    }

    func stopAccepting(fd: Int32, token: IOToken) {
        cancel(Self.userData(.accept, token))
    }

    func startReceiving(fd: Int32, token: IOToken) {
        armedReceives[token] = fd
        submitReceive(fd: fd, token: token)
    }

    private func submitReceive(fd: Int32, token: IOToken) {
        let sqe = nextSQE()
        io_uring_prep_recv_multishot(sqe, fd, nil, 0, 0)
        sqe.pointee.flags |= ringway_sqe_buffer_select()
        sqe.pointee.buf_group = buffers.groupID
        io_uring_sqe_set_data64(sqe, Self.userData(.receive, token))
    }

    func stopReceiving(fd: Int32, token: IOToken) {
        if let index = receivesToRearm.firstIndex(where: { $0.token == token }) {
            receivesToRearm.remove(at: index)
            armedReceives[token] = nil
            syntheticReceiveEnds.append(token)
            return
        }
        // Forgetting the fd marks the stop: the final CQE then ends the receive, whatever
        // its result (no ENOBUFS re-arm). Nothing armed means it already ended.
        guard armedReceives.removeValue(forKey: token) != nil else { return }
        cancel(Self.userData(.receive, token))
    }

    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken) {
        let sqe = nextSQE()
        if let zeroCopyThreshold, Self.byteCount(message) >= zeroCopyThreshold, !zeroCopyCopied.contains(fd) {
            io_uring_prep_sendmsg_zc(sqe, fd, message, UInt32(MSG_NOSIGNAL))
            sqe.pointee.ioprio |= Self.sendZeroCopyReportUsage
            io_uring_sqe_set_data64(sqe, Self.userData(.sendZeroCopy, token))
            zeroCopySends[token] = ZeroCopySend(fd: fd, message: message)
        } else if message.pointee.msg_iovlen == 1 {
            // One buffer (a typical response): SEND skips SENDMSG's msghdr and iovec import.
            let only = message.pointee.msg_iov[0]
            io_uring_prep_send(sqe, fd, only.iov_base, only.iov_len, Int32(MSG_NOSIGNAL))
            io_uring_sqe_set_data64(sqe, Self.userData(.send, token))
        } else {
            io_uring_prep_sendmsg(sqe, fd, message, UInt32(MSG_NOSIGNAL))
            io_uring_sqe_set_data64(sqe, Self.userData(.send, token))
        }
    }

    private static func byteCount(_ message: UnsafeMutablePointer<msghdr>) -> Int {
        var total = 0
        for index in 0..<Int(message.pointee.msg_iovlen) { total += message.pointee.msg_iov[index].iov_len }
        return total
    }

    func cancelSend(fd: Int32, token: IOToken) {
        let operation: Operation = zeroCopySends[token] != nil ? .sendZeroCopy : fileSends[token] != nil ? .sendFile : .send
        cancel(Self.userData(operation, token))
    }

    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken) {
        let result = FileTransfer.send(socket: fd, file: file, offset: offset, count: count)
        if result == -Int(EAGAIN) {
            fileSends[token] = FileSend(fd: fd, file: file, offset: offset, count: count)
            armFilePoll(fd: fd, token: token)
        } else {
            immediateSends.append((token, result))
        }
    }

    private func armFilePoll(fd: Int32, token: IOToken) {
        let sqe = nextSQE()
        io_uring_prep_poll_add(sqe, fd, UInt32(POLLOUT))
        io_uring_sqe_set_data64(sqe, Self.userData(.sendFile, token))
    }

    /// `shutdown(2)`, not `IORING_OP_SHUTDOWN`: the kernel always hands that opcode to an
    /// io-wq worker thread (it is never issued inline), so the FIN waited for a worker. Seen:
    /// Autobahn on io_uring failed 3 runs in 3 with it (unclean closes, cases timing out under
    /// load) and passed with the syscall.
    func shutdownWrite(fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    private func cancel(_ target: UInt64) {
        let sqe = nextSQE()
        io_uring_prep_cancel64(sqe, target, 0)
        io_uring_sqe_set_data64(sqe, Self.userData(.cancel, 0))
    }

    func close(fd: Int32) {
        if !zeroCopyCopied.isEmpty { zeroCopyCopied.remove(fd) }  // the number may be reused
        _ = Glibc.close(fd)
    }

    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError) {
        for token in syntheticReceiveEnds { sink.receiveEnded(token: token, error: ECANCELED) }
        syntheticReceiveEnds.removeAll(keepingCapacity: true)
        var timeoutNanoseconds = timeoutNanoseconds
        if !immediateSends.isEmpty {
            swap(&immediateSends, &deliveringSends)
            for send in deliveringSends { sink.sendCompleted(token: send.token, result: send.result) }
            deliveringSends.removeAll(keepingCapacity: true)
            // Their handlers may have queued work (flushes, more sends) for this turn: no sleep.
            timeoutNanoseconds = 0
        }

        var cqe: UnsafeMutablePointer<io_uring_cqe>? = nil
        let result: Int32
        if let timeoutNanoseconds {
            var timeout = __kernel_timespec(tv_sec: timeoutNanoseconds / 1_000_000_000, tv_nsec: timeoutNanoseconds % 1_000_000_000)
            result = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &timeout, nil)
        } else {
            result = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, nil, nil)
        }
        if result < 0 && result != -ETIME && result != -EINTR && result != -EAGAIN && result != -EBUSY {
            throw BackendError(backend: .ioUring, operation: "io_uring_submit_and_wait_timeout", errno: -result)
        }
        drainCompletions(sink: sink)
    }

    /// Walks every ready CQE, then advances the CQ once per batch.
    private func drainCompletions(sink: any CompletionSink) {
        let batch = completionBatch
        while true {
            let count = Int(ringway_peek_cqes(&ring, batch, UInt32(Self.completionBatchSize)))
            if count == 0 { break }
            for index in 0..<count {
                let entry = batch[index]!.pointee
                dispatch(userData: entry.user_data, result: entry.res, flags: entry.flags, sink: sink)
            }
            io_uring_cq_advance(&ring, UInt32(count))
        }
        if buffers.commit() || !receivesToRearm.isEmpty {
            // Buffers are back: receives stopped by -ENOBUFS can run again.
            let stopped = receivesToRearm
            receivesToRearm = []
            for receive in stopped { submitReceive(fd: receive.fd, token: receive.token) }
        }
    }

    @inline(__always)
    private func dispatch(userData: UInt64, result: Int32, flags: UInt32, sink: any CompletionSink) {
        let token = userData & 0x00FF_FFFF_FFFF_FFFF
        let more = flags & UInt32(IORING_CQE_F_MORE) != 0
        switch Operation(rawValue: userData >> 56) {
        case .receive:
            if flags & UInt32(IORING_CQE_F_BUFFER) != 0 {
                let id = UInt16(truncatingIfNeeded: ringway_cqe_buffer_id(flags))
                if result > 0 { sink.receiveCompleted(token: token, bytes: buffers.bytes(id: id, length: Int(result))) }
                buffers.completed(id: id, length: Int(max(result, 0)), flags: flags)
            }
            if !more {
                if let fd = armedReceives[token] {
                    if result == -ENOBUFS {
                        // Out of buffers: re-arm once this batch has returned the ones it used.
                        receivesToRearm.append((fd, token))
                    } else if result > 0 {
                        // The kernel ended the multishot after data (e.g. CQ overflow): go on.
                        submitReceive(fd: fd, token: token)
                    } else {
                        armedReceives[token] = nil
                        sink.receiveEnded(token: token, error: -result)
                    }
                } else {
                    // stopReceiving was called: this is the last CQE of the receive.
                    sink.receiveEnded(token: token, error: result == 0 ? 0 : (result > 0 || result == -ENOBUFS ? ECANCELED : -result))
                }
            }
        case .send:
            sink.sendCompleted(token: token, result: Int(result))
        case .sendZeroCopy:
            // Two CQEs: the result (with F_MORE when a notification follows), then the
            // notification once the kernel no longer reads the bytes. The send completes for
            // the connection (which then frees the bytes) only at the second.
            if flags & UInt32(IORING_CQE_F_NOTIF) != 0 {
                let send = zeroCopySends.removeValue(forKey: token)
                if let send, UInt32(bitPattern: result) & Self.notificationCopied != 0 { zeroCopyCopied.insert(send.fd) }
                sink.sendCompleted(token: token, result: send?.result ?? 0)
            } else if more {
                zeroCopySends[token]?.result = Int(result)
            } else if result == -EINVAL || result == -EOPNOTSUPP, let send = zeroCopySends.removeValue(forKey: token) {
                // A kernel before 6.2 (no usage reports) or a socket type without zero-copy:
                // send plainly from now on, starting with this very message.
                zeroCopyThreshold = nil
                self.send(fd: send.fd, message: send.message, token: token)
            } else {
                zeroCopySends[token] = nil
                sink.sendCompleted(token: token, result: Int(result))
            }
        case .sendFile:
            guard let send = fileSends[token] else { break }
            var outcome = Int(result)
            if result >= 0 {
                outcome = FileTransfer.send(socket: send.fd, file: send.file, offset: send.offset, count: send.count)
                if outcome == -Int(EAGAIN) {
                    armFilePoll(fd: send.fd, token: token)
                    break
                }
            }
            fileSends[token] = nil
            sink.sendCompleted(token: token, result: outcome)
        case .accept:
            if result >= 0 || more { sink.acceptCompleted(token: token, result: result) }
            if !more { sink.acceptEnded(token: token, error: result < 0 ? -result : 0) }
        case .wake:
            _ = read(wakeFD, &wakeCounter, 8)
            if !more { armWakePoll() }
        case .cancel, .none:
            break
        }
    }

    func makeWaker() -> any LoopWaker { wakeEvent }

    /// Whether receive buffers are consumed incrementally (see `ProvidedBufferRing`).
    var incrementalBuffers: Bool { buffers.incremental }

    func shutdown() {
        buffers.release(uring: &ring)
        io_uring_queue_exit(&ring)
        completionBatch.deallocate()
    }
}
#endif
