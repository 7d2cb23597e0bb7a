import Hummingbird
import ServiceLifecycle

/// The SSE fan-out routes, `text/event-stream` by hand the way Hummingbird's users write it: a
/// `ResponseBody` writing from an `AsyncStream` per subscriber. `GET /sse/topics/{topic}`
/// subscribes; `POST /sse/topics/{topic}` publishes the body as one event and answers `202`
/// with `{"id":n,"subscribers":k}`.
enum SSERoutes {
    /// Largest event body accepted.
    static let maxEventBody = 1 << 20

    /// Adds the routes to `router`, sharing `broker`.
    static func add(to router: Router<BasicRequestContext>, broker: TopicBroker) {
        router.get("/sse/topics/:topic") { _, context in
            let topic = try context.parameters.require("topic")
            let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
            // Registered before the head goes out, so an open stream gets every later event.
            let key = await broker.subscribe(topic, continuation)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    defer { Task { await broker.unsubscribe(topic, key) } }
                    // Graceful shutdown ends the stream, so the server can stop.
                    try await withGracefulShutdownHandler {
                        for await event in stream { try await writer.write(event) }
                    } onGracefulShutdown: {
                        continuation.finish()
                    }
                    try await writer.finish(nil)
                }
            )
        }
        router.post("/sse/topics/:topic") { request, context in
            let topic = try context.parameters.require("topic")
            let body = try await request.body.collect(upTo: maxEventBody)
            let sent = await broker.publish(topic, data: String(buffer: body))
            return Response(
                status: .accepted,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"id":\#(sent.id),"subscribers":\#(sent.subscribers)}"#))
            )
        }
    }
}
