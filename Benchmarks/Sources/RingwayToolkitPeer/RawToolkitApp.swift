import Ringway
import ToolkitWorkload

/// The raw baseline: one `App` closure that switches on the path, as the demo routes do, and
/// writes `GET /users/{id}`'s JSON by hand (`User.jsonBytes`). It serves the same 50 routes
/// (`ToolkitRoutes`) as the routers do, matched by hand.
enum RawToolkitApp {
    static let jsonHeaders: Headers = [("content-type", "application/json")]
    static let textHeaders: Headers = [("content-type", "text/plain")]
    static let notFound = Array("Not Found".utf8)

    static let app = App { scope, _, send in
        guard case .http(let request) = scope else { return }  // no lifespan needs, no WebSocket
        guard request.method == "GET" || request.method == "HEAD" else {
            try await respond(send, 404, textHeaders, notFound)
            return
        }
        let path = request.path
        if path.hasPrefix("/users/"), let id = decimal(path.utf8.dropFirst(7)) {
            try await respond(send, 200, jsonHeaders, User.jsonBytes(id: id))
        } else if path.hasPrefix("/api/v1/r"), let text = api(path.utf8.dropFirst(9)) {
            try await respond(send, 200, textHeaders, Array(text.utf8))
        } else if path.hasPrefix("/files/") {
            try await respond(send, 200, textHeaders, Array("files".utf8))
        } else {
            try await respond(send, 404, textHeaders, notFound)
        }
    }

    /// `<i>` (i < 40) → `r<i>`; `<i>/<id>` (i < 8, id one non-empty segment) → `r<i> <id>`.
    private static func api(_ rest: Substring.UTF8View) -> String? {
        let digits = rest.prefix { $0 != UInt8(ascii: "/") }
        guard let index = decimal(digits) else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return index < ToolkitRoutes.staticCount ? "r\(index)" : nil }
        let id = tail.dropFirst()
        guard index < ToolkitRoutes.parameterisedCount, !id.isEmpty, !id.contains(UInt8(ascii: "/")) else { return nil }
        return "r\(index) \(String(decoding: id, as: UTF8.self))"
    }

    /// 1–18 ASCII digits as an `Int`, else nil.
    private static func decimal(_ bytes: Substring.UTF8View) -> Int? {
        guard (1...18).contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func respond(_ send: Send, _ status: Int, _ headers: Headers, _ body: [UInt8]) async throws {
        try await send(.httpResponseStart(status: status, headers: headers))
        try await send(.httpResponseBody(body: body, moreBody: false))
    }
}
