import Dispatch
import Synchronization
import Testing
@testable import RingwayRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives `DispatchBackend` directly against real loopback sockets, as an event loop would:
/// every backend call happens on the test's thread; only the peer client runs elsewhere.
@Suite(.serialized)
struct DispatchBackendTests {
    // MARK: Tests

    @Test func acceptsAndReceivesExactBytes() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, Array("hello, ringway".utf8))
        try harness.pollUntil { $0.received(2).count == 14 }
        #expect(harness.sink.received(2) == Array("hello, ringway".utf8))
        harness.backend.close(fd: server)
    }

    @Test func deliversLargeInboundStreamIntact() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        harness.backend.startReceiving(fd: server, token: 2)
        let payload = DispatchTestIO.pattern(count: 700_000, seed: 7)
        let writer = DispatchTestIO.runDetached { try? DispatchTestIO.writeAll(client, payload); DispatchTestIO.closeFD(client) }
        try harness.pollUntil { $0.ended(2) != nil }
        writer.wait()
        #expect(harness.sink.ended(2) == 0)
        #expect(harness.sink.received(2).elementsEqual(payload))
        #expect(harness.sink.largestReceive(2) <= 64 * 1024)
        harness.backend.close(fd: server)
    }

    @Test func sendsOneMebibyteGatherWithPartialCompletions() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        var small: Int32 = 32 * 1024
        _ = setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))

        let total = 1 << 20
        let payload = DispatchTestIO.pattern(count: total, seed: 3)
        let received = Mutex<[UInt8]>([])
        // The client starts reading late so that the server's buffer fills and a send waits
        // for the write source.
        let reader = DispatchTestIO.runDetached {
            usleep(150_000)
            let bytes = DispatchTestIO.readExactly(client, count: total)
            received.withLock { $0 = bytes }
        }

        let gather = DispatchGatherMessage(payload: payload, maxIovecs: 16, chunk: 64 * 1024)
        defer { gather.release() }
        var offset = 0
        var completions: [Int] = []
        while offset < total {
            gather.prepare(from: offset)
            harness.backend.send(fd: server, message: gather.message, token: 2)
            let before = harness.sink.sendResults(2).count
            try harness.pollUntil { $0.sendResults(2).count > before }
            let result = harness.sink.sendResults(2).last!
            #expect(result > 0)
            guard result > 0 else { break }
            completions.append(result)
            offset += result
        }
        reader.wait()
        #expect(offset == total)
        #expect(completions.reduce(0, +) == total)
        #expect(completions.count > 1, "1 MiB over a 32 KiB send buffer completes in parts")
        #expect(received.withLock { $0 }.elementsEqual(payload))
        harness.backend.close(fd: server)
    }

    @Test func stopReceivingEndsWithECANCELEDAtNextPoll() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, [1, 2, 3])
        try harness.pollUntil { $0.received(2).count == 3 }
        harness.backend.stopReceiving(fd: server, token: 2)
        #expect(harness.sink.ended(2) == nil, "completions are never delivered re-entrantly")
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.ended(2) == ECANCELED)
        // Stopping again after it ended produces nothing more.
        harness.backend.stopReceiving(fd: server, token: 2)
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.endings(2) == [ECANCELED])
        harness.backend.close(fd: server)
    }

    @Test func pausedSocketWithDataDoesNotSpinAndResumes() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, [9])
        try harness.pollUntil { $0.received(2).count == 1 }
        harness.backend.stopReceiving(fd: server, token: 2)
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.ended(2) == ECANCELED)

        // Unread data on a paused socket: the loop sleeps the whole timeout (a source left
        // armed would fire and wake it; a suspended one costs nothing).
        try DispatchTestIO.writeAll(client, [10, 11, 12])
        let start = DispatchTime.now().uptimeNanoseconds
        try harness.backend.poll(timeoutNanoseconds: 300_000_000, sink: harness.sink)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        #expect(elapsed >= 250_000_000, "poll returned early after \(elapsed) ns")
        #expect(harness.sink.events.count == 3)

        harness.backend.startReceiving(fd: server, token: 5)
        try harness.pollUntil { $0.received(5).count == 3 }
        #expect(harness.sink.received(5) == [10, 11, 12])
        harness.backend.close(fd: server)
    }

    @Test func peerCloseEndsReceiveWithZero() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, [42])
        DispatchTestIO.closeFD(client)
        try harness.pollUntil { $0.ended(2) != nil }
        #expect(harness.sink.received(2) == [42])
        #expect(harness.sink.ended(2) == 0)
        harness.backend.close(fd: server)
    }

    @Test func peerResetEndsReceiveWithErrnoAndFailsSends() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        var abortive = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_LINGER, &abortive, socklen_t(MemoryLayout<linger>.size))
        DispatchTestIO.closeFD(client)
        harness.backend.startReceiving(fd: server, token: 2)
        try harness.pollUntil { $0.ended(2) != nil }
        #expect(harness.sink.ended(2) == ECONNRESET)

        let gather = DispatchGatherMessage(payload: [1, 2, 3], maxIovecs: 1, chunk: 3)
        defer { gather.release() }
        gather.prepare(from: 0)
        harness.backend.send(fd: server, message: gather.message, token: 2)
        try harness.pollUntil { !$0.sendResults(2).isEmpty }
        let result = harness.sink.sendResults(2)[0]
        #expect(result == -Int(EPIPE) || result == -Int(ECONNRESET), "got \(result) (no SIGPIPE either)")
        harness.backend.close(fd: server)
    }

    @Test func cancelSendOfPendingSendYieldsECANCELED() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        let payload = DispatchTestIO.pattern(count: 8 << 20, seed: 1)
        let gather = DispatchGatherMessage(payload: payload, maxIovecs: 8, chunk: 1 << 20)
        defer { gather.release() }
        var offset = 0
        var pending = false
        // Nobody reads: sends complete partially until one has to wait for room.
        while !pending && offset < payload.count {
            gather.prepare(from: offset)
            let before = harness.sink.sendResults(2).count
            harness.backend.send(fd: server, message: gather.message, token: 2)
            try harness.backend.poll(timeoutNanoseconds: 50_000_000, sink: harness.sink)
            if harness.sink.sendResults(2).count > before {
                offset += harness.sink.sendResults(2).last!
            } else {
                pending = true
            }
        }
        #expect(pending)
        let before = harness.sink.sendResults(2).count
        harness.backend.cancelSend(fd: server, token: 2)
        #expect(harness.sink.sendResults(2).count == before, "not re-entrant")
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.sendResults(2).last == -Int(ECANCELED))
        #expect(harness.sink.sendResults(2).count == before + 1)
        harness.backend.close(fd: server)
    }

    @Test func wakerInterruptsIndefinitePollFromAnotherThread() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let waker = harness.backend.makeWaker()
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { waker.wake() }
        try harness.backend.poll(timeoutNanoseconds: nil, sink: harness.sink)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        #expect(elapsed >= 80_000_000 && elapsed < 5_000_000_000, "woke after \(elapsed) ns")

        // A wake before the poll is not lost; a consumed wake does not cut the next poll short.
        waker.wake()
        waker.wake()
        try harness.backend.poll(timeoutNanoseconds: nil, sink: harness.sink)
        let second = DispatchTime.now().uptimeNanoseconds
        try harness.backend.poll(timeoutNanoseconds: 100_000_000, sink: harness.sink)
        #expect(DispatchTime.now().uptimeNanoseconds - second >= 90_000_000)
    }

    @Test func timeoutZeroDoesNotBlockAndTimeoutIsHonoured() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        var start = DispatchTime.now().uptimeNanoseconds
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(DispatchTime.now().uptimeNanoseconds - start < 500_000_000)
        start = DispatchTime.now().uptimeNanoseconds
        try harness.backend.poll(timeoutNanoseconds: 60_000_000, sink: harness.sink)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        #expect(elapsed >= 55_000_000 && elapsed < 1_000_000_000)
    }

    @Test func acceptsBacklogBeyondOneBatchAndStopsWithECANCELED() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        var clients: [Int32] = []
        defer { for client in clients { DispatchTestIO.closeFD(client) } }
        for _ in 0..<100 { clients.append(try DispatchTestIO.connectClient(port: harness.port)) }
        try harness.pollUntil { $0.accepted(1).count == 100 }
        for fd in harness.sink.accepted(1) {
            #expect(fd >= 0)
            #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            harness.backend.close(fd: fd)
        }
        harness.backend.stopAccepting(fd: harness.listener, token: 1)
        #expect(harness.sink.acceptEndings(1).isEmpty)
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.acceptEndings(1) == [ECANCELED])
        // No accepts after stopping, even with a connection waiting.
        clients.append(try DispatchTestIO.connectClient(port: harness.port))
        try harness.backend.poll(timeoutNanoseconds: 100_000_000, sink: harness.sink)
        #expect(harness.sink.accepted(1).count == 100)
    }

    @Test func closeClosesDescriptorAfterCancellingSources() throws {
        let harness = try DispatchHarness()
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, [1])
        try harness.pollUntil { $0.received(2) == [1] }
        // Readiness fired and not yet taken by a poll when the fd closes.
        try DispatchTestIO.writeAll(client, [2])
        usleep(50_000)
        harness.backend.close(fd: server)
        // `shutdown` waits for the cancel handlers, which close the fd: the peer sees it at
        // once (an RST rather than a FIN, as unread data was discarded).
        harness.finish()
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let result = read(client, &byte, 1)
        let code = errno
        #expect(result == 0 || (result < 0 && code == ECONNRESET), "read gave \(result), errno \(code)")
    }

    @Test func manyConnectionsInterleave() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        var pairs: [(client: Int32, server: Int32)] = []
        for index in 0..<40 {
            let pair = try harness.connectedPair()
            pairs.append(pair)
            harness.backend.startReceiving(fd: pair.server, token: IOToken(100 + index))
        }
        for (index, pair) in pairs.enumerated() { try DispatchTestIO.writeAll(pair.client, DispatchTestIO.pattern(count: 3000, seed: UInt8(index))) }
        try harness.pollUntil { sink in (0..<40).allSatisfy { sink.received(IOToken(100 + $0)).count == 3000 } }
        for (index, pair) in pairs.enumerated() {
            #expect(harness.sink.received(IOToken(100 + index)) == DispatchTestIO.pattern(count: 3000, seed: UInt8(index)))
            harness.backend.stopReceiving(fd: pair.server, token: IOToken(100 + index))
        }
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        for (index, pair) in pairs.enumerated() {
            #expect(harness.sink.ended(IOToken(100 + index)) == ECANCELED)
            harness.backend.close(fd: pair.server)
            DispatchTestIO.closeFD(pair.client)
        }
    }

    @Test func bidirectionalTrafficThenCloseWithBothSources() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client) }
        var small: Int32 = 128 * 1024
        _ = setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        // As Ringway's accepted sockets: without it Nagle meets delayed ACKs (40 ms stalls).
        var on: Int32 = 1
        _ = setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let outbound = DispatchTestIO.pattern(count: 2 << 20, seed: 11)
        let inbound = DispatchTestIO.pattern(count: 2 << 20, seed: 12)
        let clientReceived = Mutex<[UInt8]>([])
        let reader = DispatchTestIO.runDetached {
            let bytes = DispatchTestIO.readExactly(client, count: 2 << 20)
            clientReceived.withLock { $0 = bytes }
        }
        let writer = DispatchTestIO.runDetached { try? DispatchTestIO.writeAll(client, inbound) }
        harness.backend.startReceiving(fd: server, token: 2)
        let gather = DispatchGatherMessage(payload: outbound, maxIovecs: 4, chunk: 100_000)
        defer { gather.release() }
        var offset = 0
        var inFlight = false
        let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
        while offset < outbound.count || harness.sink.received(2).count < inbound.count {
            try #require(DispatchTime.now().uptimeNanoseconds < deadline)
            if !inFlight && offset < outbound.count {
                gather.prepare(from: offset)
                harness.backend.send(fd: server, message: gather.message, token: 2)
                inFlight = true
            }
            let before = harness.sink.sendResults(2).count
            try harness.backend.poll(timeoutNanoseconds: 100_000_000, sink: harness.sink)
            if harness.sink.sendResults(2).count > before {
                let result = harness.sink.sendResults(2).last!
                try #require(result > 0)
                offset += result
                inFlight = false
            }
        }
        reader.wait()
        writer.wait()
        #expect(clientReceived.withLock { $0 } == outbound)
        #expect(harness.sink.received(2) == inbound)
        // A last send that has to wait, then cancel and close with both sources alive.
        let blocker = DispatchGatherMessage(payload: DispatchTestIO.pattern(count: 4 << 20, seed: 2), maxIovecs: 1, chunk: 4 << 20)
        defer { blocker.release() }
        var pending = false
        var blockerOffset = 0
        while !pending {
            blocker.prepare(from: blockerOffset)
            let before = harness.sink.sendResults(2).count
            harness.backend.send(fd: server, message: blocker.message, token: 2)
            try harness.backend.poll(timeoutNanoseconds: 20_000_000, sink: harness.sink)
            if harness.sink.sendResults(2).count > before { blockerOffset += harness.sink.sendResults(2).last! } else { pending = true }
        }
        harness.backend.cancelSend(fd: server, token: 2)
        harness.backend.stopReceiving(fd: server, token: 2)
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        #expect(harness.sink.sendResults(2).last == -Int(ECANCELED))
        #expect(harness.sink.ended(2) == ECANCELED)
        harness.backend.close(fd: server)
    }

    @Test func shutdownStopsWatchingWithoutClosingOwnersDescriptors() throws {
        let harness = try DispatchHarness()
        let (client, server) = try harness.connectedPair()
        defer { DispatchTestIO.closeFD(client); DispatchTestIO.closeFD(server) }
        harness.backend.startReceiving(fd: server, token: 2)
        try DispatchTestIO.writeAll(client, [1, 2])
        usleep(20_000)
        harness.finish()
        #expect(fcntl(server, F_GETFD) != -1, "not closed: its owner never called close(fd:)")
        // The listener, closed through close(fd:), refuses connections once shutdown returned.
        #expect(throws: (any Error).self) { DispatchTestIO.closeFD(try DispatchTestIO.connectClient(port: harness.port)) }
    }

    @Test func wakesRacingTimeoutsLeaveNoStaleSignal() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let waker = harness.backend.makeWaker()
        let stop = Atomic<Bool>(false)
        let hammer = DispatchTestIO.runDetached {
            while !stop.load(ordering: .relaxed) { waker.wake(); usleep(50) }
        }
        for index in 0..<2000 {
            try harness.backend.poll(timeoutNanoseconds: Int64(index % 3) * 100_000, sink: harness.sink)
        }
        stop.store(true, ordering: .relaxed)
        hammer.wait()
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
        let start = DispatchTime.now().uptimeNanoseconds
        try harness.backend.poll(timeoutNanoseconds: 100_000_000, sink: harness.sink)
        #expect(DispatchTime.now().uptimeNanoseconds - start >= 90_000_000)
    }

    @Test func churnWithImmediateClosesAndConcurrentWakes() throws {
        let harness = try DispatchHarness()
        defer { harness.finish() }
        let waker = harness.backend.makeWaker()
        let stop = Atomic<Bool>(false)
        let hammer = DispatchTestIO.runDetached {
            while !stop.load(ordering: .relaxed) { waker.wake(); usleep(200) }
        }
        defer { stop.store(true, ordering: .relaxed); hammer.wait() }
        for round in 0..<300 {
            let (client, server) = try harness.connectedPair()
            let token = IOToken(1000 + round)
            harness.backend.startReceiving(fd: server, token: token)
            try DispatchTestIO.writeAll(client, [UInt8(truncatingIfNeeded: round)])
            switch round % 3 {
            case 0:
                // Close while its readiness may be recorded but not yet taken.
                harness.backend.close(fd: server)
            case 1:
                try harness.pollUntil { $0.received(token).count == 1 }
                harness.backend.stopReceiving(fd: server, token: token)
                harness.backend.close(fd: server)
            default:
                DispatchTestIO.closeFD(client)
                try harness.pollUntil { $0.ended(token) != nil }
                #expect(harness.sink.received(token) == [UInt8(truncatingIfNeeded: round)])
                #expect(harness.sink.ended(token) == 0)
                harness.backend.close(fd: server)
                continue
            }
            DispatchTestIO.closeFD(client)
        }
        try harness.backend.poll(timeoutNanoseconds: 0, sink: harness.sink)
    }
}

