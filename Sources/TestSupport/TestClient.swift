public import Ringway
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drives an application in memory, with no socket: builds the scope, feeds the request
/// body as `http.request` messages, and collects the response — through the same
/// `ResponseOrder` checks the live server applies, so misuse throws the same typed errors.
///
/// ```swift
/// let response = try await TestClient(app: hello).get("/")
/// #expect(response.status == 200 && response.text == "Hello World")
/// ```
public struct TestClient: Sendable {
    private let app: any Application
    private let state: ScopeState

    /// - Parameter state: the lifespan state copied into every request scope.
    public init(app: some Application, state: ScopeState = [:]) {
        self.app = app
        self.state = state
    }

    /// `GET path`.
    public func get(_ path: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request("GET", path, headers: headers)
    }

    /// `POST path` with a body.
    public func post(_ path: String, body: [UInt8], headers: Headers = Headers()) async throws -> TestResponse {
        try await request("POST", path, headers: headers, bodyChunks: [body])
    }

    /// `POST path` with a UTF-8 body.
    public func post(_ path: String, text: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await post(path, body: Array(text.utf8), headers: headers)
    }

    /// Any request. The body arrives in `bodyChunks` pieces (`more_body` on all but the last).
    /// `path` may carry a query string. Rethrows what the application throws.
    public func request(_ method: String, _ path: String, headers: Headers = Headers(), bodyChunks: [[UInt8]] = []) async throws -> TestResponse {
        let (pathPart, query) = Self.split(path)
        var requestHeaders = headers
        if !requestHeaders.contains("host") { requestHeaders.append(name: "host", value: "testserver") }
        let total = bodyChunks.reduce(0) { $0 + $1.count }
        if total > 0 && !requestHeaders.contains("content-length") {
            requestHeaders.append(name: "content-length", value: String(total))
        }
        let scope = HTTPScope(
            method: method, path: Self.percentDecoded(pathPart), rawPath: Array(pathPart.utf8), queryString: Array(query.utf8),
            headers: Self.lowercased(requestHeaders), client: PeerAddress(host: "127.0.0.1", port: 50000),
            server: PeerAddress(host: "testserver", port: 80), state: state, extensions: ScopeExtension.http)
        let channel = InMemoryHTTPChannel(bodyChunks: bodyChunks)
        try await app(.http(scope), Receive(channel: channel, exchange: 1), Send(channel: channel, exchange: 1))
        channel.end()
        return try channel.response()
    }

    private static func split(_ path: String) -> (String, String) {
        guard let mark = path.firstIndex(of: "?") else { return (path, "") }
        return (String(path[..<mark]), String(path[path.index(after: mark)...]))
    }

    private static func lowercased(_ headers: Headers) -> Headers {
        var result = Headers()
        for field in headers { result.append(name: field.name.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, value: field.value) }
        return result
    }

    static func percentDecoded(_ path: String) -> String {
        let target = Array(path.utf8)
        return (try? RequestTarget(parsing: target.isEmpty ? Array("/".utf8) : target, method: "GET").path) ?? path
    }
}

/// Where the app's problems become visible to a test.
public enum TestClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The application returned without sending `http.response.start`.
    case noResponse
    /// The application returned before the final `http.response.body`.
    case incompleteResponse(status: Int)
    /// A file the application sent (pathsend, zerocopysend) ended or failed before the bytes
    /// it was to supply.
    case truncatedFile(expected: Int, read: Int)

    public var description: String {
        switch self {
        case .noResponse: "the application returned without sending http.response.start"
        case .truncatedFile(let expected, let read): "a file sent as the body ended after \(read) of its \(expected) bytes"
        case .incompleteResponse(let status): "the application returned before finishing its \(status) response (more_body was still true)"
        }
    }
}

/// The in-memory message channel of one test request.
final class InMemoryHTTPChannel: MessageChannel, Sendable {
    private struct State: ~Copyable {
        var pendingBody: [[UInt8]]
        var bodyDone = false
        var order = ResponseOrder()
        var status: Int?
        var headers = Headers()
        var chunks: [[UInt8]] = []
        var trailers = Headers()
        var ended = false
    }

    private let state: Mutex<State>

    init(bodyChunks: [[UInt8]]) {
        state = Mutex(State(pendingBody: bodyChunks))
    }

    func receive(exchange: UInt64) async throws -> ReceiveMessage {
        try state.withLock { state throws(MessageOrderError) in
            if state.ended { throw MessageOrderError(.scopeEnded) }
            if state.bodyDone { return .httpDisconnect }
            if state.pendingBody.isEmpty {
                state.bodyDone = true
                return .httpRequest(body: [], moreBody: false)
            }
            let chunk = state.pendingBody.removeFirst()
            if state.pendingBody.isEmpty { state.bodyDone = true }
            return .httpRequest(body: chunk, moreBody: !state.pendingBody.isEmpty)
        }
    }

    func send(_ message: SendMessage, exchange: UInt64) async throws {
        try state.withLock { state throws in
            if state.ended { throw MessageOrderError(.scopeEnded) }
            try state.order.accept(message)
            switch message {
            case .httpResponseStart(let status, let headers, _):
                state.status = status
                state.headers = headers
            case .httpResponseBody(let body, _):
                if !body.isEmpty { state.chunks.append(body) }
            case .httpResponseTrailers(let headers, _):
                for field in headers { state.trailers.append(name: field.name, value: field.value) }
            case .httpResponsePathsend(let path):
                state.chunks.append(try Self.read(try FileRegion.pathsend(path)))
            case .httpResponseZerocopysend(let file, let offset, let count, _):
                let bytes = try Self.read(try FileRegion.zerocopysend(file: file, offset: offset, count: count))
                if !bytes.isEmpty { state.chunks.append(bytes) }
            default:
                break
            }
        }
    }

    func end() { state.withLock { $0.ended = true } }

    /// The bytes of `region`, as the server would send them; closes the region.
    private static func read(_ region: FileRegion) throws(TestClientError) -> [UInt8] {
        defer { region.discard() }
        var bytes = [UInt8](repeating: 0, count: region.count)
        var done = 0
        while done < region.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(region.descriptor, buffer.baseAddress! + done, region.count - done, off_t(region.offset) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            // The live server closes the connection here: the response is cut short.
            guard count > 0 else { throw .truncatedFile(expected: region.count, read: done) }
            done += count
        }
        return bytes
    }

    func response() throws(TestClientError) -> TestResponse {
        try state.withLock { state throws(TestClientError) in
            guard let status = state.status else { throw .noResponse }
            guard state.order.state == .complete else { throw .incompleteResponse(status: status) }
            var response = TestResponse(status: status, headers: state.headers, body: state.chunks.flatMap { $0 }, bodyChunks: state.chunks)
            response.trailers = state.trailers
            return response
        }
    }
}
