import Ringway
import RingwayToolkit

/// The ASGI guide's examples, as the demo serves them (the README's "From the ASGI guide to
/// Ringway" shows each beside its Python original). Message shapes are the guide's, byte for
/// byte where a client could tell: Python's `json.dumps` spacing, the same content types.
enum GuideExamples {
    /// `GET /debug/scope`: the guide's `debug_scope` — the request's scope as JSON with
    /// `indent=2` (headers as an object, a repeated name keeping its last value, as a dict does).
    static func debugScope(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        guard case .http(let request) = scope else { return }
        var headers = JSONObject()
        for field in request.headers {
            headers[String(decoding: field.name, as: UTF8.self)] = .string(String(decoding: field.value, as: UTF8.self))
        }
        let info: JSONValue = [
            "type": "http",
            "method": .string(request.method),
            "path": .string(request.path),
            "query_string": .string(request.query),
            "headers": .object(headers),
            "server": address(request.server),
            "client": address(request.client),
            "asgi": ["version": .string(request.asgi.version), "spec_version": .string(request.asgi.specVersion)],
        ]
        try await send.json(info, style: .pythonIndented(2))
    }

    /// An ASGI address: `[host, port]`, or `null` when unknown.
    private static func address(_ peer: PeerAddress?) -> JSONValue {
        guard let peer else { return .null }
        return [.string(peer.host), .number(JSONNumber(peer.port))]
    }

    /// `GET /home`: the guide's `home_handler`.
    static func home(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await send.html("<h1>Home Page</h1>", contentType: "text/html")
    }

    /// `GET /api`: the guide's `api_handler`.
    static func api(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        try await send.bytes(Array(#"{"message": "API Response"}"#.utf8), contentType: "application/json")
    }

    /// `POST /api/echo`: the guide's `parse_json_request` — the JSON back as `json.dumps` writes it
    /// (numbers normalised as Python does: `2.50` → `2.5`), `{}` for an empty body,
    /// `400 Invalid JSON` (text/plain) for anything else that is not JSON.
    static func echoJSON(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let request = Request(scope, receive)
        let data = try await request.json(ifEmpty: [:])
        let reply: JSONValue = ["received": data.withPythonNumbers(), "method": .string(request.method), "path": .string(request.path)]
        try await send.json(reply, style: .python)
    }

    /// `POST /form`: the guide's `parse_form_request` — `application/x-www-form-urlencoded`
    /// parsed as `parse_qs` does (repeated keys give arrays), and `multipart/form-data` fields
    /// in the same object with files as `{"filename", "content_type", "size"}`. Another
    /// content type gives an empty `form_data`, as the guide's does.
    static func form(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let request = Request(scope, receive)
        var formData = JSONObject()
        switch request.mediaType {
        case "application/x-www-form-urlencoded":
            for field in try await request.form() {
                formData[field.name] = .array(field.values.map { .string($0) })
            }
        case "multipart/form-data":
            let form = try await MultipartForm.read(scope, receive, limits: formLimits)
            defer { form.removeFiles() }
            formData = form.formData()
        default:
            _ = try await request.body()
        }
        let reply: JSONValue = ["form_data": .object(formData), "method": .string(request.method), "path": .string(request.path)]
        try await send.json(reply, style: .python)
    }

    /// `POST /form`'s multipart limits: files above 1 MiB go to a temporary file.
    static let formLimits = MultipartLimits(maxFileBytes: formBodyLimit, maxTotalBytes: formBodyLimit)
    /// The body limit of `POST /form` (the server's default is 1 MiB).
    static let formBodyLimit = 16 << 20

    /// `GET /users/{id:int}`: `{"id": <id>}` from the path parameter.
    static func user(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        let id = scope.pathParameters.int("id") ?? 0  // the pattern only matches integers
        try await send.json(["id": .number(JSONNumber(id))] as JSONValue, style: .python)
    }

    /// `ws://…/ws`: the guide's `websocket_handler` — text comes back as `Echo: <text>`,
    /// bytes unchanged; an error closes with 1011 and its description.
    static func websocketEcho(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        guard case .websocketConnect = try await receive() else { return }
        try await send(.websocketAccept())
        do {
            while true {
                switch try await receive() {
                case .websocketReceive(.text(let text)): try await send(.websocketSend(.text("Echo: \(text)")))
                case .websocketReceive(.binary(let bytes)): try await send(.websocketSend(.binary(bytes)))
                case .websocketDisconnect: return
                default: continue
                }
            }
        } catch is ClientDisconnected {
            return
        } catch {
            try? await send(.websocketClose(code: 1011, reason: String(describing: error)))
        }
    }
}
