package import RingwayContract

/// The ASGI HTTP response message order as a state machine: `start`, then `body*` with
/// `more_body` (a `zerocopysend` counts as a body message), then a final one (or one
/// `pathsend` instead of them all), then — when `start` announced them — `trailers*`
/// until `more_trailers` is false. Shared by the live HTTP handler and
/// the in-memory test client so both enforce exactly the same rules.
package struct ResponseOrder: Sendable, Equatable {
    /// Where the response is.
    package enum State: Sendable, Equatable {
        case awaitingStart
        case streamingBody
        case awaitingTrailers
        case complete
    }

    package private(set) var state: State = .awaitingStart
    /// Whether `http.response.start` announced trailers.
    package private(set) var trailersAnnounced = false
    /// Whether any body message (`http.response.body` or `zerocopysend`) was accepted
    /// (pathsend must come instead of them).
    package private(set) var bodyStarted = false

    package init() {}

    /// Validates `message` against the current state and advances; throws the typed misuse.
    package mutating func accept(_ message: SendMessage) throws(MessageOrderError) {
        switch (state, message) {
        case (.awaitingStart, .httpResponseStart(let status, _, let trailers)):
            guard (200...999).contains(status) else { throw MessageOrderError(.invalidStatus(status)) }
            trailersAnnounced = trailers
            state = .streamingBody
        case (.awaitingStart, .httpResponseBody), (.awaitingStart, .httpResponsePathsend), (.awaitingStart, .httpResponseZerocopysend):
            throw MessageOrderError(.bodyBeforeStart)
        case (.streamingBody, .httpResponseStart), (.awaitingTrailers, .httpResponseStart):
            throw MessageOrderError(.duplicateStart)
        case (.streamingBody, .httpResponseBody(_, let moreBody)), (.streamingBody, .httpResponseZerocopysend(_, _, _, let moreBody)):
            bodyStarted = true
            if !moreBody { state = trailersAnnounced ? .awaitingTrailers : .complete }
        case (.streamingBody, .httpResponseDetach):
            // The source writes the rest; for the app the response is over.
            guard !trailersAnnounced else { throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "http response with trailers")) }
            bodyStarted = true
            state = .complete
        case (.awaitingStart, .httpResponseDetach):
            throw MessageOrderError(.bodyBeforeStart)
        case (.awaitingTrailers, .httpResponseDetach), (.complete, .httpResponseDetach):
            throw MessageOrderError(.sendAfterResponseComplete)
        case (.streamingBody, .httpResponsePathsend):
            guard !bodyStarted else { throw MessageOrderError(.pathsendAfterBody) }
            state = trailersAnnounced ? .awaitingTrailers : .complete
        case (.awaitingTrailers, .httpResponseTrailers(_, let moreTrailers)):
            if !moreTrailers { state = .complete }
        case (.awaitingStart, .httpResponseTrailers), (.streamingBody, .httpResponseTrailers):
            throw MessageOrderError(trailersAnnounced ? .trailersBeforeBodyEnd : .trailersNotAnnounced)
        case (.awaitingTrailers, .httpResponseBody), (.awaitingTrailers, .httpResponsePathsend), (.awaitingTrailers, .httpResponseZerocopysend):
            throw MessageOrderError(.sendAfterResponseComplete)
        case (.complete, .httpResponseStart), (.complete, .httpResponseBody), (.complete, .httpResponseTrailers), (.complete, .httpResponsePathsend),
             (.complete, .httpResponseZerocopysend):
            throw MessageOrderError(.sendAfterResponseComplete)
        case (_, .lifespanStartupComplete), (_, .lifespanStartupFailed), (_, .lifespanShutdownComplete), (_, .lifespanShutdownFailed),
             (_, .websocketAccept), (_, .websocketSend), (_, .websocketSendPrepared), (_, .websocketClose), (_, .websocketHTTPResponseStart), (_, .websocketHTTPResponseBody):
            throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "http"))
        }
    }
}
