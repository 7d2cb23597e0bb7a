import CEpoll
#if canImport(Glibc)
import Glibc
#endif
import Histogram
import LoadReportFormat

/// What an SSE fan-out run measured.
struct SSEResult {
    var histogram: Histogram<UInt64>
    /// Events received by subscribers in the measured window.
    var delivered = 0
    var bytesRead = 0
    var errors = ErrorCounts()
    var subscribed = 0
    var subscribeSeconds = 0.0
    var published = 0
    var publishedTotal = 0
    var missed = 0
    var ended = 0
    var reportedSubscribers: Int?
    /// Measured seconds.
    var seconds = 0.0
}

/// An SSE fan-out run on one thread and one epoll instance: opens the plan's subscriber
/// streams (a bounded number of TCP connects in flight, any number of heads awaited, bounded
/// in time), then publishes from one
/// keep-alive connection whenever fewer than `outstanding` events are still on their way to
/// some live subscriber (self-clocking), timing each delivery from the publish time the
/// event's data carries. Event ids must go up by one on every stream.
///
/// Progress lines go to `progress` (stderr) at each phase, so the orchestrator can sample the
/// server while the streams are idle and over exactly the measured window.
final class SSEFanOut {
    private enum Phase { case waiting, connecting, awaitingHead, open, gone }

    private final class Subscriber {
        let index: Int
        var fd: Int32 = -1
        var phase = Phase.waiting
        var stream = SSEStream()
        /// The last event id received (0: none yet).
        var lastID = 0
        /// Subscribe attempts made (at most `maxAttempts`).
        var attempts = 0

        init(index: Int) { self.index = index }
    }

    private let plan: SSEPlan
    private let progress: (String) -> Void
    private let epoll: Int32
    private var address = sockaddr_in()
    private var subscribers: [Subscriber]
    private let publisher: ClientConnection
    private var result: SSEResult
    private let subscribeRequest: [UInt8]
    private let requestHead: String
    /// One read buffer for every socket: a subscriber's bytes are parsed as soon as they are read.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private var events = [epoll_event](repeating: epoll_event(), count: 1024)

    // Subscribe phase.
    private var waiting: [Int] = []
    /// Sockets still connecting (bounded by the plan), and streams that sent their request and wait for the head.
    private var connectsInFlight = 0
    private var awaitingHeads = 0
    /// Subscribe attempts per stream: one retry after a refused connect, a non-200 or a closed connection.
    private static let maxAttempts = 2

    // Publishing. Event ids are the publish sequence from 1 (a fresh topic).
    /// Per event id: how many live subscribers received it, or -1 once every one did.
    private var deliveries: [Int32] = [-1]
    private var published = 0
    private var completedEvents = 0
    /// The smallest event id not yet received by everyone.
    private var oldest = 1
    private var live = 0
    private var replies = 0
    private var lastProgress: UInt64 = 0
    private var publishFrom: UInt64 = .max
    private var measureFrom: UInt64 = .max
    private var end: UInt64 = .max

    private var publisherIndex: Int { subscribers.count }
    private var outstandingEvents: Int { published - completedEvents }

