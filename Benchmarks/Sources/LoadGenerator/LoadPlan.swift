/// What one load run does, shared by every worker thread.
struct LoadPlan: Sendable {
    enum Exchange: Sendable {
        /// HTTP/1.1 keep-alive: `request` is one complete request, sent `pipeline` deep.
        case http(request: [UInt8])
        /// HTTP/1.1 keep-alive, each request made from `template` with the next id.
        case httpTemplate(RequestTemplate)
        /// WebSocket echo: `frame` is one masked client message; the server echoes it.
        case webSocket(handshake: [UInt8], frame: [UInt8])
    }

    let target: Target
    let kind: Exchange
    /// Requests (or messages) in flight per connection.
    let pipeline: Int
    /// Constant-rate mode: each connection's interval between intended sends (ns), or nil for
    /// closed-loop mode (a new request as soon as a response arrives).
    let intervalPerConnection: UInt64?
    /// A connection whose oldest request has waited this long is counted as a timeout and reopened.
    let timeoutNanoseconds: UInt64
    /// Responses completed before this instant are warm-up: not counted, not timed.
    let measureFrom: UInt64
    /// The run ends at this instant.
    let end: UInt64

    var isWebSocket: Bool {
        if case .webSocket = kind { return true }
        return false
    }
}
