#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Identifies one registered I/O target (listener or connection) on a loop.
///
/// The low 32 bits are the registry slot, the next 24 a generation that makes completions
/// for a recycled slot detectable as stale. Backends may use the top 8 bits for an opcode.
typealias IOToken = UInt64

/// Receives completions from a backend. Implemented by the event loop; only ever called on
/// the loop thread, from inside `IOBackend.poll`.
protocol CompletionSink: AnyObject {
    /// A multishot accept produced a connection (`result` ≥ 0 is the fd) or failed (`-errno`).
    func acceptCompleted(token: IOToken, result: Int32)
    /// Accepting stopped for good (`ECANCELED` after `stopAccepting`, or another errno).
    func acceptEnded(token: IOToken, error: Int32)
    /// Bytes arrived. The view is valid only during this call; the buffer is recycled after.
    func receiveCompleted(token: IOToken, bytes: UnsafeRawBufferPointer)
    /// Receiving stopped: 0 for end of stream, `ECANCELED` after `stopReceiving`, else errno.
    func receiveEnded(token: IOToken, error: Int32)
    /// A send (`send` or `sendFile`) finished: bytes written (may be fewer than asked), 0 for
    /// a file that ended first, or `-errno`.
    func sendCompleted(token: IOToken, result: Int)
}

/// A completion-style I/O driver: each operation is submitted once and reports through the
/// loop's `CompletionSink`. io_uring does this natively; the readiness backends (epoll,
/// Dispatch) emulate it by performing the syscall when the descriptor is ready.
///
/// Every method except `makeWaker` is called on the owning loop's thread only.
protocol IOBackend: AnyObject {
    /// Which backend this is; nil for the in-memory test backend, which is not selectable.
    var kind: BackendKind? { get }
    /// Starts delivering accepted connections of listening socket `fd` until stopped.
    func startAccepting(fd: Int32, token: IOToken)
    /// Stops accepting; `acceptEnded` follows.
    func stopAccepting(fd: Int32, token: IOToken)
    /// Starts delivering received bytes of `fd` until stopped or the stream ends.
    func startReceiving(fd: Int32, token: IOToken)
    /// Stops receiving; `receiveEnded(ECANCELED)` follows unless receiving had already ended.
    func stopReceiving(fd: Int32, token: IOToken)
    /// Sends the gather list described by `message`. At most one send per `fd` is in flight;
    /// the caller keeps `message`, its iovecs and their bytes alive until `sendCompleted`.
    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken)
    /// Cancels the in-flight send of `fd`; its `sendCompleted` follows with `-ECANCELED` or its result.
    func cancelSend(fd: Int32, token: IOToken)
    /// Sends `count` bytes of the regular file `file` from `offset` to socket `fd` (sendfile(2) semantics)
    /// and reports through `sendCompleted`: the bytes sent (may be fewer than `count`), 0 when the file
    /// ended before them, or -errno. It is the one send of `fd` in flight; `cancelSend` cancels it.
    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken)
    /// Half-closes `fd` for writing: a FIN follows what was sent. No completion.
    func shutdownWrite(fd: Int32)
    /// Closes `fd`. The caller guarantees that no operation on it is in flight.
    func close(fd: Int32)
    /// Waits up to `timeoutNanoseconds` (nil: until something happens, 0: do not wait),
    /// submitting what was queued, and delivers every completion to `sink`.
    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError)
    /// A thread-safe handle that interrupts `poll` from any thread.
    func makeWaker() -> any LoopWaker
    /// Releases kernel resources (rings, epoll fd). Called once, on the loop thread, last.
    func shutdown()
}

/// Interrupts a loop's `poll` from any thread.
protocol LoopWaker: Sendable {
    func wake()
}

/// Why a backend could not be created or failed while running.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The backend concerned.
    public var backend: BackendKind
    /// The operation that failed, e.g. `io_uring_queue_init_params`.
    public var operation: String
    /// The errno it returned, when there is one.
    public var errno: Int32?
    /// Extra context that tells the operator what to do.
    public var detail: String

    public init(backend: BackendKind, operation: String, errno: Int32? = nil, detail: String = "") {
        self.backend = backend
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = "\(backend.rawValue): \(operation) failed"
        if let errno { text += " (\(errnoName(errno)))" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}

/// `EPERM`-style name and message for an errno value.
func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM",
        EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EINVAL: "EINVAL", EMFILE: "EMFILE", ENFILE: "ENFILE",
        ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL",
        ECONNRESET: "ECONNRESET", ECONNABORTED: "ECONNABORTED", EPIPE: "EPIPE", ECANCELED: "ECANCELED",
        ETIMEDOUT: "ETIMEDOUT", ENOBUFS: "ENOBUFS",
    ]
    let message = String(cString: strerror(code))
    return "\(names[code] ?? "errno \(code)"): \(message)"
}
