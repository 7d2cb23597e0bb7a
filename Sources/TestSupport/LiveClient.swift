import Dispatch
public import RingwayCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 client over a real loopback socket, for end-to-end tests: keep-alive,
/// `content-length` and chunked responses, raw bytes in and out for protocol tests.
///
/// Each client owns one connection and one serial queue doing its blocking socket calls,
/// so hundreds of clients can run concurrently without blocking Swift's cooperative pool.
public final class LiveClient: Sendable {
    private let descriptor: Atomic<Int32>
    private var fd: Int32 { descriptor.load(ordering: .relaxed) }
    private let queue: DispatchQueue
    private let leftover = Mutex<[UInt8]>([])

    /// Connects to `host:port` (numeric IPv4 or IPv6). Reads and writes time out after `timeout`.
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(10)) throws(LiveClientError) {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if host.contains(":") {
            family = AF_INET6
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw .invalidAddress(host) }
            withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            family = AF_INET
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw .invalidAddress(host) }
            withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .system("socket", errno) }
        let seconds = timeout.components.seconds
        var interval = timeval(tv_sec: .init(seconds), tv_usec: .init(timeout.components.attoseconds / 1_000_000_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        // A signal during a blocking connect leaves it going on in the background (EINTR):
        // wait for its outcome instead of calling connect again (that would say EALREADY).
        let code = connected == 0 ? 0 : errno == EINTR ? Self.awaitConnect(fd, timeout: timeout) : errno
        guard code == 0 else {
            _ = Glibc_close(fd)
            throw .system("connect \(host):\(port)", code)
        }
        self.descriptor = Atomic(fd)
        self.queue = DispatchQueue(label: "ringway.live-client")
    }

    /// The outcome (0 or an errno value) of a connect that a signal interrupted.
    private static func awaitConnect(_ fd: Int32, timeout: Duration) -> Int32 {
        var request = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var ready: Int32
        repeat { ready = poll(&request, 1, milliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? ETIMEDOUT : errno }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size) == 0 else { return errno }
        return failure
    }

    deinit {
        let fd = descriptor.exchange(-1, ordering: .relaxed)
        if fd >= 0 { _ = Glibc_close(fd) }
    }

    /// Sends one request and reads its response. Adds `host` and, for a body, `content-length`.
    public func request(_ method: String, _ path: String, headers: Headers = Headers(), body: [UInt8] = []) async throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains("host") { head += "host: 127.0.0.1\r\n" }
        for field in headers {
            head += "\(String(decoding: field.name, as: UTF8.self)): \(String(decoding: field.value, as: UTF8.self))\r\n"
        }
        if !body.isEmpty && !headers.contains("content-length") && !headers.contains("transfer-encoding") {
            head += "content-length: \(body.count)\r\n"
        }
        head += "\r\n"
        try await send(raw: Array(head.utf8) + body)
        return try await readResponse(method: method)
    }

    /// `GET path`.
    public func get(_ path: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request("GET", path, headers: headers)
    }

    /// `POST path` with a body.
    public func post(_ path: String, body: [UInt8], headers: Headers = Headers()) async throws -> TestResponse {
        try await request("POST", path, headers: headers, body: body)
    }

    /// Writes raw bytes.
    public func send(raw bytes: [UInt8]) async throws {
        try await onQueue { () throws(LiveClientError) in try self.writeAll(bytes) }
    }

    /// Reads one response (skipping interim 1xx responses other than 101).
    public func readResponse(method: String = "GET") async throws -> TestResponse {
        try await onQueue { () throws(LiveClientError) in try self.readOneResponse(method: method) }
    }

    /// Reads exactly `count` raw bytes (for interim responses and protocol tests).
    public func readRaw(count: Int) async throws -> [UInt8] {
        try await onQueue { () throws(LiveClientError) in
            var buffer = self.leftover.withLock { buffer in defer { buffer = [] }; return buffer }
            guard try self.fill(&buffer, atLeast: count) else { throw .closed }
            let result = Array(buffer[..<count])
            self.leftover.withLock { [rest = Array(buffer[count...])] in $0 = rest }
            return result
        }
    }

    /// The next bytes from the server (what was left over first); nil once it closed.
    package func readSome() async throws -> [UInt8]? {
        try await onQueue { () throws(LiveClientError) in
            let buffered = self.leftover.withLock { buffer in defer { buffer = [] }; return buffer }
            if !buffered.isEmpty { return buffered }
            return try self.readChunk()
        }
    }

    /// Sets the socket's receive buffer (a slow reader: small), as far as the kernel allows.
    package func setReceiveBuffer(_ bytes: Int) {
        var size = Int32(clamping: bytes)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads until the server closes the connection; returns every byte read.
    public func readUntilClosed() async throws -> [UInt8] {
        try await onQueue { () throws(LiveClientError) in
            var bytes = self.leftover.withLock { buffer in defer { buffer = [] }; return buffer }
            while let chunk = try self.readChunk() { bytes += chunk }
            return bytes
        }
    }

    /// Whether the server has closed the connection (reads EOF, or a reset), waiting up to
    /// the timeout: false if bytes arrive or nothing happens within it.
    public func isClosedByPeer() async -> Bool {
        do {
            return try await onQueue { () throws(LiveClientError) in try self.readChunk() == nil }
        } catch let error as LiveClientError where error == .timeout {
            return false
        } catch {
            return true  // recv failed: the connection is gone
        }
    }

    /// Half-closes: no more bytes from this side.
    public func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes the connection normally; later calls fail.
    package func close() {
        let fd = descriptor.exchange(-1, ordering: .relaxed)
        if fd >= 0 { _ = Glibc_close(fd) }
    }

    /// Closes the connection abruptly with an RST (SO_LINGER 0); later calls fail.
    public func abort() {
        let fd = descriptor.exchange(-1, ordering: .relaxed)
        guard fd >= 0 else { return }
        var linger = Glibc_linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc_linger>.size))
        _ = Glibc_close(fd)
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws(LiveClientError) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    // MARK: Blocking I/O (on `queue`)

    private func writeAll(_ bytes: [UInt8]) throws(LiveClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc_send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL_OR_ZERO)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("send", errno)
            }
            offset += written
        }
    }

    /// The next bytes from the socket, or nil at end of stream (or reset).
    private func readChunk() throws(LiveClientError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return nil }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw .timeout }
            throw .system("recv", errno)
        }
    }

    /// Ensures `buffer` holds at least `count` bytes; false at end of stream.
    private func fill(_ buffer: inout [UInt8], atLeast count: Int) throws(LiveClientError) -> Bool {
        while buffer.count < count {
            guard let chunk = try readChunk() else { return false }
            buffer += chunk
        }
        return true
    }

    private func readLine(_ buffer: inout [UInt8]) throws(LiveClientError) -> [UInt8] {
        while true {
            if let end = Self.find(buffer, [13, 10]) {
                let line = Array(buffer[..<end])
                buffer.removeFirst(end + 2)
                return line
            }
            guard let chunk = try readChunk() else { throw .malformed("connection closed inside a line") }
            buffer += chunk
        }
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }

    private func readOneResponse(method: String) throws(LiveClientError) -> TestResponse {
        var buffer = leftover.withLock { buffer in defer { buffer = [] }; return buffer }
        defer { leftover.withLock { [buffer] in $0 = buffer } }
        while true {
            if buffer.isEmpty, try readChunk().map({ buffer += $0 }) == nil { throw .closed }
            let statusLine = String(decoding: try readLine(&buffer), as: UTF8.self)
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                throw .malformed("status line '\(statusLine)'")
            }
            var headers = Headers()
            while true {
                let line = try readLine(&buffer)
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: 58) else { throw .malformed("header line without colon") }
                let name = line[..<colon].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
                var value = line[(colon + 1)...]
                while value.first == 32 || value.first == 9 { value = value.dropFirst() }
                while value.last == 32 || value.last == 9 { value = value.dropLast() }
                headers.append(name: name, value: value)
            }
            if (100..<200).contains(status) && status != 101 { continue }
            var chunks: [[UInt8]] = []
            var trailers = Headers()
            if method == "HEAD" || status == 204 || status == 304 || status == 101 {
                // no body
            } else if let length = headers["content-length"].flatMap({ Int($0) }) {
                guard try fill(&buffer, atLeast: length) else { throw .malformed("connection closed inside the body") }
                if length > 0 { chunks.append(Array(buffer[..<length])) }
                buffer.removeFirst(length)
            } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
                while true {
                    let sizeLine = String(decoding: try readLine(&buffer), as: UTF8.self)
                    guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                        throw .malformed("chunk size '\(sizeLine)'")
                    }
                    if size == 0 {
                        while true {
                            let line = try readLine(&buffer)
                            if line.isEmpty { break }
                            if let colon = line.firstIndex(of: 58) {
                                var value = line[(colon + 1)...]
                                while value.first == 32 { value = value.dropFirst() }
                                trailers.append(name: line[..<colon].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, value: value)
                            }
                        }
                        break
                    }
                    guard try fill(&buffer, atLeast: size + 2) else { throw .malformed("connection closed inside a chunk") }
                    chunks.append(Array(buffer[..<size]))
                    buffer.removeFirst(size + 2)
                }
            } else {
                while let chunk = try readChunk() { buffer += chunk }
                if !buffer.isEmpty { chunks.append(buffer) }
                buffer = []
            }
            var response = TestResponse(status: status, headers: headers, body: chunks.flatMap { $0 }, bodyChunks: chunks)
            response.trailers = trailers
            return response
        }
    }
}

/// Why a `LiveClient` call failed.
public enum LiveClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAddress(String)
    case system(String, Int32)
    case timeout
    case closed
    case malformed(String)

    public var description: String {
        switch self {
        case .invalidAddress(let host): "not a numeric IP address: \(host)"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .timeout: "timed out waiting for the server"
        case .closed: "the server closed the connection before responding"
        case .malformed(let detail): "malformed response: \(detail)"
        }
    }
}

#if canImport(Glibc)
private let MSG_NOSIGNAL_OR_ZERO = Int32(MSG_NOSIGNAL)
private typealias Glibc_linger = linger
private func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
#else
private let MSG_NOSIGNAL_OR_ZERO: Int32 = 0
private typealias Glibc_linger = linger
private func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
#endif

private func Glibc_send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
