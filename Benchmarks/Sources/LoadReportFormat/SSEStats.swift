/// What an SSE fan-out run (`ringway-load sse`) counted beyond the shared report fields: the
/// subscribers it asked for and got, the events it published, and how deliveries went wrong.
public struct SSEStats: Codable, Sendable {
    /// Subscriber streams asked for.
    public var subscribers: Int
    /// Streams that answered `200 text/event-stream` within the subscribe timeout.
    public var subscribed: Int
    /// Seconds it took to open them.
    public var subscribeSeconds: Double
    /// Events outstanding at most (published, not yet received by every subscriber).
    public var outstanding: Int
    /// Events published (POSTs sent) in the measured window.
    public var published: Int
    /// Events published over the whole run, warm-up included.
    public var publishedTotal: Int
    /// Event ids a subscriber skipped (each also counts a protocol error).
    public var missed: Int
    /// Subscriber streams that ended or failed after they opened (each also counts an error).
    public var ended: Int
    /// The subscriber count in the last `202` reply, if any came.
    public var reportedSubscribers: Int?
    /// Whether the run only held the streams open (no publisher).
    public var idle: Bool

    public init(subscribers: Int, subscribed: Int, subscribeSeconds: Double, outstanding: Int, published: Int, publishedTotal: Int,
                missed: Int, ended: Int, reportedSubscribers: Int?, idle: Bool) {
        self.subscribers = subscribers
        self.subscribed = subscribed
        self.subscribeSeconds = subscribeSeconds
        self.outstanding = outstanding
        self.published = published
        self.publishedTotal = publishedTotal
        self.missed = missed
        self.ended = ended
        self.reportedSubscribers = reportedSubscribers
        self.idle = idle
    }
}
