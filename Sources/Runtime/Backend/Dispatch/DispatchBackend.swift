import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The portable backend: `DispatchSource` readiness turned into completions, for every
/// platform Swift runs on (no epoll, eventfd or io_uring here).
///
/// Dispatch watches the descriptors: one read source per fd with accept or receive interest,
/// one write source per fd with a send waiting for room, all on one
/// private serial queue.
/// Their handlers run on that queue, never on the loop, so they only record "this source
/// fired" in a `Mutex`-protected list, suspend their source and wake the loop, which sleeps
/// on a semaphore inside `poll`. `poll` then does the syscalls on the loop thread (a bounded
/// accept batch, one `recv` into a 64 KiB backend buffer, the pending `sendmsg`) and calls
/// the sink, like `EpollBackend`: one receive per ready socket per turn, completions made
/// outside `poll` (immediate sends, stops) queued for the next `poll`, never re-entrant.
///
/// A fired source stays suspended until the loop has handled it, so Dispatch's level-style
/// re-firing never spins: the loop resumes it when interest remains, or keeps it suspended
/// and simply tries again next turn when the last `recv` filled the whole buffer (more is
/// probably waiting). Sources are cancelled before their fd is closed, and the fd is closed
/// by the last cancel handler, so Dispatch never watches a reused descriptor number.
///
/// Not `Sendable`: everything here is confined to the loop thread. Only `Readiness` (the
/// fired list, the wake flag, the semaphore) is shared with Dispatch's queue and wakers.
final class DispatchBackend: IOBackend {
    let kind: BackendKind? = .dispatch

    /// What the loop asked for on one fd, and the sources watching it (loop-confined).
    private final class Watch {
        let fd: Int32
        var acceptToken: IOToken?
        var receiveToken: IOToken?
        var sendToken: IOToken?
        /// The caller's message while its send waits for room. Invariant: the caller keeps it
        /// (and its iovecs and bytes) alive until `sendCompleted`; this reference is dropped
        /// before that completion is delivered or queued (done, cancelled, closed).
        var sendMessage: UnsafeMutablePointer<msghdr>?
        /// A file send waiting for room (`sendFile`).
        var sendFile: (file: Int32, offset: Int64, count: Int)?
        var readSource: WatchedSource?
        var writeSource: WatchedSource?
        /// The last accept batch or `recv` suggests more is waiting: handled again next turn
        /// without asking Dispatch, the read source staying suspended meanwhile.
        var readPending = false
        /// Set by `close(fd:)`; a watch still referenced by an in-progress turn is then skipped.
        var closed = false
        /// The peer hung up (POLLHUP/POLLERR, seen when a `recv` ended): libdispatch has stopped
        /// watching the fd, so the backend itself completes every write wait from now on.
        var hungUp = false

        init(fd: Int32) { self.fd = fd }

        var wantsRead: Bool { acceptToken != nil || receiveToken != nil }
        var wantsWrite: Bool { sendToken != nil }
    }

    /// One Dispatch source and the suspensions the loop knows of: its own `suspend()` calls
    /// plus the handler's, counted when the loop takes the handler's `Fired` entry. A source
    /// must be resumed exactly that many times, neither more (Dispatch traps on over-resume)
    /// nor fewer (a suspended source is never cancelled, so its fd would never be closed).
    private struct WatchedSource {
        let handle: SourceHandle
        let key: UInt64
        var suspensions = 0
    }

    /// A completion produced outside the wait (an immediate send, a stop), delivered by
    /// `poll` so handlers never re-enter themselves.
    private enum Queued {
        case sent(IOToken, Int)
        case receiveEnded(IOToken, Int32)
        case acceptEnded(IOToken, Int32)
    }