// MARK: - DispatchHarness

/// A backend, its recording sink and a listening socket on 127.0.0.1 (accepting, token 1).
private final class DispatchHarness {
    let backend: DispatchBackend
    let sink = DispatchRecordingSink()
    let listener: Int32
    let port: UInt16
    private var finished = false

    init() throws {
        backend = try DispatchBackend()
        (listener, port) = try DispatchTestIO.makeListener()
        backend.startAccepting(fd: listener, token: 1)
    }

    /// A connected client (blocking) and the server side the backend accepted.
    func connectedPair() throws -> (client: Int32, server: Int32) {
        let before = sink.accepted(1).count
        let client = try DispatchTestIO.connectClient(port: port)
        try pollUntil { $0.accepted(1).count > before }
        let server = sink.accepted(1)[before]
        try #require(server >= 0)
        return (client, server)
    }

    func pollUntil(timeoutSeconds: UInt64 = 10, _ condition: (DispatchRecordingSink) -> Bool) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + timeoutSeconds * 1_000_000_000
        while !condition(sink) {
            try #require(DispatchTime.now().uptimeNanoseconds < deadline, "condition not reached in time")
            try backend.poll(timeoutNanoseconds: 100_000_000, sink: sink)
        }
    }

    func finish() {
        guard !finished else { return }
        finished = true
        backend.close(fd: listener)
        backend.shutdown()
    }
}

