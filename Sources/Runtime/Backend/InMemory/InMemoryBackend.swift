#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A backend whose sockets are the byte pipes of an `InMemoryNetwork`: the role of NIO's
/// `EmbeddedChannel` for the test client. The server above it — loop, connections, HTTP and
/// WebSocket handlers — is the real one; only the kernel is replaced, so in-memory and live
/// behave the same, and a virtual clock can drive every deadline.
///
/// Completions are computed under the network's lock and delivered after it is released
/// (a completion handler may submit the next operation). Received bytes are delivered one
/// client write at a time (at most `maxReceive` bytes), so a test controls the splits.
final class InMemoryBackend: IOBackend {
    var kind: BackendKind? { nil }

    private let network: InMemoryNetwork
    private static let maxReceive = 64 * 1024

    init(network: InMemoryNetwork) {
        self.network = network
    }

    private enum Completion {
        case accepted(IOToken, Int32)
        case acceptEnded(IOToken, Int32)
        case received(IOToken, [UInt8])
        case receiveEnded(IOToken, Int32)
        case sent(IOToken, Int)
    }

    // MARK: Operations (loop thread)

    func startAccepting(fd: Int32, token: IOToken) {
        network.state.withLock {
            $0.acceptToken = token
            $0.acceptStopRequested = false
        }
    }

    func stopAccepting(fd: Int32, token: IOToken) {
        network.state.withLock { $0.acceptStopRequested = true }
    }

    func startReceiving(fd: Int32, token: IOToken) {
        network.state.withLock { state in
            state.pipes[fd]?.receiveToken = token
            state.pipes[fd]?.receiveStopRequested = false
        }
    }

