#if os(Linux)
import CURing
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address resolved from a host string and port.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    /// Resolves `host` (numeric or a name such as `localhost`) for a listening socket.
    init(host: String, port: Int) throws(SocketError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SocketError(operation: "resolve \(host)", detail: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        // Invariant: ai_addr points to ai_addrlen valid bytes, which fit in sockaddr_storage.
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        length = first.pointee.ai_addrlen
    }

    init() {}

    var family: Int32 { Int32(storage.ss_family) }

    /// The numeric host and port of this address.
    var peerAddress: PeerAddress? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return nil }
        return PeerAddress(
            host: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            port: Int(String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) ?? 0)
    }

    /// The local address of socket `fd`.
    static func local(of fd: Int32) -> SocketAddress? {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &address.length) }
        }
        return status == 0 ? address : nil
    }

    /// The peer address of connected socket `fd`.
    static func remote(of fd: Int32) -> SocketAddress? {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &address.length) }
        }
        return status == 0 ? address : nil
    }
}

/// A socket call failed while setting up a listener.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// What was being done, e.g. `bind 127.0.0.1:8000`.
    public var operation: String
    /// The errno, when the failure came from a syscall.
    public var errno: Int32?
    /// Extra context.
    public var detail: String

    init(operation: String, errno: Int32? = nil, detail: String = "") {
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = "\(operation) failed"
        if let errno { text += ": \(errnoName(errno))" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}