/// Records every completion, copying received bytes (the view dies with the call).
private final class DispatchRecordingSink: CompletionSink {
    enum Event: Equatable {
        case accept(IOToken, Int32)
        case acceptEnded(IOToken, Int32)
        case receive(IOToken, [UInt8])
        case receiveEnded(IOToken, Int32)
        case sent(IOToken, Int)
    }

    private(set) var events: [Event] = []

    func acceptCompleted(token: IOToken, result: Int32) { events.append(.accept(token, result)) }
    func acceptEnded(token: IOToken, error: Int32) { events.append(.acceptEnded(token, error)) }
    func receiveCompleted(token: IOToken, bytes: UnsafeRawBufferPointer) { events.append(.receive(token, Array(bytes))) }
    func receiveEnded(token: IOToken, error: Int32) { events.append(.receiveEnded(token, error)) }
    func sendCompleted(token: IOToken, result: Int) { events.append(.sent(token, result)) }

    func accepted(_ token: IOToken) -> [Int32] {
        events.compactMap { if case .accept(token, let fd) = $0 { fd } else { nil } }
    }
    func acceptEndings(_ token: IOToken) -> [Int32] {
        events.compactMap { if case .acceptEnded(token, let error) = $0 { error } else { nil } }
    }
    func received(_ token: IOToken) -> [UInt8] {
        var bytes: [UInt8] = []
        for case .receive(token, let chunk) in events { bytes += chunk }
        return bytes
    }
    func largestReceive(_ token: IOToken) -> Int {
        events.map { if case .receive(token, let bytes) = $0 { bytes.count } else { 0 } }.max() ?? 0
    }
    func endings(_ token: IOToken) -> [Int32] {
        events.compactMap { if case .receiveEnded(token, let error) = $0 { error } else { nil } }
    }
    func ended(_ token: IOToken) -> Int32? { endings(token).first }
    func sendResults(_ token: IOToken) -> [Int] {
        events.compactMap { if case .sent(token, let result) = $0 { result } else { nil } }
    }
}

