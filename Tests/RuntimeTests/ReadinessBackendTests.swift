#if os(Linux)
import Glibc
@testable import RingwayRuntime
import Testing

/// The shared readiness emulation driven by a scripted waiter: the test says which fd is
/// ready for what, so interest, the syscalls, queued completions and the hang-up rule are
/// checked without epoll or Dispatch (on real sockets: a Unix socket pair).
@Suite("Readiness emulation", .timeLimit(.minutes(1)))
struct ReadinessBackendTests {
    /// Reports exactly the readiness the test scripts; records what it is asked to watch.
    final class ScriptedWaiter: ReadinessWaiter {
        static var kind: BackendKind { .epoll }
        private(set) var watched: [Int32: ReadinessEvents] = [:]
        private(set) var watchCalls = 0
        var ready: [(Int32, ReadinessEvents)] = []
        private(set) var moreWaiting: [Bool] = []

        func watch(fd: Int32, events: ReadinessEvents) {
            watched[fd] = events
            watchCalls += 1
        }
        func close(fd: Int32) {
            watched[fd] = nil
            _ = Glibc.close(fd)
        }
        func wait(timeoutNanoseconds: Int64?, ready body: (Int32, ReadinessEvents) -> Bool) throws(BackendError) {
            let batch = ready
            ready = []
            for (fd, events) in batch { moreWaiting.append(body(fd, events)) }
        }
        func makeWaker() -> any LoopWaker { NoWaker() }
        func shutdown() {}

        struct NoWaker: LoopWaker { func wake() {} }
    }

    typealias Backend = ReadinessBackend<ScriptedWaiter>

