/// The ASGI HTTP response message order as a state machine: `start`, then `body*` with
/// `more_body`, then a final `body`. Shared by the live HTTP handler and the in-memory test
/// client so both enforce exactly the same rules.
public struct ResponseOrder: Sendable, Equatable {
    /// Where the response is.
    public enum State: Sendable, Equatable {
        case awaitingStart
        case streamingBody
        case complete
    }

    public private(set) var state: State = .awaitingStart

    public init() {}

    /// Validates `message` against the current state and advances; throws the typed misuse.
    public mutating func accept(_ message: SendMessage) throws(MessageOrderError) {
        switch (state, message) {
        case (.awaitingStart, .httpResponseStart(let status, _, _)):
            guard (200...999).contains(status) else { throw MessageOrderError(.invalidStatus(status)) }
            state = .streamingBody
        case (.awaitingStart, .httpResponseBody):
            throw MessageOrderError(.bodyBeforeStart)
        case (.streamingBody, .httpResponseStart):
            throw MessageOrderError(.duplicateStart)
        case (.streamingBody, .httpResponseBody(_, let moreBody)):
            if !moreBody { state = .complete }
        case (.complete, .httpResponseStart), (.complete, .httpResponseBody):
            throw MessageOrderError(.sendAfterResponseComplete)
        case (_, .lifespanStartupComplete), (_, .lifespanStartupFailed), (_, .lifespanShutdownComplete), (_, .lifespanShutdownFailed):
            throw MessageOrderError(.unexpectedMessage(type: message.type, scope: "http"))
        }
    }
}
