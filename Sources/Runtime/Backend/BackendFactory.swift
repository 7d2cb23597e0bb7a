package import Logging

/// Makes backend instances of one kind, one per loop, on the loop's own thread.
package struct BackendFactory: Sendable {
    /// The backend kind this factory makes (never `.auto`).
    package let kind: BackendKind
    let make: @Sendable () throws(BackendError) -> any IOBackend

    init(kind: BackendKind, make: @escaping @Sendable () throws(BackendError) -> any IOBackend) {
        self.kind = kind
        self.make = make
    }
}

/// Chooses the backend: precedence, availability probing and the `auto` fallback.
public enum BackendSelection {
    /// The environment variable that selects a backend when no flag does.
    public static let environmentVariable = "RINGWAY_BACKEND"
    /// Set to `1` to make the io_uring probe fail, as on a kernel or container without it
    /// (for testing the fallback path).
    public static let forceIOURingUnavailableVariable = "RINGWAY_FORCE_IO_URING_UNAVAILABLE"

    /// Applies the precedence flag > environment > configuration.
    /// Throws `BackendSelectionError.unknownBackend` for an unknown name.
    public static func resolve(flag: String?, environment: [String: String], configured: BackendKind) throws(BackendSelectionError) -> BackendKind {
        if let flag {
            guard let kind = BackendKind(name: flag) else { throw .unknownBackend(flag, source: "--backend") }
            return kind
        }
        if let value = environment[environmentVariable], !value.isEmpty {
            guard let kind = BackendKind(name: value) else { throw .unknownBackend(value, source: environmentVariable) }
            return kind
        }
        return configured
    }

    /// Checks that `kind` can run here, creating and releasing one instance (for io_uring a
    /// ring with a single 4 KiB receive buffer: the same setup calls without the 4 MiB of
    /// buffers a loop's ring has). Returns nil when it can, the reason when it cannot.
    package static func probe(_ kind: BackendKind, environment: [String: String]) -> BackendError? {
        switch kind {
        case .ioUring:
            #if os(Linux)
            if environment[forceIOURingUnavailableVariable] == "1" {
                return BackendError(backend: .ioUring, operation: "probe", detail: "forced unavailable by \(forceIOURingUnavailableVariable)=1")
            }
            do {
                let backend = try IOURingBackend(bufferCount: 1, bufferSize: 4096)
                backend.shutdown()
                return nil
            } catch {
                return error
            }
            #else
            return BackendError(backend: .ioUring, operation: "probe", detail: "io_uring exists on Linux only")
            #endif
        case .epoll:
            #if os(Linux)
            do {
                let backend = try EpollBackend()
                backend.shutdown()
                return nil
            } catch {
                return error
            }
            #else
            return BackendError(backend: .epoll, operation: "probe", detail: "epoll exists on Linux only")
            #endif
        case .dispatch:
            return nil
        case .auto:
            return probe(.ioUring, environment: environment).flatMap { _ in probe(.epoll, environment: environment) }
        }
    }

    /// A factory for `kind`. `.auto` probes io_uring and falls back to epoll, logging one
    /// line with the backend chosen and why. An explicit kind that cannot run throws.
    /// - Parameter zeroCopySendThreshold: see `ServerConfiguration.zeroCopySendThreshold`
    ///   (io_uring only).
    package static func factory(for kind: BackendKind, environment: [String: String], logger: Logger,
                               zeroCopySendThreshold: Int? = nil) throws(BackendError) -> BackendFactory {
        switch kind {
        case .auto:
            if let reason = probe(.ioUring, environment: environment) {
                #if os(Linux)
                logger.notice("backend auto: io_uring unavailable (\(reason)); using epoll")
                return try factory(for: .epoll, environment: environment, logger: logger, zeroCopySendThreshold: zeroCopySendThreshold)
                #else
                logger.notice("backend auto: \(reason); using dispatch")
                return try factory(for: .dispatch, environment: environment, logger: logger)
                #endif
            }
            logger.info("backend auto: io_uring available; using io_uring")
            return ioUringFactory(zeroCopySendThreshold: zeroCopySendThreshold)  // probed just now
        case .ioUring:
            #if os(Linux)
            if let reason = probe(.ioUring, environment: environment) { throw reason }
            return ioUringFactory(zeroCopySendThreshold: zeroCopySendThreshold)
            #else
            throw BackendError(backend: .ioUring, operation: "select", detail: "io_uring exists on Linux only")
            #endif
        case .epoll:
            #if os(Linux)
            return BackendFactory(kind: .epoll) { () throws(BackendError) in try EpollBackend() }
            #else
            throw BackendError(backend: .epoll, operation: "select", detail: "epoll exists on Linux only")
            #endif
        case .dispatch:
            return BackendFactory(kind: .dispatch) { () throws(BackendError) in try DispatchBackend() }
        }
    }
}

extension BackendSelection {
    /// The io_uring factory, for a kernel already probed.
    private static func ioUringFactory(zeroCopySendThreshold: Int?) -> BackendFactory {
        #if os(Linux)
        BackendFactory(kind: .ioUring) { () throws(BackendError) in try IOURingBackend(zeroCopyThreshold: zeroCopySendThreshold) }
        #else
        preconditionFailure("io_uring is probed unavailable off Linux")
        #endif
    }
}

/// A backend name that is not one of `BackendKind.validNames`.
public enum BackendSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownBackend(String, source: String)

    public var description: String {
        switch self {
        case .unknownBackend(let name, let source):
            "unknown backend '\(name)' (from \(source)); valid backends: \(BackendKind.validNames)"
        }
    }
}
