import Foundation
import Ringway
import RingwayTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files sent by the kernel: `http.response.pathsend` and `http.response.zerocopysend`, on
/// every backend, against files larger than the socket buffers (so writability waits run).
@Suite("File bodies: pathsend and zerocopysend")
struct FileSendTests {
    /// A temporary file of `count` random bytes (so any reordering shows), removed by `remove()`.
    struct TemporaryFile {
        let path: String
        let content: [UInt8]

        init(count: Int) {
            // Cheap even in a debug build: parallel tests must not starve each other's clients.
            content = [UInt8](FileHandle(forReadingAtPath: "/dev/urandom")?.readData(ofLength: count) ?? Data(count: count))
            // Resolved, so it matches what /proc/self/fd links to.
            let directory = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath()
            path = directory.appendingPathComponent("ringway-file-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(content))
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }

        /// Open descriptors of this process that refer to the file.
        var openDescriptors: Int {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return entries.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }.count
        }

        /// Waits (bounded) until no descriptor refers to the file; returns whether that happened.
        func waitUntilClosed(timeout: Duration = .seconds(10)) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while openDescriptors > 0 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            return openDescriptors == 0
        }
    }

    /// Serves `file` with pathsend on every path but `/small` (a short body) and `/missing`.
    static func pathsendApp(_ file: TemporaryFile) -> App {
        App { scope, _, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/small" {
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody("small"))
                return
            }
            #expect(request.extensions.contains(.pathsend))
            try await send(.httpResponseStart(status: 200, headers: [("content-type", "application/octet-stream")]))
            try await send(.httpResponsePathsend(path: request.path == "/missing" ? file.path + ".missing" : file.path))
        }
    }

    @Test("pathsend of a 16 MiB file read late arrives byte-identical; the connection stays usable", arguments: Backends.all)
    func largePathsend(backend: BackendKind) async throws {
        let file = TemporaryFile(count: 16 << 20)
        defer { file.remove() }
        try await withServer(Self.pathsendApp(file), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            try await client.send(raw: Array("GET /file HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            // Not reading for a while: the file outgrows the socket buffers and the server
            // has to wait for writability.
            try await Task.sleep(for: .milliseconds(300))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("content-length") == String(file.content.count))
            expectSame(response.body, file.content)
            #expect(try await client.get("/small").text == "small")
            #expect(try await client.get("/missing").status == 500)
            #expect(await file.waitUntilClosed(), "the server kept the file open")
        }
    }

    @Test("requests pipelined around pathsend responses are answered in order", arguments: Backends.all)
    func pipelinedAfterPathsend(backend: BackendKind) async throws {
        let file = TemporaryFile(count: 3 << 20)
        defer { file.remove() }
        try await withServer(Self.pathsendApp(file), backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let requests = ["/file", "/small", "/file", "/small"].map { "GET \($0) HTTP/1.1\r\nhost: x\r\n\r\n" }.joined()
            try await client.send(raw: Array(requests.utf8))
            let first = try await client.readResponse()
            expectSame(first.body, file.content)
            #expect(try await client.readResponse().text == "small")
            expectSame(try await client.readResponse().body, file.content)
            #expect(try await client.readResponse().text == "small")
            let head = try await client.request("HEAD", "/file")
            #expect(head.status == 200 && head.body.isEmpty)
            #expect(head.header("content-length") == String(file.content.count))
            #expect(try await client.get("/small").text == "small")
        }
    }

    /// Zerocopysend in every framing. The app opens the file per request and closes its own
    /// descriptor as soon as `send` returns: the server sends from its duplicate.
    static func zerocopyApp(_ file: TemporaryFile) -> App {
        App { scope, _, send in
            guard case .http(let request) = scope else { return }
            #expect(request.extensions.contains(.zerocopysend))
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            switch request.path {
            case "/range":  // one message: content-length from the range
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseZerocopysend(file: fd, offset: 1000, count: 5000))
            case "/mixed":  // body, file, body: chunked
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody("<<", moreBody: true))
                try await send(.httpResponseZerocopysend(file: fd, offset: 10, count: 1_000_000, moreBody: true))
                try await send(.httpResponseBody(">>"))
            case "/declared":  // the app's content-length, the file then a body
                try await send(.httpResponseStart(status: 200, headers: [("content-length", "1000002")]))
                try await send(.httpResponseZerocopysend(file: fd, offset: 10, count: 1_000_000, moreBody: true))
                try await send(.httpResponseBody(">>"))
            case "/position":  // nil offsets continue from the file position
                _ = lseek(fd, 500, SEEK_SET)
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseZerocopysend(file: fd, count: 100, moreBody: true))
                try await send(.httpResponseZerocopysend(file: fd))
            case "/whole-then-trailers":
                try await send(.httpResponseStart(status: 200, trailers: true))
                try await send(.httpResponseZerocopysend(file: fd))
                try await send(.httpResponseTrailers(headers: [("x-done", "yes")]))
            case "/beyond":
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseZerocopysend(file: fd, offset: UInt64(file.content.count), count: 1))
            default:  // not a descriptor
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseZerocopysend(file: -1))
            }
        }
    }

    @Test("zerocopysend: offset and count, mixed with body messages, chunked, trailers, file position, errors", arguments: Backends.all)
    func zerocopysend(backend: BackendKind) async throws {
        let file = TemporaryFile(count: 2 << 20)
        defer { file.remove() }
        let content = file.content
        let app = Self.zerocopyApp(file)
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            let client = try LiveClient(port: port)
            let range = try await client.get("/range")
            #expect(range.header("content-length") == "5000")
            expectSame(range.body, content[1000..<6000])

            let mixed = try await client.get("/mixed")
            #expect(mixed.header("transfer-encoding") == "chunked")
            expectSame(mixed.body, Array("<<".utf8) + content[10..<1_000_010] + Array(">>".utf8))

            let declared = try await client.get("/declared")
            #expect(declared.header("content-length") == "1000002")
            expectSame(declared.body, Array(content[10..<1_000_010]) + Array(">>".utf8))

            let position = try await client.get("/position")
            expectSame(position.body, content[500...])

            let trailers = try await client.get("/whole-then-trailers")
            expectSame(trailers.body, content)
            #expect(trailers.trailers["x-done"] == "yes")

            #expect(try await client.get("/beyond").status == 500)
            #expect(try await LiveClient(port: port).get("/not-a-descriptor").status == 500)
            #expect(await file.waitUntilClosed(), "a duplicate of the file stayed open")
        }
        // The in-memory client gives the same bodies and the same typed errors.
        let memory = TestClient(app: app)
        expectSame(try await memory.get("/mixed").body, Array("<<".utf8) + content[10..<1_000_010] + Array(">>".utf8))
        expectSame(try await memory.get("/position").body, content[500...])
        #expect(try await memory.get("/whole-then-trailers").trailers["x-done"] == "yes")
        await #expect(throws: ZerocopysendError(file: -1, reason: .unusableDescriptor(errno: EBADF))) {
            try await memory.get("/not-a-descriptor")
        }
        let beyond = await #expect(throws: ZerocopysendError.self) { try await memory.get("/beyond") }
        #expect(beyond?.reason == .rangeBeyondEnd(size: UInt64(content.count)))
    }

    @Test("a client that disconnects mid-file leaves no descriptor open and the server serving", arguments: Backends.all)
    func disconnectMidFile(backend: BackendKind) async throws {
        let file = TemporaryFile(count: 32 << 20)
        defer { file.remove() }
        let outcomes = Recorder<String>()
        let app = App { scope, _, send in
            guard case .http(let request) = scope else { return }
            if request.path == "/small" {
                try await send(.httpResponseStart(status: 200))
                try await send(.httpResponseBody("small"))
                return
            }
            try await send(.httpResponseStart(status: 200))
            do {
                if request.path == "/zerocopy" {
                    let fd = open(file.path, O_RDONLY | O_CLOEXEC)
                    defer { close(fd) }
                    try await send(.httpResponseZerocopysend(file: fd))
                } else {
                    try await send(.httpResponsePathsend(path: file.path))
                }
                outcomes.append("sent")
            } catch is ClientDisconnected {
                outcomes.append("disconnected")
            }
        }
        try await withServer(app, backend: backend) { (_: Server, port: Int) async throws in
            for path in ["/pathsend", "/zerocopy"] {
                let client = try LiveClient(port: port)
                try await client.send(raw: Array("GET \(path) HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
                _ = try await client.readRaw(count: 200_000)
                #expect(file.openDescriptors >= 1, "the file is not being sent")
                client.abort()  // a reset: sendfile fails with EPIPE/ECONNRESET, or a wait ends
                #expect(await file.waitUntilClosed(), "\(path): the file stayed open after the client left")
            }
            #expect(await outcomes.waitForCount(2) == ["disconnected", "disconnected"])
            #expect(try await LiveClient(port: port).get("/small").text == "small")
        }
    }

    @Test("60 clients reset mid-file, 4 at a time: each is noticed and its file closed", arguments: Backends.all)
    func resetsDuringWriteWaits(backend: BackendKind) async throws {
        // The race behind a Dispatch bug: the write wait's source registered while the read side
        // saw the hang-up, and libdispatch never fired it (1 full suite run in 5 hung until the drain).
        let app = App { scope, _, send in
            guard case .http(let request) = scope else { return }
            try await send(.httpResponseStart(status: 200))
            _ = try? await send(.httpResponsePathsend(path: String(request.path.dropFirst())))
        }
        try await withServer(app, backend: backend, loops: 1) { (_: Server, port: Int) async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let file = TemporaryFile(count: 8 << 20)
                        defer { file.remove() }
                        for round in 0..<15 {
                            let client = try LiveClient(port: port)
                            try await client.send(raw: Array("GET /\(file.path) HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
                            _ = try await client.readRaw(count: 200_000)
                            client.abort()
                            #expect(await file.waitUntilClosed(), "round \(round): the file stayed open after the reset")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a reader slower than the send timeout still gets the whole file; a stalled one is cut off", arguments: Backends.all)
    func slowReaderKeepsTheFile(backend: BackendKind) async throws {
        let file = TemporaryFile(count: 16 << 20)
        defer { file.remove() }
        // All timeouts equal: a deadline moved earlier than an armed timer waits for that timer.
        let http = HTTPServerConfiguration(
            headerTimeout: .seconds(1), bodyTimeout: .seconds(1), keepAliveTimeout: .seconds(1), sendTimeout: .seconds(1))
        try await withServer(Self.pathsendApp(file), backend: backend, http: http) { (_: Server, port: Int) async throws in
            // About 3 s for the file at 512 KiB per 100 ms: the app waits in one `send` for
            // longer than the send timeout, while the client keeps reading.
            let slow = try SmallWindowClient(port: port, receiveBuffer: 64 * 1024)
            slow.write(Array("GET /file HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            let (head, body) = await slow.readResponseSlowly(bodyCount: file.content.count, piece: 512 << 10, pauseMilliseconds: 100)
            #expect(head.hasPrefix("HTTP/1.1 200"))
            expectSame(body, file.content)

            let stalled = try SmallWindowClient(port: port, receiveBuffer: 64 * 1024)
            stalled.write(Array("GET /file HTTP/1.1\r\nhost: x\r\n\r\n".utf8))
            try await Task.sleep(for: .milliseconds(100))
            #expect(await file.waitUntilClosed(), "a reader that reads nothing kept the file open")
            withExtendedLifetime(stalled) {}  // open (and not reading) until the server gave up
        }
    }
}

/// Expects `received` to equal `expected`, reporting sizes and the first difference (an
/// expectation on the arrays themselves would render megabytes into its message).
func expectSame(_ received: [UInt8], _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    let common = min(received.count, expected.count)
    let prefixSame = received.withUnsafeBytes { a in expected.withUnsafeBytes { b in common == 0 || memcmp(a.baseAddress!, b.baseAddress!, common) == 0 } }
    let same = prefixSame && received.count == expected.count
    #expect(same, "received \(received.count) bytes, expected \(expected.count); the common prefix \(prefixSame ? "matches" : "differs")",
            sourceLocation: sourceLocation)
}

func expectSame(_ received: [UInt8], _ expected: ArraySlice<UInt8>, sourceLocation: SourceLocation = #_sourceLocation) {
    expectSame(received, Array(expected), sourceLocation: sourceLocation)
}

/// A blocking TCP client whose receive buffer is fixed before it connects (which also turns
/// off the kernel's receive-buffer autotuning), to read as slowly as a distant client. Its
/// slow reads run on a thread of their own, so busy test tasks cannot stall them.
final class SmallWindowClient: Sendable {
    private let fd: Int32

    init(port: Int, receiveBuffer: Int32) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var size = receiveBuffer
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "connect failed: errno \(errno)")
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads a response head and a `bodyCount`-byte body, `piece` bytes at a time with a pause
    /// after each; stops early at EOF, an error or the 10 s receive timeout.
    func readResponseSlowly(bodyCount: Int, piece: Int, pauseMilliseconds: UInt32) async -> (head: String, body: [UInt8]) {
        await withCheckedContinuation { continuation in
            Thread {
                var received: [UInt8] = []
                var bodyStart: Int?
                while received.count < (bodyStart ?? Int.max - bodyCount) + bodyCount {
                    let wanted = bodyStart.map { min(piece, $0 + bodyCount - received.count) } ?? piece
                    let chunk = self.read(upTo: wanted)
                    guard !chunk.isEmpty else { break }
                    received += chunk
                    if bodyStart == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound { bodyStart = end }
                    usleep(pauseMilliseconds * 1000)
                }
                let start = bodyStart ?? received.count
                continuation.resume(returning: (String(decoding: received[..<start], as: UTF8.self), Array(received[start...])))
            }.start()
        }
    }

    /// Up to `count` bytes: blocks until that many arrived, EOF, or the receive timeout.
    private func read(upTo count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            filled += got
        }
        return Array(bytes[..<filled])
    }
}
