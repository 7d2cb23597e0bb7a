import Foundation
import Ringway
import RingwayToolkit

/// The seed guide's Server-Sent Events, and broadcast topics:
///
/// - `GET /sse` — the seed's `sse_handler`: a `{"type": "connected", "timestamp": …}` event,
///   then `{"type": "update", "counter": n, "timestamp": …, "message": "Update #n"}` with
///   `id: n` every second (`?interval_ms=N`, at least 10). A reconnect with `Last-Event-ID: k`
///   continues with counter `k+1`.
/// - `GET /sse/page` — the seed's EventSource page.
/// - `GET /sse/topics/{topic}` — subscribes to a topic (resuming after `Last-Event-ID` from
///   the topic's last 1,000 events); `POST /sse/topics/{topic}` publishes the body as one
///   event's data (`?event=NAME` sets its type) and answers `202 {"id": n, "subscribers": k}`.
struct SSEDemo: Sendable {
    let sse: ServerSentEvents

    static let defaultInterval = 1000
    static let minimumInterval = 10
    static let maxTopicName = 200

    /// Registers the routes on `router`.
    func register(on router: Router) {
        router.get("/sse") { scope, receive, send in try await updates(scope, receive, send) }
        router.get("/sse/page") { _, _, send in try await send.bytes(SSEPage.html, contentType: DemoApp.htmlType) }
        router.get("/sse/topics/{topic}") { scope, receive, send in try await subscribe(scope, receive, send) }
        router.post("/sse/topics/{topic}") { scope, receive, send in try await publish(scope, receive, send) }
    }

    /// The `{topic}` of a topic route: at most `maxTopicName` bytes, else 404.
    private static func topic(_ scope: Scope) throws(HTTPError) -> String {
        guard let topic = scope.pathParameters["topic"], topic.utf8.count <= maxTopicName, !topic.contains("/") else { throw .notFound }
        return topic
    }

    /// `GET /sse`.
    private func updates(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        var interval = Self.defaultInterval
        if let value = Request(scope, receive).query["interval_ms"] {
            guard let milliseconds = Int(value), milliseconds >= 0 else {
                throw HTTPError.badRequest("interval_ms must be a whole number of milliseconds (at least \(Self.minimumInterval))\n")
            }
            interval = max(Self.minimumInterval, milliseconds)
        }
        let period = Duration.milliseconds(interval)
        try await sse.stream(scope, receive, send, headers: [("access-control-allow-origin", "*")]) { stream in
            try await stream.send(ServerSentEvent(data: #"{"type": "connected", "timestamp": \#(Self.timestamp())}"#))
            // Any id a client sends: a number from 0 to 2^53 (what a page's JavaScript counts exactly), else 0.
            var counter = min(max(0, Int(stream.lastEventID ?? "") ?? 0), 1 << 53)
            while true {
                counter += 1
                let data = #"{"type": "update", "counter": \#(counter), "timestamp": \#(Self.timestamp()), "message": "Update #\#(counter)"}"#
                try await stream.send(ServerSentEvent(data: data, id: String(counter)))
                try await stream.sleep(for: period)
            }
        }
    }

    /// `GET /sse/topics/{topic}`.
    private func subscribe(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let topic = try Self.topic(scope)
        do {
            try await sse.subscribe(scope, receive, send, to: topic, headers: [("access-control-allow-origin", "*")])
        } catch let error as SSEBroadcastError {
            throw HTTPError(503, "\(error)\n")
        }
    }

    /// `POST /sse/topics/{topic}[?event=NAME]`.
    private func publish(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let topic = try Self.topic(scope)
        let request = Request(scope, receive)
        let body = try await request.body()
        guard let data = String(validating: body, as: UTF8.self) else {
            throw HTTPError.badRequest("the event data must be UTF-8 text\n")
        }
        let event = request.query["event"]
        let published: PublishedEvent
        do {
            published = try sse.publish(ServerSentEvent(data: data, event: event?.isEmpty == true ? nil : event), to: topic)
        } catch {
            switch error.kind {
            case .tooManyTopics: throw HTTPError(503, "\(error)\n")
            case .encoding, .idNotAllowed: throw HTTPError.badRequest("invalid event name: \(error)\n")
            }
        }
        let reply: JSONValue = ["id": .number(JSONNumber(Int(published.id))), "subscribers": .number(JSONNumber(published.subscribers))]
        try await send.json(reply, style: .python, status: 202)
    }

    /// Seconds since 1970 with a fraction, as Python's `time.time()` prints.
    static func timestamp() -> String {
        String(Date().timeIntervalSince1970)
    }
}