    private let queue: DispatchQueue
    private let readiness = Readiness()
    /// Entered per retired watch with sources, left by its last cancel handler.
    private let cancellations = DispatchGroup()
    private var watches: [Watch?] = []
    private var queued: [Queued] = []
    private var pendingReads: [Watch] = []
    private var batch: [Readiness.Fired] = []
    private var nextKey: UInt64 = 0
    private var isShutDown = false
    /// Invariant: allocated in `init`, deallocated once in `shutdown`; used only on the loop
    /// thread, by one `recv` at a time, and the view handed to the sink is valid only during
    /// that `receiveCompleted` call (documented by `CompletionSink`).
    private let receiveBuffer: UnsafeMutableRawBufferPointer

    private static let receiveBufferSize = 64 * 1024
    private static let acceptBatch = 64
    #if canImport(Glibc)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    /// Darwin has no `MSG_NOSIGNAL`; sockets carry `SO_NOSIGPIPE` instead.
    private static let sendFlags: Int32 = 0
    #endif

    init() throws(BackendError) {
        queue = DispatchQueue(label: "ringway.dispatch-backend")
        receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 16)
    }

    deinit {
        if !isShutDown { shutdown() }
    }

    // MARK: Interest

    private func watch(for fd: Int32) -> Watch {
        let index = Int(fd)
        if index >= watches.count { watches.append(contentsOf: repeatElement(nil, count: index - watches.count + 64)) }
        if let watch = watches[index] { return watch }
        let watch = Watch(fd: fd)
        watches[index] = watch
        return watch
    }

    private func existingWatch(_ fd: Int32) -> Watch? {
        fd >= 0 && Int(fd) < watches.count ? watches[Int(fd)] : nil
    }

    func startAccepting(fd: Int32, token: IOToken) {
        let watch = watch(for: fd)
        watch.acceptToken = token
        updateReadSource(watch)
    }

    func stopAccepting(fd: Int32, token: IOToken) {
        if let watch = existingWatch(fd) {
            watch.acceptToken = nil
            updateReadSource(watch)
        }
        queued.append(.acceptEnded(token, ECANCELED))
    }

    func startReceiving(fd: Int32, token: IOToken) {
        let watch = watch(for: fd)
        watch.receiveToken = token
        updateReadSource(watch)
    }

    func stopReceiving(fd: Int32, token: IOToken) {
        // Nothing follows when receiving had already ended: its `receiveEnded` was delivered.
        guard let watch = existingWatch(fd), watch.receiveToken != nil else { return }
        watch.receiveToken = nil
        updateReadSource(watch)
        queued.append(.receiveEnded(token, ECANCELED))
    }

    func send(fd: Int32, message: UnsafeMutablePointer<msghdr>, token: IOToken) {
        // `message` and what it points to are kept alive by the caller until `sendCompleted`.
        let result = sendmsg(fd, message, Self.sendFlags)
        if result >= 0 {
            queued.append(.sent(token, result))
            return
        }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
            let watch = watch(for: fd)
            // Dispatch would never report room on a hung-up socket (see `hungUp`).
            if watch.hungUp {
                queued.append(.sent(token, -Int(EPIPE)))
                return
            }
            watch.sendToken = token
            watch.sendMessage = message
            updateWriteSource(watch)
        } else {
            queued.append(.sent(token, -Int(code)))
        }
    }

    func cancelSend(fd: Int32, token: IOToken) {
        // Not pending here means its result is already queued (or delivered).
        guard let watch = existingWatch(fd), watch.sendToken == token else { return }
        watch.sendToken = nil
        watch.sendMessage = nil
        watch.sendFile = nil
        updateWriteSource(watch)
        queued.append(.sent(token, -Int(ECANCELED)))
    }

    func sendFile(fd: Int32, file: Int32, offset: Int64, count: Int, token: IOToken) {
        let result = FileTransfer.send(socket: fd, file: file, offset: offset, count: count)
        guard result == -Int(EAGAIN) else {
            queued.append(.sent(token, result))
            return
        }
        let watch = watch(for: fd)
        // Dispatch would never report room on a hung-up socket (see `hungUp`).
        if watch.hungUp {
            queued.append(.sent(token, -Int(EPIPE)))
            return
        }
        watch.sendToken = token
        watch.sendFile = (file, offset, count)
        updateWriteSource(watch)
    }

    func shutdownWrite(fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        #else
        _ = Darwin.shutdown(fd, SHUT_WR)
        #endif
    }

    /// Whether `fd` has hung up or failed (POLLHUP/POLLERR), without waiting.
    ///
    /// At a descriptor's first EPOLLHUP libdispatch hands the hang-up to the sources registered
    /// then and removes the fd from its epoll set; a source that registers later (sources
    /// register asynchronously, on Dispatch's manager queue) never fires. Seen: a client reset
    /// during a file send, where the write source made for the wait raced the read source's
    /// EOF, and the connection waited until the drain. The read source is the one that sees
    /// the hang-up, so its `recv` ending checks here, and the backend answers write waits itself.
    private static func hungUp(_ fd: Int32) -> Bool {
        var request = pollfd(fd: fd, events: 0, revents: 0)
        #if canImport(Glibc)
        let ready = Glibc.poll(&request, 1, 0)
        #else
        let ready = Darwin.poll(&request, 1, 0)
        #endif
        return ready == 1 && request.revents & Int16(POLLHUP | POLLERR) != 0
    }

    func close(fd: Int32) {
        guard let watch = existingWatch(fd) else {
            closeDescriptor(fd)
            return
        }
        watches[Int(fd)] = nil
        retire(watch, closing: true)
    }

    /// Stops watching `watch`: its sources leave the shared table, are cancelled and resumed
    /// as often as they were suspended; the last cancel handler closes the fd when `closing`.
    private func retire(_ watch: Watch, closing: Bool) {
        watch.closed = true
        watch.sendToken = nil
        watch.sendMessage = nil
        watch.sendFile = nil
        let sources = [watch.readSource, watch.writeSource].compactMap { $0 }
        watch.readSource = nil
        watch.writeSource = nil
        guard !sources.isEmpty else {
            if closing { closeDescriptor(watch.fd) }
            return
        }
        // After this no handler suspends them again, and the suspensions of handlers that
        // fired but were not taken by the loop yet come back with the count.
        let unobserved = readiness.retire(keys: sources.map(\.key))
        cancellations.enter()
        let finish = CancellationBarrier(fd: closing ? watch.fd : -1, sources: sources.count, group: cancellations)
        for watched in sources {
            let source = watched.handle.source
            // Dispatch documents the cancel handler as the place where the fd may be closed:
            // it runs once the descriptor is no longer monitored.
            source.setCancelHandler { finish.sourceCancelled() }
            source.cancel()
            // A suspended source never delivers its cancellation (nor may it be released).
            for _ in 0..<(watched.suspensions + (unobserved[watched.key] ?? 0)) { source.resume() }
        }
    }

    // MARK: Sources

    /// Arms the read source while accept or receive interest remains and nothing is known
    /// to be pending; otherwise keeps it suspended (created on first need).
    private func updateReadSource(_ watch: Watch) {
        guard !watch.closed else { return }
        let armed = watch.wantsRead && !watch.readPending
        if watch.readSource == nil {
            guard armed else { return }
            watch.readSource = makeSource(fd: watch.fd, write: false)
            return
        }
        settle(&watch.readSource!, armed: armed)
    }

    /// Arms the write source while a send waits for room.
    private func updateWriteSource(_ watch: Watch) {
        guard !watch.closed else { return }
        let armed = watch.wantsWrite
        if watch.writeSource == nil {
            guard armed else { return }
            watch.writeSource = makeSource(fd: watch.fd, write: true)
            return
        }
        settle(&watch.writeSource!, armed: armed)
    }

    /// Brings a source to 0 known suspensions when `armed`, to exactly 1 otherwise.
    private func settle(_ watched: inout WatchedSource, armed: Bool) {
        let target = armed ? 0 : 1
        while watched.suspensions > target {
            watched.handle.source.resume()
            watched.suspensions -= 1
        }
        if watched.suspensions < target {
            watched.handle.source.suspend()
            watched.suspensions += 1
        }
    }

    /// Creates and activates a source whose handler records itself as fired.
    private func makeSource(fd: Int32, write: Bool) -> WatchedSource {
        let source: any DispatchSourceProtocol = write
            ? DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            : DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        nextKey += 1
        let key = nextKey
        let handle = SourceHandle(source)
        readiness.register(key: key, handle: handle)
        // Captures only Sendable values: the handler finds its source through the table,
        // so a retired source is no longer reachable from its (possibly running) handler.
        let readiness = self.readiness
        source.setEventHandler { readiness.sourceFired(key: key, fd: fd) }
        source.activate()
        return WatchedSource(handle: handle, key: key)
    }

    // MARK: Poll

    func poll(timeoutNanoseconds: Int64?, sink: any CompletionSink) throws(BackendError) {
        var busy = deliverQueued(sink)
        busy = busy || !pendingReads.isEmpty
        let deadline: DispatchTime?
        if busy || timeoutNanoseconds == 0 {
            deadline = nil
        } else if let timeoutNanoseconds, timeoutNanoseconds < (1 << 62) {
            deadline = .now() + .nanoseconds(Int(max(timeoutNanoseconds, 0)))
        } else {
            deadline = .distantFuture
        }
        readiness.collect(into: &batch, waitingUntil: deadline)

        // First count every taken handler suspension, before any sink call can close an fd
        // (a `close` resumes exactly the suspensions counted so far).
        for fired in batch {
            guard let watch = existingWatch(fired.fd) else { continue }
            if watch.readSource?.key == fired.key {
                watch.readSource!.suspensions += 1
            } else if watch.writeSource?.key == fired.key {
                watch.writeSource!.suspensions += 1
            }
        }
        let carried = pendingReads
        pendingReads.removeAll(keepingCapacity: true)
        for fired in batch {
            guard let watch = existingWatch(fired.fd) else { continue }
            if watch.readSource?.key == fired.key {
                handleReadable(watch, sink: sink)
            } else if watch.writeSource?.key == fired.key {
                handleWritable(watch, sink: sink)
            }
        }
        batch.removeAll(keepingCapacity: true)
        for watch in carried where !watch.closed && watch.readPending {
            watch.readPending = false
            handleReadable(watch, sink: sink)
        }
        deliverQueued(sink)
    }

    /// Delivers queued completions, including those queued by the handlers it calls.
    @discardableResult
    private func deliverQueued(_ sink: any CompletionSink) -> Bool {
        var delivered = false
        while !queued.isEmpty {
            delivered = true
            let completions = queued
            queued.removeAll(keepingCapacity: true)
            for completion in completions {
                switch completion {
                case .sent(let token, let result): sink.sendCompleted(token: token, result: result)
                case .receiveEnded(let token, let error): sink.receiveEnded(token: token, error: error)
                case .acceptEnded(let token, let error): sink.acceptEnded(token: token, error: error)
                }
            }
        }
        return delivered
    }

    /// One accept batch or one `recv`, then re-arms (or keeps pending) the read source.
    private func handleReadable(_ watch: Watch, sink: any CompletionSink) {
        if let token = watch.acceptToken {
            acceptBatch(watch, token: token, sink: sink)
        } else if let token = watch.receiveToken {
            // Invariant: `receiveBuffer` is live (not shut down) and used by nothing else now.
            let received = recv(watch.fd, receiveBuffer.baseAddress, receiveBuffer.count, 0)
            if received > 0 {
                // A full buffer: more is probably waiting; read again next turn directly.
                watch.readPending = received == receiveBuffer.count
                sink.receiveCompleted(token: token, bytes: UnsafeRawBufferPointer(rebasing: receiveBuffer[..<received]))
            } else {
                let code = received == 0 ? 0 : errno
                if code != EAGAIN && code != EWOULDBLOCK && code != EINTR {
                    watch.hungUp = Self.hungUp(watch.fd)
                    watch.receiveToken = nil
                    sink.receiveEnded(token: token, error: code)
                    // A write wait armed before the hang-up may never fire (see `hungUp`).
                    if watch.hungUp, !watch.closed, watch.wantsWrite { handleWritable(watch, sink: sink) }
                }
            }
        }
        guard !watch.closed else { return }
        if watch.readPending { pendingReads.append(watch) }
        updateReadSource(watch)
    }

    private func acceptBatch(_ watch: Watch, token: IOToken, sink: any CompletionSink) {
        var accepted = 0
        var attempts = 0
        while attempts < Self.acceptBatch {
            attempts += 1
            let fd = accept(watch.fd, nil, nil)
            if fd >= 0 {
                Self.configureAccepted(fd)
                accepted += 1
                // Bounded batch: other sockets get their turn before the backlog is emptied.
                watch.readPending = accepted == Self.acceptBatch
                sink.acceptCompleted(token: token, result: fd)
                guard !watch.closed, watch.acceptToken == token else { return }
                continue
            }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { return }
            if code == EINTR || code == ECONNABORTED { continue }
            if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
                || code == EBADF || code == EINVAL || code == ENOTSOCK || code == EOPNOTSUPP {
                // Retrying while level-ready would spin: end, the target decides when to retry.
                watch.acceptToken = nil
                watch.readPending = false
                sink.acceptEnded(token: token, error: code)
            } else {
                sink.acceptCompleted(token: token, result: -code)
            }
            return
        }
    }

    /// What `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` does on Linux, portably.
    private static func configureAccepted(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
        #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    private func handleWritable(_ watch: Watch, sink: any CompletionSink) {
        guard let token = watch.sendToken else {
            updateWriteSource(watch)
            return
        }
        var result: Int
        if let message = watch.sendMessage {
            // `message` is still alive: the caller keeps it until this send's `sendCompleted`.
            let sent = sendmsg(watch.fd, message, Self.sendFlags)
            result = sent >= 0 ? sent : -Int(errno)
            if result == -Int(EINTR) || result == -Int(EWOULDBLOCK) { result = -Int(EAGAIN) }
        } else if let region = watch.sendFile {
            result = FileTransfer.send(socket: watch.fd, file: region.file, offset: region.offset, count: region.count)
        } else {
            result = -Int(EAGAIN)
        }
        // A hung-up socket would never report room again (see `hungUp`).
        if result == -Int(EAGAIN) && watch.hungUp { result = -Int(EPIPE) }
        if result == -Int(EAGAIN) {
            updateWriteSource(watch)
            return
        }
        watch.sendToken = nil
        watch.sendMessage = nil
        watch.sendFile = nil
        updateWriteSource(watch)
        sink.sendCompleted(token: token, result: result)
    }

    func makeWaker() -> any LoopWaker { DispatchWaker(readiness: readiness) }

    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        // Descriptors still registered belong to their owners: stop watching, do not close.
        for case let watch? in watches { retire(watch, closing: false) }
        watches.removeAll()
        pendingReads.removeAll()
        queued.removeAll()
        // Cancel handlers run on `queue`, never on this thread: once they all ran, every fd
        // passed to `close(fd:)` is closed and Dispatch holds no descriptor of ours.
        _ = cancellations.wait(timeout: .now() + .seconds(5))
        receiveBuffer.deallocate()
    }
}

