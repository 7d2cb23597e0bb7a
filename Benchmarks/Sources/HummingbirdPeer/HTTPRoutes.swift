import Hummingbird

/// The benchmark's HTTP routes: `GET /plaintext`, `GET /json`, `POST /echo` and the SSE topics
/// (`SSERoutes`); Hummingbird answers 404 otherwise.
enum HTTPRoutes {
    private static let plaintext = ByteBuffer(string: "Hello, World!")
    private static let json = ByteBuffer(string: #"{"message":"Hello, World!"}"#)

    /// Largest `POST /echo` body accepted.
    static let maxEchoBody = 1 << 20

    /// Builds the router.
    static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/plaintext") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: plaintext))
        }
        router.get("/json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: json))
        }
        router.post("/echo") { request, _ in
            let body = try await request.body.collect(upTo: maxEchoBody)
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream"],
                body: .init(byteBuffer: body)
            )
        }
        SSERoutes.add(to: router, broker: TopicBroker())
        return router
    }
}
