#if os(Linux)
import Glibc
@testable import RingwayRuntime
import Testing

extension BackendDrivingTests {
    /// The `IOBackend` completion contract, checked against each Linux backend on loopback
    /// sockets. Each test creates its backend and polls it on the test function's own thread
    /// (synchronous bodies never hop threads), as io_uring's SINGLE_ISSUER requires.
    @Suite("IOBackend contract", .timeLimit(.minutes(1)))
    struct BackendContractTests {
        typealias Harness = RuntimeTestIO.BackendHarness

        static let backends = BackendKind.concrete

        @Test("backend reports its kind", arguments: backends)
        func reportsKind(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            #expect(harness.backend.kind == kind)
        }

        @Test("startAccepting delivers a connected fd", arguments: backends)
        func acceptDeliversConnection(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            #expect(server >= 0)
            #expect(harness.sink.acceptEnds(harness.acceptToken).isEmpty)

            // The accepted fd is the server side of this very client: its peer is the client.
            var clientAddress = sockaddr_in()
            var peerAddress = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &clientAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &length) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let peer = withUnsafeMutablePointer(to: &peerAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(server, $0, &length) }
            }
            #expect(peer == 0)
            #expect(peerAddress.sin_port == clientAddress.sin_port)

            // Accepted sockets are non-blocking, as the loop relies on.
            #expect(fcntl(server, F_GETFL) & O_NONBLOCK != 0)