// MARK: - Shared with Dispatch's queue

/// The only state shared between the loop thread, Dispatch's queue and wakers.
private final class Readiness: Sendable {
    /// A source whose handler ran (and suspended it) since the loop last looked.
    struct Fired: Sendable {
        let fd: Int32
        let key: UInt64
    }

    private struct State {
        var fired: [Fired] = []
        /// Sources whose handlers may still record; a retired key is absent.
        var live: [UInt64: SourceHandle] = [:]
        var wakeRequested = false
        /// The loop is (about to be) blocked on `semaphore` and needs exactly one signal.
        var sleeping = false

        /// Whether the caller must signal: true once per sleep.
        mutating func takeSleeper() -> Bool {
            defer { sleeping = false }
            return sleeping
        }
    }

    private let state = Mutex(State())
    private let semaphore = DispatchSemaphore(value: 0)

    func register(key: UInt64, handle: SourceHandle) {
        state.withLock { $0.live[key] = handle }
    }

    /// Removes `keys` and their unseen `Fired` entries; returns how many each had (each is a
    /// handler suspension the caller must balance).
    func retire(keys: [UInt64]) -> [UInt64: Int] {
        state.withLock { state in
            for key in keys { state.live[key] = nil }
            var unobserved: [UInt64: Int] = [:]
            state.fired.removeAll { fired in
                guard keys.contains(fired.key) else { return false }
                unobserved[fired.key, default: 0] += 1
                return true
            }
            return unobserved
        }
    }

