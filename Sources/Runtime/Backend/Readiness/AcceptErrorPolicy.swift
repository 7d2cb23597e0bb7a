#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a readiness backend's accept batch does after a failed `accept`: one policy for
/// every readiness mechanism.
enum AcceptErrorPolicy: Equatable {
    /// The connection failed before it was accepted (`ECONNABORTED`, `EPROTO`, a network
    /// error Linux passes on): nothing to report, try the next one.
    case skip
    /// The backlog is empty (`EAGAIN`): the batch is done, readiness reports the next one.
    case batchDone
    /// Out of descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`): end
    /// accepting with the errno, so the listener retries after a pause instead of spinning
    /// on a backlog that stays readable.
    case backOff
    /// The descriptor cannot accept at all (`EBADF`, `EINVAL`, `ENOTSOCK`, `EOPNOTSUPP`):
    /// end accepting with the errno.
    case ended
    /// Anything else: report it as one failed accept and end the batch.
    case report

    init(errno code: Int32) {
        switch code {
        case EAGAIN, EWOULDBLOCK:
            self = .batchDone
        case EINTR, ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENETUNREACH, EHOSTDOWN, EHOSTUNREACH, ENOPROTOOPT:
            self = .skip
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            self = .backOff
        case EBADF, EINVAL, ENOTSOCK, EOPNOTSUPP:
            self = .ended
        default:
            #if os(Linux)
            if code == ENONET { self = .skip; return }
            #endif
            self = .report
        }
    }
}