    func stopReceiving(fd: Int32, token: IOToken) {
        network.state.withLock { $0.pipes[fd]?.receiveStopRequested = true }
    }

    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken) {
        setPendingSend(fd, .init(token: token, kind: .gather(GatherList(message: message))))
    }

    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken) {
        setPendingSend(fd, .init(token: token, kind: .file(descriptor: file, offset: offset, count: count)))
    }

    func cancelSend(fd: Int32, token: IOToken) {
        network.state.withLock { $0.pipes[fd]?.sendCancelRequested = true }
    }

    func shutdownWrite(fd: Int32) {
        let waiter = network.state.withLock { state -> Waiter? in
            guard state.pipes[fd] != nil else { return nil }
            state.pipes[fd]!.outboundEnded = true
            return Self.takeWaiterIfReadable(fd, &state)
        }
        if let waiter { waiter.continuation.resume(returning: waiter.bytes) }
    }

    func close(fd: Int32) {
        guard fd != network.listenerDescriptor else { return }
        let waiter = network.state.withLock { state -> Waiter? in
            guard state.pipes[fd] != nil else { return nil }
            state.pipes[fd]!.serverClosed = true
            state.pipes[fd]!.outboundEnded = true
            state.pipes[fd]!.pendingSend = nil
            let waiter = Self.takeWaiterIfReadable(fd, &state)
            network.removeIfDone(fd, &state)
            return waiter
        }
        if let waiter { waiter.continuation.resume(returning: waiter.bytes) }
    }

    private func setPendingSend(_ fd: Int32, _ send: sending InMemoryNetwork.PendingSend) {
        network.state.withLock { state in
            state.pipes[fd]?.pendingSend = send
            state.pipes[fd]?.sendCancelRequested = false
        }
    }

    // MARK: Poll

    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError) {
        var completions = collect()
        if completions.isEmpty && timeoutNanoseconds != 0 {
            network.waitForWake(timeoutNanoseconds: timeoutNanoseconds)
            completions = collect()
        } else {
            network.waitForWake(timeoutNanoseconds: 0)
        }
        for completion in completions {
            switch completion {
            case .accepted(let token, let fd): sink.acceptCompleted(token: token, result: fd)
            case .acceptEnded(let token, let error): sink.acceptEnded(token: token, error: error)
            case .received(let token, let bytes): bytes.withUnsafeBytes { sink.receiveCompleted(token: token, bytes: $0) }
            case .receiveEnded(let token, let error): sink.receiveEnded(token: token, error: error)
            case .sent(let token, let result): sink.sendCompleted(token: token, result: result)
            }
        }
    }

    /// Everything that can complete now, one step per descriptor and direction; client
    /// readers that got bytes are resumed after the lock is released.
    private func collect() -> [Completion] {
        var completions: [Completion] = []
        var readers: [Waiter] = []
        network.state.withLock { state in
            if let token = state.acceptToken {
                if state.acceptStopRequested {
                    state.acceptToken = nil
                    state.acceptStopRequested = false
                    completions.append(.acceptEnded(token, ECANCELED))
                } else {
                    while let fd = state.pendingAccepts.popFirst() { completions.append(.accepted(token, fd)) }
                }
            }
            for fd in Array(state.pipes.keys).sorted() {
                guard var pipe = state.pipes[fd], !pipe.serverClosed else { continue }
                Self.collectReceive(&pipe, &completions)
                Self.collectSend(&pipe, &completions)
                state.pipes[fd] = pipe
                if let waiter = Self.takeWaiterIfReadable(fd, &state) { readers.append(waiter) }
            }
        }
        for (continuation, bytes) in readers { continuation.resume(returning: bytes) }
        return completions
    }

    private static func collectReceive(_ pipe: inout InMemoryNetwork.Pipe, _ completions: inout [Completion]) {
        guard let token = pipe.receiveToken else { return }
        if pipe.receiveStopRequested {
            pipe.receiveToken = nil
            pipe.receiveStopRequested = false
            completions.append(.receiveEnded(token, ECANCELED))
            return
        }
        if pipe.reset {
            pipe.receiveToken = nil
            completions.append(.receiveEnded(token, ECONNRESET))
            return
        }
        if var chunk = pipe.inbound.popFirst() {
            if chunk.count > Self.maxReceive {
                pipe.inbound.prepend(Array(chunk[Self.maxReceive...]))
                chunk.removeSubrange(Self.maxReceive...)
            }
            completions.append(.received(token, chunk))
        } else if pipe.inboundEnded {
            pipe.receiveToken = nil
            completions.append(.receiveEnded(token, 0))
        }
    }

    private static func collectSend(_ pipe: inout InMemoryNetwork.Pipe, _ completions: inout [Completion]) {
        guard let send = pipe.pendingSend else { return }
        if pipe.sendCancelRequested {
            pipe.pendingSend = nil
            pipe.sendCancelRequested = false
            completions.append(.sent(send.token, -Int(ECANCELED)))
            return
        }
        if pipe.reset || pipe.outboundEnded {
            pipe.pendingSend = nil
            completions.append(.sent(send.token, -Int(EPIPE)))
            return
        }
        // A client that closed its end discards what arrives (the kernel would, then reset).
        let room = pipe.clientClosed ? Int.max : pipe.window - pipe.outbound.count
        guard room > 0 else { return }  // a full window: the send waits for the client to read
        pipe.pendingSend = nil
        switch send.kind {
        case .gather(let list):
            let message = list.message
            var copied = 0
            let iovecs = UnsafeBufferPointer(start: message.pointee.msg_iov, count: Int(message.pointee.msg_iovlen))
            for vector in iovecs where copied < room {
                let take = min(vector.iov_len, room - copied)
                // The connection keeps the iovecs and their bytes alive until this completion.
                let bytes = UnsafeRawBufferPointer(start: vector.iov_base, count: take)
                if !pipe.clientClosed { pipe.outbound.append(contentsOf: bytes) }
                copied += take
            }
            completions.append(.sent(send.token, copied))
        case .file(let descriptor, let offset, let count):
            var buffer = [UInt8](repeating: 0, count: min(count, room, 1 << 20))
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if read < 0 {
                completions.append(.sent(send.token, -Int(errno)))
            } else {
                if !pipe.clientClosed { pipe.outbound.append(contentsOf: buffer[..<read]) }
                completions.append(.sent(send.token, read))
            }
        }
    }

    /// The client's pending read, with what it gets now (bytes, or nil at the end), if it can return.
    private typealias Waiter = (continuation: UnsafeContinuation<[UInt8]?, any Error>, bytes: [UInt8]?)

    private static func takeWaiterIfReadable(_ fd: Int32, _ state: inout InMemoryNetwork.State) -> Waiter? {
        guard var pipe = state.pipes[fd], let waiter = pipe.clientWaiter else { return nil }
        let bytes: [UInt8]?
        if !pipe.outbound.isEmpty {
            bytes = pipe.outbound
            pipe.outbound = []
        } else if pipe.outboundEnded {
            bytes = nil
        } else {
            return nil
        }
        pipe.clientWaiter = nil
        state.pipes[fd] = pipe
        return (waiter.continuation, bytes)
    }

    // MARK: Loop

    func makeWaker() -> any LoopWaker { InMemoryWaker(network: network) }

    func shutdown() {}
}

private struct InMemoryWaker: LoopWaker {
    let network: InMemoryNetwork
    func wake() { network.wake() }
}
