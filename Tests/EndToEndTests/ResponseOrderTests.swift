import RingwayCore
import RingwayContract
import RingwayHTTP
import Testing

/// `ResponseOrder`: `http.response.start`, then `body*` with `more_body`, then a final body.
@Suite("ResponseOrder")
struct ResponseOrderTests {
    typealias State = ResponseOrder.State

    static let start = SendMessage.httpResponseStart(status: 200, headers: [("content-type", "text/plain")])
    static let bodyMore = SendMessage.httpResponseBody(body: Array("part".utf8), moreBody: true)
    static let bodyLast = SendMessage.httpResponseBody(body: Array("end".utf8), moreBody: false)
    static let startWithTrailers = SendMessage.httpResponseStart(status: 200, headers: Headers(), trailers: true)
    static let trailersMore = SendMessage.httpResponseTrailers(headers: [("x-a", "1")], moreTrailers: true)
    static let trailersLast = SendMessage.httpResponseTrailers(headers: [("x-b", "2")], moreTrailers: false)
    static let pathsend = SendMessage.httpResponsePathsend(path: "/etc/hostname")
    static let zerocopyMore = SendMessage.httpResponseZerocopysend(file: 0, offset: 1, count: 2, moreBody: true)
    static let zerocopyLast = SendMessage.httpResponseZerocopysend(file: 0)
    static let lifespanMessages: [SendMessage] = [
        .lifespanStartupComplete, .lifespanStartupFailed(message: "x"),
        .lifespanShutdownComplete, .lifespanShutdownFailed(message: "y"),
    ]

    /// An order in `state`, reached through valid messages.
    static func order(in state: State) throws -> ResponseOrder {
        var order = ResponseOrder()
        switch state {
        case .awaitingStart: break
        case .streamingBody: try order.accept(start)
        case .awaitingTrailers:
            try order.accept(startWithTrailers)
            try order.accept(bodyLast)
        case .complete:
            try order.accept(start)
            try order.accept(bodyLast)
        }
        #expect(order.state == state)
        return order
    }

