import CEpoll
#if canImport(Glibc)
import Glibc
#endif
import Histogram
import LoadReportFormat

/// What one worker measured.
struct WorkerResult: Sendable {
    var histogram: Histogram<UInt64>
    var completed = 0
    var bytesRead = 0
    var errors = ErrorCounts()
}

/// One thread's share of the load: `connections` sockets on its own epoll instance, driven
/// until the plan's end. Level-triggered; one read per readable event (64 KiB buffers), and all
/// requests a read made room for written with one `write`.
final class Worker {
    private let plan: LoadPlan
    private let epoll: Int32
    private var connections: [ClientConnection]
    private var result: WorkerResult
    /// `plan`'s request (HTTP) or frame (WebSocket) repeated `pipeline` times, so a batch of
    /// requests is one contiguous write.
    private let batch: [UInt8]
    private let unitLength: Int
    /// `--path-template`: requests are made per send, each with the next id.
    private let template: RequestTemplate?
    private var lastID = 0
    private var address = sockaddr_in()

    init(plan: LoadPlan, connections count: Int) {
        self.plan = plan
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        connections = (0..<count).map { ClientConnection(index: $0, pipeline: plan.pipeline) }
        // 1 µs to 60 s at three significant digits, recorded in nanoseconds.
        result = WorkerResult(histogram: Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three))
        let unit: [UInt8]
        switch plan.kind {
        case .http(let request): (unit, template) = (request, nil)
        case .httpTemplate(let made): (unit, template) = ([], made)
        case .webSocket(_, let frame): (unit, template) = (frame, nil)
        }
        unitLength = unit.count
        batch = Array([[UInt8]](repeating: unit, count: plan.pipeline).joined())
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = plan.target.port.bigEndian
        inet_pton(AF_INET, plan.target.host, &address.sin_addr)
    }

    deinit {
        for connection in connections where connection.fd >= 0 { close(connection.fd) }
        close(epoll)
    }

    /// Runs until the plan's end; returns what was measured.
    func run() -> WorkerResult {
        let start = MonotonicClock.now()
        for (offset, connection) in connections.enumerated() {
            if let interval = plan.intervalPerConnection {
                // Spread the connections' schedules over one interval.
                connection.nextIntended = start + interval * UInt64(offset) / UInt64(max(connections.count, 1))
            }
            open(connection)
        }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var nextTimeoutCheck = start + 50_000_000
        while true {
            let now = MonotonicClock.now()
            if now >= plan.end { break }
            let waitMilliseconds = timeoutMilliseconds(now: now)
            let ready = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), waitMilliseconds) }
            if ready < 0 && errno != EINTR { break }
            for index in 0..<max(Int(ready), 0) {
                let event = events[index]
                let connection = connections[Int(event.data.u64)]
                handle(connection, events: event.events)
            }
            let after = MonotonicClock.now()
            if plan.intervalPerConnection != nil {
                for connection in connections where connection.phase == .ready { sendDue(connection, now: after) }
            }
            if after >= nextTimeoutCheck {
                nextTimeoutCheck = after + 50_000_000
                sweep(now: after)
            }
        }
        return result
    }

    /// Every 50 ms: times out connections whose oldest request waited too long, and retries
    /// the ones whose connect failed.
    private func sweep(now: UInt64) {
        for connection in connections {
            if connection.phase == .closed {
                open(connection)
            } else if connection.inFlight > 0 && now - connection.lastProgress > plan.timeoutNanoseconds {
                result.errors.timeout += 1
                reopen(connection)
            }
        }
    }

    // MARK: Connections

    private func open(_ connection: ClientConnection) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            result.errors.connect += 1
            return
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        connection.fd = fd
        connection.phase = .connecting
        connection.inbox.reset()
        connection.outbox.removeAll(keepingCapacity: true)
        connection.outboxOffset = 0
        connection.clearInFlight()
        connection.lastProgress = MonotonicClock.now()
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 || errno == EINPROGRESS else {
            // Left closed: the next 50 ms sweep retries, so a refusing server is not spun on.
            result.errors.connect += 1
            closeSocket(connection)
            return
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue
        event.data.u64 = UInt64(connection.index)
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        connection.wantsWritable = true
    }

    /// Closes the socket; the connection stays `.closed` until reopened.
    private func closeSocket(_ connection: ClientConnection) {
        if connection.fd >= 0 {
            epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
            close(connection.fd)
        }
        connection.fd = -1
        connection.phase = .closed
    }

    /// Replaces a connection that failed or that the server closed, at once.
    private func reopen(_ connection: ClientConnection) {
        closeSocket(connection)
        if MonotonicClock.now() < plan.end { open(connection) }
    }

    private func setWritableInterest(_ connection: ClientConnection, _ wanted: Bool) {
        guard connection.wantsWritable != wanted else { return }
        connection.wantsWritable = wanted
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (wanted ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(connection.index)
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection.fd, &event)
    }

    // MARK: Events

    private func handle(_ connection: ClientConnection, events: UInt32) {
        if connection.phase == .connecting {
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                result.errors.connect += 1
                closeSocket(connection)  // retried by the next sweep
                return
            }
            connected(connection)
            return
        }
        if events & EPOLLOUT.rawValue != 0, !flushOutbox(connection) { return }
        if events & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { receive(connection) }
    }

    private func connected(_ connection: ClientConnection) {
        switch plan.kind {
        case .http, .httpTemplate:
            connection.phase = .ready
            setWritableInterest(connection, false)
            startRequests(connection, now: MonotonicClock.now())
        case .webSocket(let handshake, _):
            connection.phase = .handshaking
            setWritableInterest(connection, false)
            write(connection, handshake[...])
        }
    }

    private func startRequests(_ connection: ClientConnection, now: UInt64) {
        if plan.intervalPerConnection != nil {
            sendDue(connection, now: now)
        } else {
            send(connection, count: plan.pipeline - connection.inFlight, stamp: now)
        }
    }

    /// Reads once and handles every complete response (or frame) in the buffer.
    private func receive(_ connection: ClientConnection) {
        let count = connection.inbox.read(from: connection.fd)
        if count <= 0 {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            if connection.inFlight > 0 || connection.phase == .handshaking {
                if count == 0 { result.errors.closed += 1 } else { result.errors.read += 1 }
            }
            reopen(connection)
            return
        }
        let now = MonotonicClock.now()
        let counting = now >= plan.measureFrom && now < plan.end
        if counting { result.bytesRead += count }
        var completed = 0
        scanning: while !connection.inbox.isEmpty {
            let step: Step
            switch connection.phase {
            case .handshaking: step = handshake(connection, now: now)
            case .ready: step = plan.isWebSocket ? frame(connection, now: now, counting: counting) : response(connection, now: now, counting: counting)
            case .closed, .connecting: return
            }
            switch step {
            case .needMore:
                break scanning
            case .advanced(let completedOne):
                if completedOne { completed += 1 }
            case .failed(let kind):
                result.errors[keyPath: kind] += 1
                reopen(connection)
                return
            }
        }
        if completed > 0 && connection.phase == .ready && plan.intervalPerConnection == nil {
            send(connection, count: plan.pipeline - connection.inFlight, stamp: now)
        }
    }

    /// What one scan of the receive buffer did.
    private enum Step {
        case needMore
        /// A unit was consumed; `completed` when it answered a request.
        case advanced(completed: Bool)
        /// The connection must be replaced; the error kind to count.
        case failed(WritableKeyPath<ErrorCounts, Int>)
    }

    /// The upgrade response: 101 makes the connection ready.
    private func handshake(_ connection: ClientConnection, now: UInt64) -> Step {
        switch HTTPResponseScanner.scan(connection.inbox.unconsumed) {
        case .incomplete: return .needMore
        case .invalid: return .failed(\.protocol)
        case .complete(let status, let length):
            connection.inbox.consume(length)
            guard status == 101 else { return .failed(\.status) }
            connection.phase = .ready
            connection.lastProgress = now
            startRequests(connection, now: now)
            return .advanced(completed: false)
        }
    }

    private func response(_ connection: ClientConnection, now: UInt64, counting: Bool) -> Step {
        switch HTTPResponseScanner.scan(connection.inbox.unconsumed) {
        case .incomplete: return .needMore
        case .invalid: return .failed(\.protocol)
        case .complete(let status, let length):
            if counting, (200..<300).contains(status), let template, template.body != nil, let id = connection.oldestID {
                let bytes = connection.inbox.unconsumed
                let headEnd = HTTPResponseScanner.findHeadEnd(bytes) ?? length
                if !template.bodyMatches(UnsafeRawBufferPointer(rebasing: bytes[headEnd..<length]), id: id) { result.errors.body += 1 }
            }
            connection.inbox.consume(length)
            if !(200..<300).contains(status) && counting { result.errors.status += 1 }
            complete(connection, now: now, counting: counting)
            return .advanced(completed: true)
        }
    }

    private func frame(_ connection: ClientConnection, now: UInt64, counting: Bool) -> Step {
        switch WebSocketFrames.scan(connection.inbox.unconsumed) {
        case .incomplete: return .needMore
        case .invalid: return .failed(\.protocol)
        case .frame(let opcode, let fin, let length):
            connection.inbox.consume(length)
            if opcode == 0x8 { return .failed(\.closed) }
            // Pings and pongs are not echoes; a message ends with a FIN data frame.
            guard opcode < 0x8 && fin else { return .advanced(completed: false) }
            complete(connection, now: now, counting: counting)
            return .advanced(completed: true)
        }
    }

    private func complete(_ connection: ClientConnection, now: UInt64, counting: Bool) {
        connection.lastProgress = now
        guard let sent = connection.popTime() else {
            result.errors.protocol += 1  // a response nobody asked for
            return
        }
        if counting {
            result.completed += 1
            _ = result.histogram.record(now > sent ? now - sent : 0)
        }
    }

    // MARK: Sending

    /// Constant-rate mode: sends every request that is due and fits the pipeline, each stamped
    /// with its intended time, so a stalled server's delay counts against every request it
    /// held up (wrk2's correction for coordinated omission).
    private func sendDue(_ connection: ClientConnection, now: UInt64) {
        guard let interval = plan.intervalPerConnection, connection.outbox.isEmpty else { return }
        var count = 0
        while connection.inFlight + count < plan.pipeline, connection.nextIntended + UInt64(count) * interval <= now { count += 1 }
        guard count > 0 else { return }
        if connection.inFlight == 0 { connection.lastProgress = now }
        if let template {
            var bytes: [UInt8] = []
            for offset in 0..<count {
                connection.pushTime(connection.nextIntended + UInt64(offset) * interval, id: nextRequest(template, into: &bytes))
            }
            connection.nextIntended += UInt64(count) * interval
            write(connection, bytes[...])
            return
        }
        for offset in 0..<count { connection.pushTime(connection.nextIntended + UInt64(offset) * interval) }
        connection.nextIntended += UInt64(count) * interval
        write(connection, batch[..<(count * unitLength)])
    }

    /// Closed-loop mode: sends `count` requests at once, stamped `stamp`.
    private func send(_ connection: ClientConnection, count: Int, stamp: UInt64) {
        guard count > 0, connection.outbox.isEmpty else { return }
        if connection.inFlight == 0 { connection.lastProgress = stamp }
        if let template {
            var bytes: [UInt8] = []
            for _ in 0..<count { connection.pushTime(stamp, id: nextRequest(template, into: &bytes)) }
            write(connection, bytes[...])
            return
        }
        for _ in 0..<count { connection.pushTime(stamp) }
        write(connection, batch[..<(count * unitLength)])
    }

    /// Appends the template's request for the next id (1…ids, cycling) and returns that id.
    private func nextRequest(_ template: RequestTemplate, into bytes: inout [UInt8]) -> Int {
        lastID = lastID % template.ids + 1
        template.append(id: lastID, to: &bytes)
        return lastID
    }

    private func write(_ connection: ClientConnection, _ bytes: ArraySlice<UInt8>) {
        let written = bytes.withUnsafeBytes { Glibc.write(connection.fd, $0.baseAddress, $0.count) }
        if written == bytes.count { return }
        if written < 0 && errno != EAGAIN {
            result.errors.write += 1
            reopen(connection)
            return
        }
        connection.outbox.append(contentsOf: bytes.dropFirst(max(written, 0)))
        setWritableInterest(connection, true)
    }

    /// Sends what a short write left; false if the connection failed.
    private func flushOutbox(_ connection: ClientConnection) -> Bool {
        guard !connection.outbox.isEmpty else {
            setWritableInterest(connection, false)
            return true
        }
        let written = connection.outbox.withUnsafeBytes {
            Glibc.write(connection.fd, $0.baseAddress! + connection.outboxOffset, $0.count - connection.outboxOffset)
        }
        if written < 0 {
            if errno == EAGAIN { return true }
            result.errors.write += 1
            reopen(connection)
            return false
        }
        connection.outboxOffset += written
        if connection.outboxOffset == connection.outbox.count {
            connection.outbox.removeAll(keepingCapacity: true)
            connection.outboxOffset = 0
            setWritableInterest(connection, false)
        }
        return true
    }

    /// How long epoll may sleep: until the next due request in constant-rate mode, else until
    /// the next timeout check or the end.
    private func timeoutMilliseconds(now: UInt64) -> Int32 {
        var until = min(plan.end, now + 50_000_000)
        if plan.intervalPerConnection != nil {
            for connection in connections where connection.phase == .ready && connection.inFlight < plan.pipeline {
                until = min(until, connection.nextIntended)
            }
        }
        guard until > now else { return 0 }
        return Int32((until - now + 999_999) / 1_000_000)
    }
}