/// A `msghdr` over `payload`, re-pointed at the unsent remainder before each submission.
/// Invariant: `storage`, `iovecs` and `message` live until `release()`, after the last send.
private final class DispatchGatherMessage {
    let message: UnsafeMutablePointer<msghdr>
    private let iovecs: UnsafeMutablePointer<iovec>
    private let storage: UnsafeMutableRawBufferPointer
    private let maxIovecs: Int
    private let chunk: Int

    init(payload: [UInt8], maxIovecs: Int, chunk: Int) {
        storage = .allocate(byteCount: payload.count, alignment: 16)
        storage.copyBytes(from: payload)
        iovecs = .allocate(capacity: maxIovecs)
        message = .allocate(capacity: 1)
        message.initialize(to: msghdr())
        message.pointee.msg_iov = iovecs
        self.maxIovecs = maxIovecs
        self.chunk = chunk
    }

    func prepare(from offset: Int) {
        var position = offset
        var count = 0
        while count < maxIovecs && position < storage.count {
            let length = min(chunk - position % chunk, storage.count - position)
            iovecs[count] = iovec(iov_base: storage.baseAddress! + position, iov_len: length)
            position += length
            count += 1
        }
        message.pointee.msg_iovlen = numericCast(count)
    }

    func release() {
        message.deallocate()
        iovecs.deallocate()
        storage.deallocate()
    }
}