    /// Expects `message` to be refused with `kind`, leaving the order unchanged.
    static func expectRejected(
        _ message: SendMessage, in state: State, as kind: MessageOrderError.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var order = try Self.order(in: state)
        let before = order
        #expect(throws: MessageOrderError(kind), "\(message.type) in \(state)", sourceLocation: sourceLocation) {
            try order.accept(message)
        }
        #expect(order == before, "a refused message changed the state", sourceLocation: sourceLocation)
    }

    @Test func startsAwaitingStart() {
        #expect(ResponseOrder().state == .awaitingStart)
        #expect(ResponseOrder() == ResponseOrder())
    }

    @Test func startThenBodiesThenFinalBody() throws {
        var order = ResponseOrder()
        try order.accept(Self.start)
        #expect(order.state == .streamingBody)
        for _ in 0..<3 {
            try order.accept(Self.bodyMore)
            #expect(order.state == .streamingBody)
        }
        try order.accept(.httpResponseBody(body: [], moreBody: true))
        #expect(order.state == .streamingBody)
        try order.accept(Self.bodyLast)
        #expect(order.state == .complete)
    }

    @Test func startThenSingleBody() throws {
        var order = ResponseOrder()
        try order.accept(.httpResponseStart(status: 204))
        try order.accept(.httpResponseBody())  // defaults: empty, more_body false
        #expect(order.state == .complete)
    }

    @Test func startWithTrailersFlagIsAStart() throws {
        var order = ResponseOrder()
        try order.accept(.httpResponseStart(status: 200, headers: Headers(), trailers: true))
        #expect(order.state == .streamingBody)
    }

    @Test(arguments: [200, 201, 204, 299, 301, 404, 500, 599, 999])
    func validStatuses(status: Int) throws {
        var order = ResponseOrder()
        try order.accept(.httpResponseStart(status: status))
        #expect(order.state == .streamingBody)
    }

    @Test(arguments: [Int.min, -200, 0, 99, 100, 101, 103, 199, 1000, 1_000_000, Int.max])
    func invalidStatuses(status: Int) throws {
        try Self.expectRejected(.httpResponseStart(status: status), in: .awaitingStart, as: .invalidStatus(status))
        // The start can still be sent after a refused one.
        var order = ResponseOrder()
        #expect(throws: MessageOrderError(.invalidStatus(status))) { try order.accept(.httpResponseStart(status: status)) }
        try order.accept(Self.start)
        #expect(order.state == .streamingBody)
    }

    @Test func bodyBeforeStart() throws {
        try Self.expectRejected(Self.bodyMore, in: .awaitingStart, as: .bodyBeforeStart)
        try Self.expectRejected(Self.bodyLast, in: .awaitingStart, as: .bodyBeforeStart)
        try Self.expectRejected(.httpResponseBody(), in: .awaitingStart, as: .bodyBeforeStart)
    }

    @Test func duplicateStart() throws {
        try Self.expectRejected(Self.start, in: .streamingBody, as: .duplicateStart)
        // Even an invalid status is a duplicate start once started.
        try Self.expectRejected(.httpResponseStart(status: 42), in: .streamingBody, as: .duplicateStart)
        // And after some body.
        var order = try Self.order(in: .streamingBody)
        try order.accept(Self.bodyMore)
        #expect(throws: MessageOrderError(.duplicateStart)) { try order.accept(Self.start) }
        #expect(order.state == .streamingBody)
    }

    @Test func sendAfterResponseComplete() throws {
        try Self.expectRejected(Self.start, in: .complete, as: .sendAfterResponseComplete)
        try Self.expectRejected(Self.bodyMore, in: .complete, as: .sendAfterResponseComplete)
        try Self.expectRejected(Self.bodyLast, in: .complete, as: .sendAfterResponseComplete)
        try Self.expectRejected(.httpResponseBody(), in: .complete, as: .sendAfterResponseComplete)
    }

    @Test func trailersFollowTheFinalBodyWhenAnnounced() throws {
        var order = ResponseOrder()
        try order.accept(Self.startWithTrailers)
        #expect(throws: MessageOrderError(.trailersBeforeBodyEnd)) { try order.accept(Self.trailersLast) }
        try order.accept(Self.bodyMore)
        try order.accept(Self.bodyLast)
        #expect(order.state == .awaitingTrailers)
        try order.accept(Self.trailersMore)
        #expect(order.state == .awaitingTrailers)
        try order.accept(Self.trailersLast)
        #expect(order.state == .complete)
        var plain = ResponseOrder()
        try plain.accept(Self.start)
        #expect(throws: MessageOrderError(.trailersNotAnnounced)) { try plain.accept(Self.trailersLast) }
    }

    @Test func pathsendReplacesTheBody() throws {
        var order = ResponseOrder()
        try order.accept(Self.start)
        try order.accept(Self.pathsend)
        #expect(order.state == .complete)
        var late = ResponseOrder()
        try late.accept(Self.start)
        try late.accept(Self.bodyMore)
        #expect(throws: MessageOrderError(.pathsendAfterBody)) { try late.accept(Self.pathsend) }
        var withTrailers = ResponseOrder()
        try withTrailers.accept(Self.startWithTrailers)
        try withTrailers.accept(Self.pathsend)
        #expect(withTrailers.state == .awaitingTrailers)
    }

    @Test func zerocopysendIsABodyMessage() throws {
        var mixed = ResponseOrder()
        try mixed.accept(Self.start)
        try mixed.accept(Self.zerocopyMore)
        #expect(mixed.bodyStarted)
        try mixed.accept(Self.bodyMore)
        try mixed.accept(Self.zerocopyMore)
        #expect(throws: MessageOrderError(.pathsendAfterBody)) { try mixed.accept(Self.pathsend) }
        try mixed.accept(Self.bodyLast)
        #expect(mixed.state == .complete)
        var withTrailers = ResponseOrder()
        try withTrailers.accept(Self.startWithTrailers)
        try withTrailers.accept(Self.zerocopyLast)
        #expect(withTrailers.state == .awaitingTrailers)
        #expect(Self.zerocopyLast.type == "http.response.zerocopysend")
    }

    @Test(arguments: [State.awaitingStart, .streamingBody, .awaitingTrailers, .complete])
    func lifespanMessagesAreUnexpectedInEveryState(state: State) throws {
        for message in Self.lifespanMessages {
            try Self.expectRejected(message, in: state, as: .unexpectedMessage(type: message.type, scope: "http"))
        }
    }

    /// The whole transition table: every state × every kind of message.
    @Test(arguments: [State.awaitingStart, .streamingBody, .awaitingTrailers, .complete])
    func transitionTable(state: State) throws {
        let expectations: [(SendMessage, Result<State, MessageOrderError>)] = switch state {
        case .awaitingStart: [
            (Self.start, .success(.streamingBody)),
            (Self.bodyMore, .failure(MessageOrderError(.bodyBeforeStart))),
            (Self.bodyLast, .failure(MessageOrderError(.bodyBeforeStart))),
            (Self.pathsend, .failure(MessageOrderError(.bodyBeforeStart))),
            (Self.zerocopyMore, .failure(MessageOrderError(.bodyBeforeStart))),
            (Self.zerocopyLast, .failure(MessageOrderError(.bodyBeforeStart))),
            (Self.trailersLast, .failure(MessageOrderError(.trailersNotAnnounced))),
        ]
        case .streamingBody: [
            (Self.start, .failure(MessageOrderError(.duplicateStart))),
            (Self.bodyMore, .success(.streamingBody)),
            (Self.bodyLast, .success(.complete)),
            (Self.pathsend, .success(.complete)),
            (Self.zerocopyMore, .success(.streamingBody)),
            (Self.zerocopyLast, .success(.complete)),
            (Self.trailersLast, .failure(MessageOrderError(.trailersNotAnnounced))),
        ]
        case .awaitingTrailers: [
            (Self.start, .failure(MessageOrderError(.duplicateStart))),
            (Self.bodyMore, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.pathsend, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.zerocopyMore, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.zerocopyLast, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.trailersMore, .success(.awaitingTrailers)),
            (Self.trailersLast, .success(.complete)),
        ]
        case .complete: [
            (Self.start, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.bodyMore, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.bodyLast, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.trailersLast, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.pathsend, .failure(MessageOrderError(.sendAfterResponseComplete))),
            (Self.zerocopyLast, .failure(MessageOrderError(.sendAfterResponseComplete))),
        ]
        }
        for (message, expected) in expectations {
            var order = try Self.order(in: state)
            let outcome = Result<State, MessageOrderError> { () throws(MessageOrderError) -> State in
                try order.accept(message)
                return order.state
            }
            #expect(outcome == expected, "\(message.type) (\(message)) in \(state)")
            if case .failure = outcome { #expect(order.state == state) }
        }
    }

    @Test func errorDescriptionsNameTheProblem() {
        #expect(MessageOrderError(.bodyBeforeStart).description.contains("before http.response.start"))
        #expect(MessageOrderError(.duplicateStart).description.contains("twice"))
        #expect(MessageOrderError(.invalidStatus(42)).description.contains("42"))
        let unexpected = MessageOrderError(.unexpectedMessage(type: "lifespan.startup.complete", scope: "http")).description
        #expect(unexpected.contains("lifespan.startup.complete") && unexpected.contains("http"))
    }
}
