/// The I/O backends Ringway can run on, selected by `--backend`, `RINGWAY_BACKEND` or
/// `ServerConfiguration.backend` (in that order of precedence).
public enum BackendKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Linux io_uring: multishot accept and recv into a provided-buffer ring. The fastest.
    case ioUring = "io_uring"
    /// Linux epoll, level-triggered readiness emulating completions.
    case epoll
    /// `DispatchSource` readiness on a serial queue per loop; runs wherever Swift runs.
    case dispatch
    /// io_uring when the kernel allows it, otherwise epoll (logged with the reason).
    case auto

    public var description: String { rawValue }

    /// Parses a user-supplied name (`io_uring`, `iouring`, `uring`, `epoll`, `dispatch`, `auto`).
    public init?(name: String) {
        switch name.lowercased() {
        case "io_uring", "iouring", "uring", "io-uring": self = .ioUring
        case "epoll": self = .epoll
        case "dispatch": self = .dispatch
        case "auto": self = .auto
        default: return nil
        }
    }

    /// The backends that are themselves (every case but `.auto`), fastest first: what
    /// code that runs "on every backend" (the tests, the benchmarks) iterates.
    public static let concrete: [BackendKind] = allCases.filter { $0 != .auto }

    /// The names accepted by `init(name:)`, for error messages.
    public static let validNames = "io_uring, epoll, dispatch, auto"
}