    /// A nonblocking connected Unix stream pair, close-on-exec (tests spawn processes in parallel).
    static func socketPair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0)
        return (fds[0], fds[1])
    }

    /// Writes to `fd` until its buffer is full; returns how many bytes went in.
    static func fill(_ fd: Int32) -> Int {
        let block = [UInt8](repeating: 7, count: 64 * 1024)
        var total = 0
        while true {
            let sent = block.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return total }
            total += sent
        }
    }

    /// Reads everything `fd` has now.
    static func drain(_ fd: Int32) -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return total }
            total += got
        }
    }

    /// A one-buffer message over `bytes`; the caller keeps both alive and deallocates.
    static func message(_ bytes: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<msghdr> {
        let vector = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
        vector.initialize(to: iovec(iov_base: bytes.baseAddress, iov_len: bytes.count))
        let message = UnsafeMutablePointer<msghdr>.allocate(capacity: 1)
        message.initialize(to: msghdr())
        message.pointee.msg_iov = vector
        message.pointee.msg_iovlen = 1
        return message
    }

    @Test("a receive is watched while wanted, gets one recv per readiness, and ends at EOF")
    func receiveLifecycle() throws {
        let waiter = ScriptedWaiter()
        let backend = Backend(waiter: waiter)
        defer { backend.shutdown() }
        let sink = RuntimeTestIO.RecordingSink()
        let (server, client) = try Self.socketPair()
        defer { backend.close(fd: server) }

        backend.startReceiving(fd: server, token: 1)
        #expect(waiter.watched[server] == .readable)
        let bytes: [UInt8] = Array("hello".utf8)
        #expect(bytes.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, 0) } == bytes.count)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.received(1).isEmpty, "received without being reported ready")

        waiter.ready = [(server, .readable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.received(1) == bytes)
        #expect(waiter.moreWaiting == [false])

        shutdown(client, Int32(SHUT_RDWR))  // see hangUpEndsWaitingSend
        Glibc.close(client)
        waiter.ready = [(server, .readable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.receiveEnds(1) == [0])
        #expect(waiter.watched[server] == [])
        // Ended: a stop reports nothing more.
        backend.stopReceiving(fd: server, token: 1)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.receiveEnds(1) == [0])
    }

    @Test("a send that finds the buffer full waits for writable, then completes once")
    func sendWaitsForWritable() throws {
        let waiter = ScriptedWaiter()
        let backend = Backend(waiter: waiter)
        defer { backend.shutdown() }
        let sink = RuntimeTestIO.RecordingSink()
        let (server, client) = try Self.socketPair()
        defer {
            backend.close(fd: server)
            Glibc.close(client)
        }
        #expect(Self.fill(server) > 0)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 1000, alignment: 1)
        bytes.initializeMemory(as: UInt8.self, repeating: 1)
        let message = Self.message(bytes)
        defer {
            message.pointee.msg_iov.deallocate()
            message.deallocate()
            bytes.deallocate()
        }

        backend.send(fd: server, message: message, token: 2)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(2).isEmpty)
        #expect(waiter.watched[server] == .writable)

        _ = Self.drain(client)
        waiter.ready = [(server, .writable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(2) == [1000])
        #expect(waiter.watched[server] == [])
        waiter.ready = [(server, .writable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(2) == [1000])
    }

    @Test("cancelSend ends a waiting send with ECANCELED and stops watching for room")
    func cancelWaitingSend() throws {
        let waiter = ScriptedWaiter()
        let backend = Backend(waiter: waiter)
        defer { backend.shutdown() }
        let sink = RuntimeTestIO.RecordingSink()
        let (server, client) = try Self.socketPair()
        defer {
            backend.close(fd: server)
            Glibc.close(client)
        }
        #expect(Self.fill(server) > 0)
        let file = try BackendDrivingTests.BackendContractTests.temporaryFile([UInt8](repeating: 3, count: 100))
        defer { Glibc.close(file) }
        backend.sendFile(fd: server, file: file, offset: 0, count: 100, token: 3)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(waiter.watched[server] == .writable)
        backend.cancelSend(fd: server, token: 3)
        #expect(waiter.watched[server] == [])
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(3) == [-Int(ECANCELED)])
    }

    @Test("a peer that hangs up ends a waiting send when its receive ends, with no writable event")
    func hangUpEndsWaitingSend() throws {
        // sendfile(2) to a hung-up socket raises SIGPIPE: blocked, as on every loop thread
        // (a synchronous test body stays on its thread).
        FileTransfer.blockBrokenPipeSignal()
        let waiter = ScriptedWaiter()
        let backend = Backend(waiter: waiter)
        defer { backend.shutdown() }
        let sink = RuntimeTestIO.RecordingSink()
        let (server, client) = try Self.socketPair()
        defer { backend.close(fd: server) }
        #expect(Self.fill(server) > 0)
        let file = try BackendDrivingTests.BackendContractTests.temporaryFile([UInt8](repeating: 3, count: 100))
        defer { Glibc.close(file) }

        backend.startReceiving(fd: server, token: 4)
        backend.sendFile(fd: server, file: file, offset: 0, count: 100, token: 4)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(4).isEmpty)
        // shutdown first: a process another test spawns at this moment holds a copy of the
        // descriptor until it execs, and then close alone would not hang up yet.
        shutdown(client, Int32(SHUT_RDWR))
        Glibc.close(client)
        // Only the read side is reported, as libdispatch does after a hang-up.
        waiter.ready = [(server, .readable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.receiveEnds(4).count == 1)
        let sends = sink.sends(4)
        #expect(sends.count == 1)
        #expect(sends.allSatisfy { $0 < 0 })
        // A later send that finds the buffer full fails at once instead of waiting.
        backend.sendFile(fd: server, file: file, offset: 0, count: 100, token: 5)
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.sends(5).count == 1 && sink.sends(5).allSatisfy { $0 < 0 })
    }

    @Test("accepting on a socket that cannot accept ends accepting with its errno")
    func acceptOnNonListenerEnds() throws {
        let waiter = ScriptedWaiter()
        let backend = Backend(waiter: waiter)
        defer { backend.shutdown() }
        let sink = RuntimeTestIO.RecordingSink()
        let (server, client) = try Self.socketPair()
        defer {
            backend.close(fd: server)
            Glibc.close(client)
        }
        backend.startAccepting(fd: server, token: 6)
        #expect(waiter.watched[server] == .readable)
        waiter.ready = [(server, .readable)]
        try backend.poll(timeoutNanoseconds: 0, sink: sink)
        #expect(sink.acceptEnds(6) == [EINVAL])
        #expect(sink.accepted(6).isEmpty)
        #expect(waiter.watched[server] == [])
    }

    @Test("accept errors: one policy for every readiness mechanism")
    func acceptErrorPolicy() {
        for code in [ECONNABORTED, EINTR, EPROTO, EPERM, ENETDOWN, ENONET, EHOSTUNREACH] {
            #expect(AcceptErrorPolicy(errno: code) == .skip, "\(errnoName(code))")
        }
        #expect(AcceptErrorPolicy(errno: EAGAIN) == .batchDone)
        for code in [EMFILE, ENFILE, ENOBUFS, ENOMEM] {
            #expect(AcceptErrorPolicy(errno: code) == .backOff, "\(errnoName(code))")
        }
        for code in [EBADF, EINVAL, ENOTSOCK, EOPNOTSUPP] {
            #expect(AcceptErrorPolicy(errno: code) == .ended, "\(errnoName(code))")
        }
        #expect(AcceptErrorPolicy(errno: EFAULT) == .report)
    }
}
#endif