    /// The event handler (on the backend's queue). Suspends the source under the lock, so a
    /// concurrent `retire` either sees the entry (and balances it) or the handler sees the
    /// key gone (and does nothing): a retired source is never left suspended.
    func sourceFired(key: UInt64, fd: Int32) {
        let signal = state.withLock { state -> Bool in
            guard let handle = state.live[key] else { return false }
            handle.source.suspend()
            state.fired.append(Fired(fd: fd, key: key))
            return state.takeSleeper()
        }
        if signal { semaphore.signal() }
    }

    func wake() {
        let signal = state.withLock { state -> Bool in
            state.wakeRequested = true
            return state.takeSleeper()
        }
        if signal { semaphore.signal() }
    }

    /// Takes the fired sources into `batch`. With a `deadline`, first sleeps until a source
    /// fires, a wake, or the deadline, unless one of those already happened.
    func collect(into batch: inout [Fired], waitingUntil deadline: DispatchTime?) {
        if let deadline {
            let mustWait = state.withLock { state -> Bool in
                guard state.fired.isEmpty && !state.wakeRequested else { return false }
                state.sleeping = true
                return true
            }
            if mustWait && semaphore.wait(timeout: deadline) == .timedOut {
                // A signaller that cleared `sleeping` is committed to signal: consume that
                // signal now so the semaphore never carries a stale wake into the next poll.
                let signalled = state.withLock { state -> Bool in
                    if state.sleeping {
                        state.sleeping = false
                        return false
                    }
                    return true
                }
                if signalled { semaphore.wait() }
            }
        }
        state.withLock { state in
            state.wakeRequested = false
            swap(&state.fired, &batch)
        }
    }
}

/// A Dispatch source shared with its handler through `Readiness`. Dispatch sources are
/// thread-safe objects (`suspend`, `resume`, `cancel` may be called from any thread); the
/// protocol existential just does not say so. Invariant behind `@unchecked Sendable`.
private final class SourceHandle: @unchecked Sendable {
    let source: any DispatchSourceProtocol
    init(_ source: any DispatchSourceProtocol) { self.source = source }
}

/// Closes a retired fd once every one of its sources ran its cancel handler.
private final class CancellationBarrier: Sendable {
    /// The fd to close, or -1 to only stop watching it (`shutdown`).
    let fd: Int32
    let remaining: Atomic<Int>
    let group: DispatchGroup

    init(fd: Int32, sources: Int, group: DispatchGroup) {
        self.fd = fd
        self.remaining = Atomic(sources)
        self.group = group
    }

    func sourceCancelled() {
        guard remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        if fd >= 0 { closeDescriptor(fd) }
        group.leave()
    }
}

/// Interrupts `DispatchBackend.poll` from any thread.
private struct DispatchWaker: LoopWaker {
    let readiness: Readiness
    func wake() { readiness.wake() }
}

/// `close(2)`, reachable where a `close` method shadows it.
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}
