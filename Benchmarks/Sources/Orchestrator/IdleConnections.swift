import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Opens many keep-alive connections to a server, each completing one `GET /plaintext`, and holds them open.
///
/// Plain nonblocking sockets and `poll` over the connections still in progress (a bounded number), bounded in
/// time; held connections are no longer polled.
final class IdleConnections {
    private enum Phase {
        case connecting
        case awaitingResponse([UInt8])
    }

    /// Connects in flight at once, so the server's accept backlog never overflows.
    static let maxInFlight = 256
    private static let request = Array("GET /plaintext HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".utf8)

    private let port: Int
    private let target: Int
    private var inFlight: [Int32: Phase] = [:]
    private var attempts = 0
    private(set) var failures = 0

    /// Connections that completed their exchange, held open.
    private(set) var idle: [Int32] = []

    init(port: Int, target: Int) {
        self.port = port
        self.target = target
    }

    deinit {
        closeAll()
    }

    /// Raises this process's open-file limit (children inherit it) so thousands of sockets fit.
    static func raiseFileLimit(to wanted: rlim_t = 65536) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var raised = rlimit(rlim_cur: wanted, rlim_max: max(wanted, limit.rlim_max))
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) != 0 {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }

    /// Opens connections until `target` are idle, `timeout` seconds pass, or too many attempts fail.
    func open(timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while idle.count < target, Date() < deadline {
            while inFlight.count < Self.maxInFlight, idle.count + inFlight.count < target, attempts < target * 2 {
                startConnect()
            }
            if inFlight.isEmpty { break }
            var polls = inFlight.map { fd, phase in
                let events = if case .connecting = phase { Int16(POLLOUT) } else { Int16(POLLIN) }
                return pollfd(fd: fd, events: events, revents: 0)
            }
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for entry in polls where entry.revents != 0 {
                handle(fd: entry.fd, events: entry.revents)
            }
        }
    }

    /// How many held connections the server has not closed (a non-blocking peek on each).
    func stillOpen() -> Int {
        var byte: UInt8 = 0
        return idle.filter { fd in
            let peeked = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
            return peeked > 0 || (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        }.count
    }

    /// Closes every connection.
    func closeAll() {
        for fd in inFlight.keys { close(fd) }
        for fd in idle { close(fd) }
        inFlight.removeAll()
        idle.removeAll()
    }

    private func startConnect() {
        attempts += 1
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            failures += 1
            return
        }
        var address = Network.loopback(port: port)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 || errno == EINPROGRESS else {
            close(fd)
            failures += 1
            return
        }
        inFlight[fd] = .connecting
    }

    private func handle(fd: Int32, events: Int16) {
        guard let phase = inFlight[fd] else { return }
        if events & (Int16(POLLERR) | Int16(POLLNVAL)) != 0 {
            fail(fd)
            return
        }
        switch phase {
        case .connecting:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            let sent = Self.request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard error == 0, sent == Self.request.count else {
                fail(fd)
                return
            }
            inFlight[fd] = .awaitingResponse([])
        case .awaitingResponse(var received):
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            guard count > 0 else {
                fail(fd)
                return
            }
            received += chunk.prefix(count)
            switch HTTPResponseCheck.evaluate(received) {
            case .incomplete:
                inFlight[fd] = .awaitingResponse(received)
            case .failed:
                fail(fd)
            case .complete:
                inFlight[fd] = nil
                idle.append(fd)
            }
        }
    }

    private func fail(_ fd: Int32) {
        close(fd)
        inFlight[fd] = nil
        failures += 1
    }
}
