import Foundation
import Ringway

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

    static let topicsPrefix = "/sse/topics/"
    static let defaultInterval = 1000
    static let minimumInterval = 10
    static let maxTopicName = 200

    func serve(_ request: HTTPScope, _ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        switch (request.method, request.path) {
        case ("GET", "/sse"):
            try await updates(request, scope, receive, send)
        case ("GET", "/sse/page"), ("HEAD", "/sse/page"):
            try await DemoApp.respond(send, 200, DemoApp.htmlHeaders, SSEPage.html)
        case (_, "/sse"), (_, "/sse/page"):
            try await DemoApp.respond(send, 405, [("content-type", "text/plain"), ("allow", request.path == "/sse" ? "GET" : "GET, HEAD")],
                                        Array("Method Not Allowed\n".utf8))
        default:
            let topic = String(request.path.dropFirst(Self.topicsPrefix.count))
            guard !topic.isEmpty, !topic.contains("/"), topic.utf8.count <= Self.maxTopicName else {
                try await DemoApp.respond(send, 404, DemoApp.plaintextHeaders, Array("Not Found\n".utf8))
                return
            }
            switch request.method {
            case "GET": try await subscribe(topic, scope, receive, send)
            case "POST": try await publish(topic, request, receive, send)
            default:
                try await DemoApp.respond(send, 405, [("content-type", "text/plain"), ("allow", "GET, POST")], Array("Method Not Allowed\n".utf8))
            }
        }
    }

    /// `GET /sse`.
    private func updates(_ request: HTTPScope, _ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        var interval = Self.defaultInterval
        if let value = DemoQuery.value("interval_ms", in: request.query) {
            guard let milliseconds = Int(value), milliseconds >= 0 else {
                try await DemoApp.respond(send, 400, DemoApp.plaintextHeaders,
                                            Array("interval_ms must be a whole number of milliseconds (at least \(Self.minimumInterval))\n".utf8))
                return
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
    private func subscribe(_ topic: String, _ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        do {
            try await sse.subscribe(scope, receive, send, to: topic, headers: [("access-control-allow-origin", "*")])
        } catch let error as SSEBroadcastError {
            try await DemoApp.respond(send, 503, DemoApp.plaintextHeaders, Array("\(error)\n".utf8))
        }
    }

    /// `POST /sse/topics/{topic}[?event=NAME]`.
    private func publish(_ topic: String, _ request: HTTPScope, _ receive: Receive, _ send: Send) async throws {
        guard let body = try await DemoRequest.body(receive) else { return }  // client left
        guard let data = String(validating: body, as: UTF8.self) else {
            try await DemoApp.respond(send, 400, DemoApp.plaintextHeaders, Array("the event data must be UTF-8 text\n".utf8))
            return
        }
        let event = DemoQuery.value("event", in: request.query)
        let published: PublishedEvent
        do {
            published = try sse.publish(ServerSentEvent(data: data, event: event?.isEmpty == true ? nil : event), to: topic)
        } catch {
            switch error.kind {
            case .tooManyTopics:
                try await DemoApp.respond(send, 503, DemoApp.plaintextHeaders, Array("\(error)\n".utf8))
            case .encoding, .idNotAllowed:
                try await DemoApp.respond(send, 400, DemoApp.plaintextHeaders, Array("invalid event name: \(error)\n".utf8))
            }
            return
        }
        try await DemoApp.respond(send, 202, DemoApp.jsonHeaders,
                                    Array(#"{"id": \#(published.id), "subscribers": \#(published.subscribers)}"#.utf8))
    }

    /// Seconds since 1970 with a fraction, as Python's `time.time()` prints.
    static func timestamp() -> String {
        String(Date().timeIntervalSince1970)
    }
}

/// The request helpers the demo needs (the toolkit will give apps their own).
enum DemoRequest {
    /// The whole request body, or nil when the client left first.
    static func body(_ receive: Receive) async throws -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard case .httpRequest(let chunk, let more) = try await receive() else { return nil }
            body.append(contentsOf: chunk)
            if !more { return body }
        }
    }
}

enum DemoQuery {
    /// The first value of `name` in a query string (`+` and percent-escapes decoded).
    static func value(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard decode(parts[0]) == name else { continue }
            return parts.count > 1 ? decode(parts[1]) : ""
        }
        return nil
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
