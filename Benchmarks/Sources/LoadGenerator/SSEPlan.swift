/// What one SSE fan-out run does: N subscriber streams on one topic, one publisher keeping at
/// most `outstanding` events in flight, or (`idle`) the streams only held open.
struct SSEPlan: Sendable {
    /// The topic's URL (`http://host:port/sse/topics/<topic>`): subscribers GET it, the publisher POSTs to it.
    let target: Target
    let subscribers: Int
    /// Events published but not yet received by every live subscriber, at most.
    let outstanding: Int
    /// Each event's data: the publish time (CLOCK_MONOTONIC ns, decimal) left-padded with zeros to this many bytes.
    let eventSize: Int
    /// Hold the streams open for the duration without publishing.
    let idle: Bool
    /// Nanoseconds between the last stream opening and the first publish (streams idle).
    let idleHold: UInt64
    /// Nanoseconds of publishing before anything is counted.
    let warmup: UInt64
    /// Measured nanoseconds.
    let duration: UInt64
    /// Nanoseconds the subscribe phase may take before the run goes on with the streams it has.
    let subscribeTimeout: UInt64
    /// Nanoseconds without progress after which the oldest outstanding event (or the publisher's POST) counts a timeout.
    let timeout: UInt64
    /// TCP connects in flight at once during the subscribe phase, so the server's accept backlog never
    /// overflows (streams waiting for their head do not count: a server may hold heads back).
    var connectsInFlight = 256
}