            // Multishot: a second client is accepted without re-arming.
            let (second, _) = try harness.openConnection()
            #expect(second >= 0 && second != server)
            #expect(harness.sink.accepted(harness.acceptToken).count == 2)
        }

        @Test("startReceiving delivers exactly the bytes written", arguments: backends)
        func receiveDeliversBytes(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 7
            harness.backend.startReceiving(fd: server, token: token)

            let first = Array("GET / HTTP/1.1\r\nHost: ringway\r\n\r\n".utf8)
            #expect(RuntimeTestIO.writeAll(client, first))
            #expect(try harness.pollUntil { $0.received(token).count >= first.count })
            #expect(harness.sink.received(token) == first)

            let second = RuntimeTestIO.pattern(count: 10_000, seed: 3)
            #expect(RuntimeTestIO.writeAll(client, second))
            #expect(try harness.pollUntil { $0.received(token).count >= first.count + second.count })
            #expect(harness.sink.received(token) == first + second)
            #expect(harness.sink.receiveSizes(token).allSatisfy { $0 > 0 })
            #expect(harness.sink.receiveEnds(token).isEmpty)
        }

        @Test("a gather send of 1 MiB arrives complete and in order", arguments: backends)
        func gatherSendOfOneMebibyte(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            try checkGatherSendOfOneMebibyte(harness)
        }

        /// SENDMSG_ZC completes a send only at its notification, once: the first send on a
        /// loopback socket goes zero-copy, the kernel reports it copied, and the later sends
        /// of the same loop fall back to SENDMSG — all of them arrive complete and in order.
        @Test("io_uring with zero-copy sends: a gather send of 1 MiB arrives complete and in order")
        func zeroCopyGatherSend() throws {
            let harness = try Harness(.ioUring) { () throws(BackendError) -> any IOBackend in
                try IOURingBackend(zeroCopyThreshold: 1)
            }
            defer { harness.close() }
            let backend = try #require(harness.backend as? IOURingBackend)
            let first = try checkGatherSendOfOneMebibyte(harness)
            // The kernel said it copied (loopback always does): this socket now sends plainly.
            #expect(backend.zeroCopyCopied.contains(first))
            // A second connection starts zero-copy again (the fallback is per socket).
            let second = try checkGatherSendOfOneMebibyte(harness)
            #expect(backend.zeroCopyCopied.contains(second))
        }

        /// Sends 1 MiB from a new connection's server socket and checks what arrives; returns that socket.
        @discardableResult
        private func checkGatherSendOfOneMebibyte(_ harness: Harness) throws -> Int32 {
            let (server, client) = try harness.openConnection()
            let token: IOToken = 9

            let sizes = [1_000, 700_000, 347_576]
            let total = sizes.reduce(0, +)
            #expect(total == 1 << 20)
            let expected = RuntimeTestIO.pattern(count: total, seed: 11)
            // Three separately allocated parts, so the gather really crosses buffers.
            var parts: [UnsafeMutableRawBufferPointer] = []
            var offset = 0
            for size in sizes {
                let part = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
                part.copyBytes(from: expected[offset..<(offset + size)])
                parts.append(part)
                offset += size
            }
            let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: sizes.count)
            let message = UnsafeMutablePointer<msghdr>.allocate(capacity: 1)
            defer {
                for part in parts { part.deallocate() }
                iovecs.deallocate()
                message.deallocate()
            }

            let drain = RuntimeTestThread { RuntimeTestIO.read(client, count: total) }

            var sent = 0
            var submissions = 0
            let initial = harness.sink.sends(token).count
            let deadline = RuntimeTestIO.nowNanoseconds() + 20_000_000_000
            while sent < total, RuntimeTestIO.nowNanoseconds() < deadline {
                // The iovecs of what is left: skip whole parts already sent, trim the first.
                var skip = sent
                var count = 0
                for part in parts {
                    if skip >= part.count {
                        skip -= part.count
                        continue
                    }
                    iovecs[count] = iovec(iov_base: part.baseAddress! + skip, iov_len: part.count - skip)
                    skip = 0
                    count += 1
                }
                message.pointee = msghdr()
                message.pointee.msg_iov = iovecs
                message.pointee.msg_iovlen = count
                let before = harness.sink.sends(token).count
                harness.backend.send(fd: server, message: message, token: token)
                submissions += 1
                let completed = try harness.pollUntil { $0.sends(token).count > before }
                try #require(completed, "no sendCompleted after \(sent) of \(total) bytes")
                let result = harness.sink.sends(token)[before]
                try #require(result > 0, "send failed after \(sent) bytes: \(result)")
                try #require(result <= total - sent, "send reported \(result) bytes of \(total - sent) asked")
                sent += result
            }
            #expect(sent == total)
            // Exactly one completion per submission.
            #expect(harness.sink.sends(token).count - initial == submissions)

            let received = drain.join()
            #expect(received.count == total)
            #expect(received == expected, "the client received different bytes than were sent")
            return server
        }

        /// Writes to nonblocking `fd` until both its send buffer and the (not reading) peer's
        /// receive buffer are full, so no room appears by itself; returns the bytes it took.
        private static func fill(_ fd: Int32, peer: Int32) -> Int {
            var small: Int32 = 16 * 1024  // small buffers fill (and drain) quickly
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            let block = [UInt8](repeating: 0x5A, count: 64 * 1024)
            var total = 0
            var quietRounds = 0
            // After EAGAIN the kernel still moves bytes to the peer: full once a pause frees nothing.
            while quietRounds < 3 {
                let sent = block.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                if sent > 0 {
                    total += sent
                    quietRounds = 0
                } else if sent < 0 && errno == EINTR {
                    continue
                } else {
                    quietRounds += 1
                    RuntimeTestIO.sleepMilliseconds(20)
                }
            }
            return total
        }

        /// An unlinked temporary file holding `bytes`; the caller closes it.
        static func temporaryFile(_ bytes: [UInt8]) throws -> Int32 {
            var template = Array("/tmp/ringway-sendfile-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            try #require(fd >= 0)
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            try #require(written == bytes.count)
            return fd
        }

        @Test("sendFile sends the region from its offset, waiting for room when the socket is full", arguments: backends)
        func sendFileWaitsForRoom(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let content = RuntimeTestIO.pattern(count: 200_000)
            let file = try Self.temporaryFile(content)
            defer { Glibc.close(file) }
            let token: IOToken = 71
            let queued = Self.fill(server, peer: client)
            #expect(queued > 0)

            harness.backend.sendFile(fd: server, file: file, offset: 1000, count: 150_000, token: token)
            try harness.pollQuietly()
            #expect(harness.sink.sends(token).isEmpty, "a file send completed while the buffer was still full")

            #expect(RuntimeTestIO.read(client, count: queued).count == queued)
            #expect(try harness.pollUntil { !$0.sends(token).isEmpty })
            let sent = harness.sink.sends(token)
            #expect(sent.count == 1)
            let count = sent.first ?? 0
            #expect(count > 0 && count <= 150_000)
            #expect(RuntimeTestIO.read(client, count: count) == Array(content[1000..<(1000 + max(count, 0))]))
            // One completion per send, although the socket stays writable.
            try harness.pollQuietly()
            #expect(harness.sink.sends(token).count == 1)
        }

        @Test("sendFile reports 0 when the file ends before the region", arguments: backends)
        func sendFileReportsEndOfFile(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, _) = try harness.openConnection()
            let file = try Self.temporaryFile(RuntimeTestIO.pattern(count: 100))
            defer { Glibc.close(file) }
            let token: IOToken = 73
            harness.backend.sendFile(fd: server, file: file, offset: 100, count: 10, token: token)
            #expect(try harness.pollUntil { !$0.sends(token).isEmpty })
            #expect(harness.sink.sends(token) == [0])
        }

        @Test("cancelSend ends a waiting file send with ECANCELED, once", arguments: backends)
        func cancelSendFileReportsCanceled(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let file = try Self.temporaryFile(RuntimeTestIO.pattern(count: 4096))
            defer { Glibc.close(file) }
            let token: IOToken = 72
            let queued = Self.fill(server, peer: client)
            harness.backend.sendFile(fd: server, file: file, offset: 0, count: 4096, token: token)
            try harness.pollQuietly(rounds: 2)
            harness.backend.cancelSend(fd: server, token: token)
            #expect(try harness.pollUntil { !$0.sends(token).isEmpty })
            #expect(harness.sink.sends(token) == [-Int(ECANCELED)])

            // Room appearing afterwards reports nothing more and sends nothing of the file.
            #expect(RuntimeTestIO.read(client, count: queued).count == queued)
            try harness.pollQuietly()
            #expect(harness.sink.sends(token) == [-Int(ECANCELED)])
        }

        @Test("shutdownWrite sends a FIN after the bytes sent before it", arguments: backends)
        func shutdownWriteSendsFIN(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let bytes: [UInt8] = Array("last words".utf8)
            #expect(bytes.withUnsafeBytes { Glibc.send(server, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count)
            harness.backend.shutdownWrite(fd: server)
            try harness.pollQuietly(rounds: 1)
            // `read` stops at EOF: asking for more than was sent returns exactly what was sent.
            #expect(RuntimeTestIO.read(client, count: bytes.count + 1) == bytes)
        }

        @Test("stopReceiving ends the receive with ECANCELED and loses no data", arguments: backends)
        func stopReceivingReportsCanceled(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 21
            harness.backend.startReceiving(fd: server, token: token)
            #expect(RuntimeTestIO.writeAll(client, Array("before".utf8)))
            #expect(try harness.pollUntil { $0.received(token).count >= 6 })

            harness.backend.stopReceiving(fd: server, token: token)
            #expect(try harness.pollUntil { !$0.receiveEnds(token).isEmpty })
            #expect(harness.sink.receiveEnds(token) == [ECANCELED])

            // Nothing more for the stopped token, even when bytes arrive.
            #expect(RuntimeTestIO.writeAll(client, Array("after".utf8)))
            try harness.pollQuietly()
            #expect(harness.sink.received(token) == Array("before".utf8))
            #expect(harness.sink.receiveEnds(token) == [ECANCELED])

            // The bytes stayed in the socket: receiving again (new token) delivers them.
            let again: IOToken = 22
            harness.backend.startReceiving(fd: server, token: again)
            #expect(try harness.pollUntil { $0.received(again).count >= 5 })
            #expect(harness.sink.received(again) == Array("after".utf8))
            #expect(harness.sink.receiveEnds(token) == [ECANCELED])
        }

        @Test("peer close ends the receive with 0, once", arguments: backends)
        func peerCloseReportsEndOfStream(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 31
            harness.backend.startReceiving(fd: server, token: token)
            #expect(RuntimeTestIO.writeAll(client, Array("last words".utf8)))
            harness.closeClient(client)

            #expect(try harness.pollUntil { !$0.receiveEnds(token).isEmpty })
            // The bytes sent before the FIN come first, then the end of stream.
            #expect(harness.sink.received(token) == Array("last words".utf8))
            #expect(harness.sink.receiveEnds(token) == [0])
            if case .receiveEnded = harness.sink.events.last {} else {
                Issue.record("receiveEnded was not the last event: \(harness.sink.events)")
            }
            try harness.pollQuietly()
            #expect(harness.sink.receiveEnds(token) == [0], "receiveEnded must be reported once")
        }

        /// IOBackend.stopReceiving: "receiveEnded(ECANCELED) follows unless receiving had already ended".
        @Test("stopReceiving after the stream ended reports nothing more", arguments: backends)
        func stopReceivingAfterEndIsSilent(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 41
            harness.backend.startReceiving(fd: server, token: token)
            harness.closeClient(client)
            #expect(try harness.pollUntil { !$0.receiveEnds(token).isEmpty })
            #expect(harness.sink.receiveEnds(token) == [0])

            harness.backend.stopReceiving(fd: server, token: token)
            try harness.pollQuietly()
            #expect(harness.sink.receiveEnds(token) == [0], "a second receiveEnded after the stream had ended")
        }

        @Test("makeWaker().wake() from another thread interrupts poll(nil)", arguments: backends)
        func wakerInterruptsBlockingPoll(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            // A receiving connection lets a watchdog end a poll that the wake failed to end, so
            // a broken waker fails the test instead of hanging it.
            let (server, client) = try harness.openConnection()
            let token: IOToken = 51
            harness.backend.startReceiving(fd: server, token: token)
            try harness.pollQuietly(rounds: 2)
            let waker = harness.backend.makeWaker()

            // 1. A wake while poll is blocked.
            do {
                let eventsBefore = harness.sink.events.count
                let returned = RuntimeTestIO.Flag()
                let wakeThread = RuntimeTestThread { () -> Bool in
                    RuntimeTestIO.sleepMilliseconds(50)  // lets the test thread enter poll first
                    waker.wake()
                    return true
                }
                let watchdog = Self.watchdog(client: client, returned: returned)
                try harness.poll(timeoutNanoseconds: nil)
                returned.set()
                _ = wakeThread.join()
                #expect(watchdog.join() == false, "poll(nil) did not return after wake(); the watchdog ended it")
                #expect(harness.sink.events.count == eventsBefore, "a wake is not a completion: \(harness.sink.events)")
            }

            // 2. A wake that happened before poll is not lost: the next poll(nil) returns.
            do {
                let eventsBefore = harness.sink.events.count
                let returned = RuntimeTestIO.Flag()
                _ = RuntimeTestThread { () -> Bool in
                    waker.wake()
                    return true
                }.join()
                let watchdog = Self.watchdog(client: client, returned: returned)
                try harness.poll(timeoutNanoseconds: nil)
                returned.set()
                #expect(watchdog.join() == false, "a wake before poll(nil) was lost; the watchdog ended the poll")
                #expect(harness.sink.events.count == eventsBefore)
            }

            // 3. Several wakes collapse: afterwards poll with a timeout is idle again.
            for _ in 0..<3 { waker.wake() }
            try harness.pollQuietly(rounds: 3)
            let eventsBefore = harness.sink.events.count
            try harness.poll(timeoutNanoseconds: 10_000_000)
            #expect(harness.sink.events.count == eventsBefore)
        }

        /// Writes one byte on `client` unless `returned` is set within the bound; returns whether it fired.
        private static func watchdog(client: Int32, returned: RuntimeTestIO.Flag) -> RuntimeTestThread<Bool> {
            RuntimeTestThread { () -> Bool in
                if RuntimeTestIO.waitUntil({ returned.isSet }) { return false }
                RuntimeTestIO.writeAll(client, [0x21])
                return true
            }
        }

        @Test("stopAccepting ends accepting", arguments: backends)
        func stopAcceptingReportsAcceptEnded(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            _ = try harness.openConnection()
            let token = harness.acceptToken
            harness.backend.stopAccepting(fd: harness.listenerFD, token: token)
            #expect(try harness.pollUntil { !$0.acceptEnds(token).isEmpty })
            #expect(harness.sink.acceptEnds(token) == [ECANCELED])

            // A client connecting afterwards (it lands in the backlog) is not accepted.
            _ = try harness.connectClient()
            try harness.pollQuietly()
            #expect(harness.sink.accepted(token).count == 1)
            #expect(harness.sink.acceptEnds(token) == [ECANCELED])
        }

        @Test("poll with a timeout returns with no completions when nothing happens", arguments: backends)
        func idlePollReturnsEmpty(kind: BackendKind) throws {
            let harness = try Harness(kind)
            defer { harness.close() }
            // Nothing registered at all.
            try harness.poll(timeoutNanoseconds: 0)
            try harness.poll(timeoutNanoseconds: 20_000_000)
            #expect(harness.sink.events.isEmpty)

            // Accepting and receiving, but no traffic.
            let (server, _) = try harness.openConnection()
            harness.backend.startReceiving(fd: server, token: 61)
            try harness.poll(timeoutNanoseconds: 0)
            let eventsBefore = harness.sink.events.count
            for _ in 0..<3 { try harness.poll(timeoutNanoseconds: 20_000_000) }
            try harness.poll(timeoutNanoseconds: 0)
            #expect(harness.sink.events.count == eventsBefore, "unexpected: \(harness.sink.events.dropFirst(eventsBefore))")
        }
    }
}
#endif
