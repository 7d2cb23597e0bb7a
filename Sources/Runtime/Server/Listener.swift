import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One listening socket driven by one loop's multishot accept.
final class Listener: IOTarget {
    let fd: Int32
    let loop: EventLoop
    private var token: IOToken = 0
    private let logger: Logger
    private let onAccept: (Int32) -> Void
    private var stopping = false
    private var stopped: [() -> Void] = []

    init(fd: Int32, loop: EventLoop, logger: Logger, onAccept: @escaping (Int32) -> Void) {
        self.fd = fd
        self.loop = loop
        self.logger = logger
        self.onAccept = onAccept
    }

    func start() {
        token = loop.register(self)
        loop.io.startAccepting(fd: fd, token: token)
    }

    /// Stops accepting; `completion` runs once the listening socket is closed.
    func stop(_ completion: @escaping () -> Void) {
        guard token != 0 else {
            completion()  // accepting ended for good already; the socket is closed
            return
        }
        guard !stopping else {
            stopped.append(completion)
            return
        }
        stopping = true
        stopped.append(completion)
        loop.io.stopAccepting(fd: fd, token: token)
    }

    func acceptCompleted(result: Int32) {
        if result >= 0 {
            if stopping {
                _ = close(result)
            } else {
                onAccept(result)
            }
        } else if result != -ECANCELED {
            logger.warning("accept failed: \(errnoName(-result))")
        }
    }

    func acceptEnded(error: Int32) {
        if stopping || error == ECANCELED {
            finish()
            return
        }
        let delay: UInt64
        switch AcceptErrorPolicy(errno: error) {
        case .ended:
            // The descriptor cannot accept (EBADF, EINVAL, ENOTSOCK…): retrying would spin.
            logger.critical("listening socket on loop \(loop.index) stopped accepting: \(errnoName(error)); this loop takes no new connections")
            finish()
            return
        case .backOff:
            delay = 100_000_000  // out of descriptors or memory: give the process time to recover
        case .skip, .batchDone, .report:
            delay = 1_000_000
        }
        // The kernel ended the multishot accept: retry shortly, not in a spin.
        loop.scheduleTimer(afterNanoseconds: delay) { [weak self] in
            guard let self, !self.stopping else { self?.finish(); return }
            self.loop.io.startAccepting(fd: self.fd, token: self.token)
        }
    }

    private func finish() {
        guard token != 0 || !stopped.isEmpty else { return }
        loop.unregister(token)
        loop.io.close(fd: fd)
        token = 0
        let completions = stopped
        stopped.removeAll()
        for completion in completions { completion() }
    }

    func loopStopped() {
        if token != 0 { finish() }
    }
}
