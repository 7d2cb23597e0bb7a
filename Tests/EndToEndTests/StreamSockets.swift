import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Many long-lived HTTP streams (event streams) over raw non-blocking loopback sockets, all
/// driven by one `poll(2)` loop on a queue of its own: hundreds of open connections without
/// a thread or a blocking client each.
enum StreamSockets {
    /// What one connection read.
    struct Outcome: Sendable {
        /// Every byte the server sent, head included.
        var bytes: [UInt8] = []
        /// Whether the server closed the connection (EOF) before the deadline.
        var closed = false
        /// Why the connection failed (connect, send or receive), if it did.
        var failure: String?
        /// Whether a whole response head (`\r\n\r\n`) had arrived when `started` was called.
        var headBeforeStart = false
    }

    /// Opens `count` connections to `127.0.0.1:port` and sends `request` on each; once every
    /// connection has read a whole response head (or `timeout` passed), calls `started` — also
    /// when some did not make it, so the caller's next step always comes — then reads until every
    /// connection was closed by the server or `timeout` passed since `started`.
    static func run(port: Int, count: Int, request: [UInt8], timeout: Duration,
                    started: @escaping @Sendable () -> Void) async -> [Outcome] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Outcome], Never>) in
            DispatchQueue(label: "ringway.test.stream-sockets").async {
                continuation.resume(returning: drive(port: port, count: count, request: request, timeout: timeout, started: started))
            }
        }
    }

    #if canImport(Glibc)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0  // SO_NOSIGPIPE is set on each socket
    #endif

    private static func drive(port: Int, count: Int, request: [UInt8], timeout: Duration, started: () -> Void) -> [Outcome] {
        var outcomes = [Outcome](repeating: Outcome(), count: count)
        var descriptors = [Int32](repeating: -1, count: count)
        var sent = [Bool](repeating: false, count: count)
        var headSeen = [Bool](repeating: false, count: count)
        defer { for fd in descriptors where fd >= 0 { _ = close(fd) } }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        for index in 0..<count {
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                var on: Int32 = 1
                _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            #endif
            guard fd >= 0 else {
                outcomes[index].failure = "socket: errno \(errno)"
                continue
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 || errno == EINPROGRESS else {
                outcomes[index].failure = "connect: errno \(errno)"
                _ = close(fd)
                continue
            }
            descriptors[index] = fd
        }

        let clock = ContinuousClock()
        var deadline = clock.now + timeout
        var hasStarted = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var open: [Int] = []
            var requests: [pollfd] = []
            for index in 0..<count where descriptors[index] >= 0 && !outcomes[index].closed {
                open.append(index)
                requests.append(pollfd(fd: descriptors[index], events: Int16(sent[index] ? POLLIN : POLLOUT), revents: 0))
            }
            if !hasStarted, (0..<count).allSatisfy({ headSeen[$0] || descriptors[$0] < 0 || outcomes[$0].closed }) || clock.now >= deadline {
                for index in 0..<count { outcomes[index].headBeforeStart = headSeen[index] }
                started()
                hasStarted = true
                deadline = clock.now + timeout
            }
            if hasStarted && open.isEmpty || clock.now >= deadline { break }
            let ready = poll(&requests, nfds_t(requests.count), 50)
            guard ready > 0 else { continue }
            for (slot, index) in open.enumerated() where requests[slot].revents != 0 {
                let fd = descriptors[index]
                if !sent[index] {
                    var failure: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
                    guard failure == 0 else {
                        outcomes[index].failure = "connect: errno \(failure)"
                        outcomes[index].closed = true
                        continue
                    }
                    // A request this small goes out whole into an empty socket buffer.
                    let written = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, noSignal) }
                    guard written == request.count else {
                        outcomes[index].failure = "send: \(written) of \(request.count) bytes, errno \(errno)"
                        outcomes[index].closed = true
                        continue
                    }
                    sent[index] = true
                    continue
                }
                let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if received > 0 {
                    outcomes[index].bytes.append(contentsOf: buffer[..<received])
                    if !headSeen[index] { headSeen[index] = contains(outcomes[index].bytes, Array("\r\n\r\n".utf8)) }
                } else if received == 0 {
                    outcomes[index].closed = true
                } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    outcomes[index].failure = "recv: errno \(errno)"
                    outcomes[index].closed = true
                }
            }
        }
        return outcomes
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// A response's head and its chunked body, decoded.
    struct ChunkedResponse: Equatable {
        var head: String
        var body: [UInt8]
        /// Whether the body ended with the last chunk (`0\r\n\r\n`).
        var terminated: Bool
        /// Bytes after the last chunk (nothing is expected).
        var trailing: [UInt8]
    }

    /// Splits `bytes` into head and chunked body; nil when the head or a chunk's framing is
    /// malformed. A body cut short decodes as far as it goes, `terminated` false.
    static func decodeChunked(_ bytes: [UInt8]) -> ChunkedResponse? {
        let crlf = Array("\r\n".utf8)
        guard let headEnd = firstIndex(of: Array("\r\n\r\n".utf8), in: bytes[...]) else { return nil }
        var response = ChunkedResponse(head: String(decoding: bytes[..<headEnd], as: UTF8.self), body: [], terminated: false, trailing: [])
        var rest = bytes[(headEnd + 4)...]
        while let lineEnd = firstIndex(of: crlf, in: rest) {
            guard let size = Int(String(decoding: rest[rest.startIndex..<lineEnd], as: UTF8.self), radix: 16) else { return nil }
            let dataStart = lineEnd + 2
            guard rest.endIndex - dataStart >= size + 2 else { return response }  // cut short
            guard rest[(dataStart + size)..<(dataStart + size + 2)].elementsEqual(crlf) else { return nil }
            if size == 0 {
                response.terminated = true
                response.trailing = Array(rest[(dataStart + 2)...])
                return response
            }
            response.body += rest[dataStart..<(dataStart + size)]
            rest = rest[(dataStart + size + 2)...]
        }
        return response
    }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (haystack.startIndex...(haystack.endIndex - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