// MARK: - Sockets

private struct DispatchSocketFailure: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// Blocking loopback sockets and small utilities for the peer side of the tests.
private enum DispatchTestIO {
    #if canImport(Glibc)
    // Close-on-exec: tests spawn processes in parallel, which must not inherit these sockets.
    static let streamType = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A non-blocking listening socket on 127.0.0.1 and its port.
    static func makeListener() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw DispatchSocketFailure(operation: "socket", code: errno) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw DispatchSocketFailure(operation: "bind", code: errno) }
        guard listen(fd, 256) == 0 else { throw DispatchSocketFailure(operation: "listen", code: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A blocking client connected to 127.0.0.1:`port`.
    static func connectClient(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw DispatchSocketFailure(operation: "socket", code: errno) }
        #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw DispatchSocketFailure(operation: "connect", code: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { throw DispatchSocketFailure(operation: "write", code: errno) }
            offset += written
        }
    }

    /// Reads until `count` bytes or end of stream (blocking).
    static func readExactly(_ fd: Int32, count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let wanted = min(buffer.count, count - result.count)
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if got <= 0 { break }
            result.append(contentsOf: buffer[..<got])
        }
        return result
    }

    @discardableResult
    static func closeFD(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    static func pattern(count: Int, seed: UInt8) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) &+ seed }
        return bytes
    }

    /// Runs `body` on a queue of its own; `wait()` on the result blocks until it finished.
    /// Never the global queue: its threads are the ones the (blocked) test itself runs on.
    static func runDetached(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "ringway.test.detached").async {
            body()
            done.signal()
        }
        return done
    }
}
