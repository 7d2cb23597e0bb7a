#if os(Linux)
import CURing
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates, binds and listens on a TCP socket; `SO_REUSEPORT` lets each loop own one
/// listener on the same port so the kernel spreads connections across loops.
enum ListeningSocket {
    static func open(address: SocketAddress, backlog: Int32, reusePort: Bool) throws(SocketError) -> Int32 {
        #if canImport(Glibc)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(address.family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        #if canImport(Darwin)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #endif
        var bindAddress = address
        let bound = withUnsafePointer(to: &bindAddress.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0 else {
            let code = errno
            _ = close(fd)
            let where_ = address.peerAddress.map(\.description) ?? "address"
            throw SocketError(operation: "bind \(where_)", errno: code,
                              detail: code == EADDRINUSE ? "another process listens on this port; choose another with --port" : "")
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            _ = close(fd)
            throw SocketError(operation: "listen", errno: code)
        }
        return fd
    }

    /// Writes `response` (best effort, non-blocking: a fresh socket's buffer has room) and
    /// closes `fd`: the server is at its connection limit.
    static func refuse(_ fd: Int32, with response: [UInt8]) {
        if !response.isEmpty {
            #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL | MSG_DONTWAIT)
            #else
            let flags = MSG_DONTWAIT
            #endif
            _ = response.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
            _ = shutdown(fd, Int32(SHUT_WR))
        }
        _ = close(fd)
    }

    /// Per-connection options: no Nagle delay (responses are written whole), non-blocking.
    static func configureAccepted(_ fd: Int32) {
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #endif
    }
}
