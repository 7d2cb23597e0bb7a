import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// One client socket of a worker: its phase, received bytes, unsent bytes, and the send (or
/// intended-send) times of the requests in flight, oldest first.
final class ClientConnection {
    enum Phase { case closed, connecting, handshaking, ready }

    /// Position in its worker's list, also the epoll event's data.
    let index: Int
    var fd: Int32 = -1
    var phase = Phase.closed
    var inbox = ReceiveBuffer()
    /// Bytes a short write left behind; sent when the socket is writable again.
    var outbox: [UInt8] = []
    var outboxOffset = 0
    var wantsWritable = false
    /// Times of the requests in flight (a ring of `pipeline` slots).
    private var times: [UInt64]
    /// The `{n}` each request in flight was sent with (`--path-template`), beside its time.
    private var ids: [Int]
    private var head = 0
    private(set) var inFlight = 0
    /// Constant-rate mode: when the next request is due.
    var nextIntended: UInt64 = 0
    /// Last time a response arrived or the first request went out on an idle connection.
    var lastProgress: UInt64 = 0

    init(index: Int, pipeline: Int) {
        self.index = index
        times = [UInt64](repeating: 0, count: pipeline)
        ids = [Int](repeating: 0, count: pipeline)
    }

    func pushTime(_ time: UInt64, id: Int = 0) {
        times[(head + inFlight) % times.count] = time
        ids[(head + inFlight) % ids.count] = id
        inFlight += 1
    }

    /// The id of the oldest request in flight (the one the next response answers).
    var oldestID: Int? { inFlight > 0 ? ids[head] : nil }

    func popTime() -> UInt64? {
        guard inFlight > 0 else { return nil }
        let time = times[head]
        head = (head + 1) % times.count
        inFlight -= 1
        return time
    }

    func clearInFlight() {
        head = 0
        inFlight = 0
    }
}