    init(plan: SSEPlan, progress: @escaping (String) -> Void) {
        self.plan = plan
        self.progress = progress
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        subscribers = (0..<plan.subscribers).map(Subscriber.init)
        publisher = ClientConnection(index: plan.subscribers, pipeline: 1)
        result = SSEResult(histogram: Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three))
        let host = "host: \(plan.target.host):\(plan.target.port)\r\n"
        subscribeRequest = Array("GET \(plan.target.path) HTTP/1.1\r\n\(host)accept: text/event-stream\r\ncache-control: no-cache\r\n\r\n".utf8)
        requestHead = "POST \(plan.target.path) HTTP/1.1\r\n\(host)content-type: text/plain\r\ncontent-length: "
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = plan.target.port.bigEndian
        inet_pton(AF_INET, plan.target.host, &address.sin_addr)
    }

    deinit {
        for subscriber in subscribers where subscriber.fd >= 0 { close(subscriber.fd) }
        if publisher.fd >= 0 { close(publisher.fd) }
        close(epoll)
        scratch.deallocate()
    }

    /// Subscribes, publishes (or holds) until the plan's end; returns what was measured.
    func run() -> SSEResult {
        let started = MonotonicClock.now()
        // The publisher connects first, so a server's connection limit turns away a subscriber, not it.
        if !plan.idle { openPublisher() }
        waiting = Array(subscribers.indices.reversed())
        let subscribeDeadline = started + plan.subscribeTimeout
        while result.subscribed < plan.subscribers, MonotonicClock.now() < subscribeDeadline {
            startConnects()
            if connectsInFlight == 0 && awaitingHeads == 0 && waiting.isEmpty { break }
            poll(until: subscribeDeadline)
        }
        // Streams still connecting are given up: the run goes on with those that opened.
        for subscriber in subscribers where subscriber.phase == .connecting || subscriber.phase == .awaitingHead {
            result.errors.timeout += 1
            drop(subscriber)
        }
        let opened = MonotonicClock.now()
        result.subscribeSeconds = Double(opened - started) / 1e9
        progress("subscribed \(result.subscribed) of \(plan.subscribers) in \(String(format: "%.2f", result.subscribeSeconds)) s")

        if plan.idle {
            measureFrom = opened
            end = opened + plan.duration
        } else {
            publishFrom = opened + plan.idleHold
            measureFrom = publishFrom + plan.warmup
            end = measureFrom + plan.duration
            if publisher.phase == .closed { openPublisher() }
        }
        lastProgress = opened
        var announcedMeasuring = false
        var nextCheck = opened + 50_000_000
        while true {
            let now = MonotonicClock.now()
            if now >= end { break }
            if !announcedMeasuring && now >= measureFrom {
                announcedMeasuring = true
                progress("measuring")
            }
            publishIfDue(now: now)
            poll(until: min(end, announcedMeasuring ? end : measureFrom, now + 10_000_000))
            let after = MonotonicClock.now()
            publishIfDue(now: after)
            if after >= nextCheck {
                nextCheck = after + 50_000_000
                checkTimeouts(now: after)
            }
        }
        progress("measured")
        result.seconds = Double(plan.duration) / 1e9
        result.publishedTotal = published
        return result
    }

    // MARK: Event loop

    private func poll(until deadline: UInt64) {
        let now = MonotonicClock.now()
        let wait = deadline > now ? Int32(min((deadline - now + 999_999) / 1_000_000, 10)) : 0
        let ready = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), wait) }
        for index in 0..<max(Int(ready), 0) {
            let event = events[index]
            let which = Int(event.data.u64)
            if which == publisherIndex {
                handlePublisher(events: event.events)
            } else {
                handleSubscriber(subscribers[which], events: event.events)
            }
        }
    }

    private func counting(_ now: UInt64) -> Bool { now >= measureFrom && now < end }

    // MARK: Subscribers

    private func startConnects() {
        while connectsInFlight < plan.connectsInFlight, let index = waiting.popLast() {
            let subscriber = subscribers[index]
            guard subscriber.attempts < Self.maxAttempts else { continue }
            subscriber.attempts += 1
            guard let fd = connectSocket(index: index) else {
                result.errors.connect += 1
                continue
            }
            subscriber.fd = fd
            subscriber.phase = .connecting
            subscriber.stream = SSEStream()
            connectsInFlight += 1
        }
    }

    private func handleSubscriber(_ subscriber: Subscriber, events: UInt32) {
        switch subscriber.phase {
        case .connecting:
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            guard socketError(subscriber.fd) == 0 else {
                result.errors.connect += 1
                retry(subscriber)
                return
            }
            let written = subscribeRequest.withUnsafeBytes { Glibc.write(subscriber.fd, $0.baseAddress, $0.count) }
            guard written == subscribeRequest.count else {
                result.errors.write += 1
                retry(subscriber)
                return
            }
            subscriber.phase = .awaitingHead
            connectsInFlight -= 1
            awaitingHeads += 1
            modify(subscriber.fd, index: subscriber.index, writable: false)
        case .awaitingHead, .open:
            receive(subscriber)
        case .waiting, .gone:
            return
        }
    }

    private func receive(_ subscriber: Subscriber) {
        let count = Glibc.read(subscriber.fd, scratch.baseAddress, scratch.count)
        if count <= 0 {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            if count == 0 { result.errors.closed += 1 } else { result.errors.read += 1 }
            if subscriber.phase == .open { end(subscriber) } else { retry(subscriber) }
            return
        }
        let now = MonotonicClock.now()
        if counting(now) { result.bytesRead += count }
        let outcome = subscriber.stream.receive(UnsafeRawBufferPointer(rebasing: scratch[..<count])) { id, data in
            delivered(to: subscriber, id: id, data: data, now: now)
        }
        if subscriber.phase == .awaitingHead && subscriber.stream.isOpen {
            subscriber.phase = .open
            awaitingHeads -= 1
            result.subscribed += 1
            live += 1
        }
        switch outcome {
        case .more:
            return
        case .rejected:
            result.errors.status += 1
            retry(subscriber)
        case .notEventStream, .invalid:
            result.errors.protocol += 1
            if subscriber.phase == .open { end(subscriber) } else { retry(subscriber) }
        case .ended:
            result.errors.closed += 1
            end(subscriber)
        }
    }

    /// A subscribe attempt failed: closes it and queues another while attempts last.
    private func retry(_ subscriber: Subscriber) {
        drop(subscriber)
        subscriber.phase = .waiting
        waiting.insert(subscriber.index, at: 0)
    }

    /// Closes a subscriber that never opened.
    private func drop(_ subscriber: Subscriber) {
        if subscriber.phase == .connecting { connectsInFlight -= 1 }
        if subscriber.phase == .awaitingHead { awaitingHeads -= 1 }
        closeSocket(subscriber.fd)
        subscriber.fd = -1
        subscriber.phase = .gone
    }

    /// An open stream ended or failed: it no longer counts toward any event's delivery.
    private func end(_ subscriber: Subscriber) {
        closeSocket(subscriber.fd)
        subscriber.fd = -1
        subscriber.phase = .gone
        result.ended += 1
        live -= 1
        if oldest <= min(subscriber.lastID, published) {
            for id in oldest...min(subscriber.lastID, published) where deliveries[id] > 0 { deliveries[id] -= 1 }
        }
        completeReached()
    }

    // MARK: Deliveries

    private func delivered(to subscriber: Subscriber, id: String, data: String, now: UInt64) {
        guard let eventID = Int(id), eventID > subscriber.lastID, eventID <= published, let sent = Self.decimal(data) else {
            result.errors.protocol += 1  // repeated, unpublished, or not our event
            return
        }
        if eventID > subscriber.lastID + 1 {
            result.errors.protocol += 1
            result.missed += eventID - subscriber.lastID - 1
            for skipped in (subscriber.lastID + 1)..<eventID { credit(skipped) }
        }
        subscriber.lastID = eventID
        credit(eventID)
        lastProgress = now
        if counting(now) {
            result.delivered += 1
            _ = result.histogram.record(now > sent ? now - sent : 0)
        }
    }

    /// One more live subscriber has event `id`.
    private func credit(_ id: Int) {
        guard deliveries[id] >= 0 else { return }
        deliveries[id] += 1
        if Int(deliveries[id]) >= live { complete(id) }
    }

    private func complete(_ id: Int) {
        deliveries[id] = -1
        completedEvents += 1
        while oldest <= published && deliveries[oldest] < 0 { oldest += 1 }
    }

    /// Completes every event all remaining live subscribers have (after one ended).
    private func completeReached() {
        guard oldest <= published else { return }
        for id in oldest...published where deliveries[id] >= 0 && Int(deliveries[id]) >= live { complete(id) }
    }

    private func checkTimeouts(now: UInt64) {
        // Stamps may be a little newer than `now`.
        if outstandingEvents > 0 && now > lastProgress + plan.timeout {
            // Someone never got the oldest event: count it and stop waiting for it.
            result.errors.timeout += 1
            complete(oldest)
            lastProgress = now
        }
        if publisher.inFlight > 0 && now > publisher.lastProgress + plan.timeout {
            result.errors.timeout += 1
            reopenPublisher()
        }
    }

    /// The digits of `data` as a number (leading zeros pad it); nil if anything else is in it.
    static func decimal(_ data: String) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in data.utf8 {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value &* 10 &+ UInt64(byte - 48)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    // MARK: Publisher

    private func openPublisher() {
        guard let fd = connectSocket(index: publisherIndex) else {
            result.errors.connect += 1
            return
        }
        publisher.fd = fd
        publisher.phase = .connecting
        publisher.inbox.reset()
        publisher.outbox.removeAll(keepingCapacity: true)
        publisher.outboxOffset = 0
        publisher.clearInFlight()
        publisher.lastProgress = MonotonicClock.now()
    }

    private func reopenPublisher() {
        closeSocket(publisher.fd)
        publisher.fd = -1
        publisher.phase = .closed
        if MonotonicClock.now() < end { openPublisher() }
    }

    private func handlePublisher(events: UInt32) {
        if publisher.phase == .connecting {
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            guard socketError(publisher.fd) == 0 else {
                result.errors.connect += 1
                reopenPublisher()
                return
            }
            publisher.phase = .ready
            modify(publisher.fd, index: publisherIndex, writable: false)
            return
        }
        if events & EPOLLOUT.rawValue != 0 { flushPublisher() }
        guard events & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
        let count = publisher.inbox.read(from: publisher.fd)
        if count <= 0 {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            if publisher.inFlight > 0 { if count == 0 { result.errors.closed += 1 } else { result.errors.read += 1 } }
            reopenPublisher()
            return
        }
        while !publisher.inbox.isEmpty {
            switch HTTPResponseScanner.scan(publisher.inbox.unconsumed) {
            case .incomplete:
                return
            case .invalid:
                result.errors.protocol += 1
                reopenPublisher()
                return
            case .complete(let status, let length):
                let reply = PublishReply.parse(UnsafeRawBufferPointer(rebasing: publisher.inbox.unconsumed[..<length]))
                publisher.inbox.consume(length)
                guard publisher.popTime() != nil else {
                    // A response to nothing: a server closing the idle keep-alive connection (e.g. 408) while
                    // the subscribers open. Not an error of the run: connect again.
                    progress("publisher: unsolicited \(status) on the idle connection; reconnecting")
                    reopenPublisher()
                    return
                }
                replies += 1
                publisher.lastProgress = MonotonicClock.now()
                if !(200..<300).contains(status) {
                    result.errors.status += 1
                } else if let reply {
                    if reply.id != replies { result.errors.protocol += 1 }
                    result.reportedSubscribers = reply.subscribers
                } else {
                    result.errors.protocol += 1
                }
            }
        }
    }

    /// Publishes one event when the publisher is free, the window allows it and fewer than
    /// `outstanding` events are on their way.
    private func publishIfDue(now: UInt64) {
        guard publisher.phase == .ready, publisher.inFlight == 0, publisher.outbox.isEmpty, now >= publishFrom, now < end,
            live > 0, outstandingEvents < plan.outstanding
        else { return }
        let stamp = MonotonicClock.now()
        let digits = String(stamp)
        let body = String(repeating: "0", count: max(0, plan.eventSize - digits.utf8.count)) + digits
        let request = Array((requestHead + "\(body.utf8.count)\r\n\r\n" + body).utf8)
        published += 1
        deliveries.append(0)
        if counting(stamp) { result.published += 1 }
        if outstandingEvents == 1 { lastProgress = stamp }
        publisher.pushTime(stamp)
        publisher.lastProgress = stamp
        let written = request.withUnsafeBytes { Glibc.write(publisher.fd, $0.baseAddress, $0.count) }
        if written == request.count { return }
        if written < 0 && errno != EAGAIN {
            result.errors.write += 1
            reopenPublisher()
            return
        }
        publisher.outbox.append(contentsOf: request.dropFirst(max(written, 0)))
        modify(publisher.fd, index: publisherIndex, writable: true)
    }

    private func flushPublisher() {
        guard !publisher.outbox.isEmpty else {
            modify(publisher.fd, index: publisherIndex, writable: false)
            return
        }
        let written = publisher.outbox.withUnsafeBytes {
            Glibc.write(publisher.fd, $0.baseAddress! + publisher.outboxOffset, $0.count - publisher.outboxOffset)
        }
        if written < 0 {
            if errno == EAGAIN { return }
            result.errors.write += 1
            reopenPublisher()
            return
        }
        publisher.outboxOffset += written
        if publisher.outboxOffset == publisher.outbox.count {
            publisher.outbox.removeAll(keepingCapacity: true)
            publisher.outboxOffset = 0
            modify(publisher.fd, index: publisherIndex, writable: false)
        }
    }

    // MARK: Sockets

    /// A nonblocking socket connecting to the target, registered for writability; nil on failure.
    private func connectSocket(index: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 || errno == EINPROGRESS else {
            close(fd)
            return nil
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue
        event.data.u64 = UInt64(index)
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        return fd
    }

    private func modify(_ fd: Int32, index: Int, writable: Bool) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(index)
        epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event)
    }

    private func socketError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    private func closeSocket(_ fd: Int32) {
        guard fd >= 0 else { return }
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
        close(fd)
    }
}
