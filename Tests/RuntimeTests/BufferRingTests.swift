#if os(Linux)
import Glibc
@testable import RingwayRuntime
import Testing

extension BackendDrivingTests {
    /// The io_uring provided-buffer ring running dry: a multishot receive that finds no free
    /// buffer ends with -ENOBUFS; the backend must re-arm it once buffers are back, invisibly
    /// to the sink.
    @Suite("io_uring provided-buffer ring", .timeLimit(.minutes(1)))
    struct BufferRingTests {
        static let bufferCount: UInt32 = 2
        static let bufferSize = 16

        /// Both ways the kernel may hand buffers out: incrementally (Linux 6.12) and one per completion.
        static let modes = [true, false]

        private func makeHarness(incremental: Bool) throws -> RuntimeTestIO.BackendHarness {
            let harness = try RuntimeTestIO.BackendHarness(.ioUring) { () throws(BackendError) -> any IOBackend in
                try IOURingBackend(bufferCount: Self.bufferCount, bufferSize: Self.bufferSize, incrementalBuffers: incremental)
            }
            if incremental, let backend = harness.backend as? IOURingBackend, !backend.incrementalBuffers {
                harness.close()
                try Test.cancel("this kernel has no incremental buffer consumption (Linux 6.12)")
            }
            return harness
        }

        @Test("4096 bytes through a 2×16-byte ring arrive complete, in order, with no receiveEnded", arguments: modes)
        func exhaustedRingIsRearmed(incremental: Bool) throws {
            let harness = try makeHarness(incremental: incremental)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 5
            let payload = RuntimeTestIO.pattern(count: 4096, seed: 77)

            // All 4096 bytes are queued before the receive is armed: the first submission
            // fills both buffers and runs out at once.
            #expect(RuntimeTestIO.writeAll(client, payload))
            harness.backend.startReceiving(fd: server, token: token)

            let complete = try harness.pollUntil { $0.received(token).count >= payload.count || !$0.receiveEnds(token).isEmpty }
            #expect(complete)
            #expect(harness.sink.receiveEnds(token).isEmpty, "the ENOBUFS stop was reported as receiveEnded")
            #expect(harness.sink.received(token).count == payload.count)
            #expect(harness.sink.received(token).elementsEqual(payload), "bytes lost, duplicated or reordered across re-arms")
            // Every completion fits one provided buffer.
            let sizes = harness.sink.receiveSizes(token)
            #expect(sizes.allSatisfy { $0 > 0 && $0 <= Self.bufferSize })
            #expect(sizes.count >= payload.count / Self.bufferSize)

            // The receive is still live: more bytes and then the end of stream are reported.
            let tail = Array("tail".utf8)
            #expect(RuntimeTestIO.writeAll(client, tail))
            #expect(try harness.pollUntil { $0.received(token).count >= payload.count + tail.count })
            #expect(harness.sink.received(token).elementsEqual(payload + tail))
            harness.closeClient(client)
            #expect(try harness.pollUntil { !$0.receiveEnds(token).isEmpty })
            #expect(harness.sink.receiveEnds(token) == [0])
        }

        @Test("two connections share the exhausted ring and both get all their bytes", arguments: modes)
        func twoConnectionsShareTheRing(incremental: Bool) throws {
            let harness = try makeHarness(incremental: incremental)
            defer { harness.close() }
            let (serverA, clientA) = try harness.openConnection()
            let (serverB, clientB) = try harness.openConnection()
            let payloadA = RuntimeTestIO.pattern(count: 2048, seed: 1)
            let payloadB = RuntimeTestIO.pattern(count: 3000, seed: 2)
            #expect(RuntimeTestIO.writeAll(clientA, payloadA))
            #expect(RuntimeTestIO.writeAll(clientB, payloadB))
            harness.backend.startReceiving(fd: serverA, token: 10)
            harness.backend.startReceiving(fd: serverB, token: 11)

            #expect(try harness.pollUntil {
                $0.received(10).count >= payloadA.count && $0.received(11).count >= payloadB.count
            })
            #expect(harness.sink.received(10) == payloadA)
            #expect(harness.sink.received(11) == payloadB)
            #expect(harness.sink.receiveEnds(10).isEmpty)
            #expect(harness.sink.receiveEnds(11).isEmpty)
        }

        /// A sink pauses (stopReceiving) from inside receiveCompleted, as the HTTP handler does
        /// for backpressure, while the same CQE batch also holds the receive's -ENOBUFS end.
        /// The contract still owes one `receiveEnded(ECANCELED)`, and nothing after it.
        @Test("stopReceiving inside receiveCompleted while the ring is exhausted still ends the receive", arguments: modes)
        func stopInsideCallbackDuringExhaustion(incremental: Bool) throws {
            let harness = try makeHarness(incremental: incremental)
            defer { harness.close() }
            let (server, client) = try harness.openConnection()
            let token: IOToken = 6
            let backend = harness.backend
            let sink = harness.sink
            var stopped = false
            var bytesAtStop = 0
            harness.sink.onReceive = { receivedToken, _ in
                guard receivedToken == token, !stopped else { return }
                stopped = true
                bytesAtStop = sink.received(token).count
                backend.stopReceiving(fd: server, token: token)
            }
            #expect(RuntimeTestIO.writeAll(client, RuntimeTestIO.pattern(count: 4096, seed: 5)))
            backend.startReceiving(fd: server, token: token)

            let ended = try harness.pollUntil { !$0.receiveEnds(token).isEmpty }
            #expect(stopped)
            #expect(ended, """
                no receiveEnded after stopReceiving (called after \(bytesAtStop) bytes); the receive \
                kept going: \(harness.sink.received(token).count - bytesAtStop) more bytes arrived
                """)
            #expect(harness.sink.receiveEnds(token) == [ECANCELED])
            guard ended else { return }
            // Once ended, nothing more for the token.
            let eventsAtEnd = harness.sink.events.count
            try harness.pollQuietly()
            #expect(harness.sink.events.count == eventsAtEnd, "events after receiveEnded: \(harness.sink.events.dropFirst(eventsAtEnd))")
        }
    }
}
#endif
