/// `http --path-template '/users/{n}'`: every request's path has `{n}` replaced by an id that
/// cycles 1…`ids` (per worker thread), so a server cannot answer from a cached match; with
/// `--expect-body`, every 2xx answer's body must be that template with the request's own id
/// (`{"id":{n},"name":"user {n}"}`), else it counts as a `body` error.
struct RequestTemplate: Sendable {
    /// The placeholder both templates use.
    static let placeholder = "{n}"

    /// The whole request's bytes around each `{n}` (one more piece than placeholders).
    let request: [[UInt8]]
    /// The expected body's bytes around each `{n}`; nil checks nothing.
    let body: [[UInt8]]?
    /// Ids run 1…`ids`.
    let ids: Int

    /// A template from the request text (which must hold `{n}`) and the expected body's; nil when
    /// the request has no placeholder or `ids` is not positive.
    init?(request: String, expectedBody: String?, ids: Int) {
        let pieces = Self.split(request)
        guard pieces.count > 1, ids > 0 else { return nil }
        self.request = pieces
        self.body = expectedBody.map(Self.split)
        self.ids = ids
    }

    /// Appends the request for `id` to `buffer`.
    func append(id: Int, to buffer: inout [UInt8]) {
        let digits = String(id).utf8
        for (index, piece) in request.enumerated() {
            if index > 0 { buffer.append(contentsOf: digits) }
            buffer.append(contentsOf: piece)
        }
    }

    /// Whether `bytes` is exactly the expected body for `id` (true when no body is expected).
    func bodyMatches(_ bytes: UnsafeRawBufferPointer, id: Int) -> Bool {
        guard let body else { return true }
        let digits = String(id).utf8
        var offset = 0
        func take(_ expected: some Collection<UInt8>) -> Bool {
            guard bytes.count - offset >= expected.count else { return false }
            for byte in expected {
                guard bytes[offset] == byte else { return false }
                offset += 1
            }
            return true
        }
        for (index, piece) in body.enumerated() {
            if index > 0, !take(digits) { return false }
            guard take(piece) else { return false }
        }
        return offset == bytes.count
    }

    /// `text`'s bytes split at every `{n}`.
    static func split(_ text: String) -> [[UInt8]] {
        text.split(separator: placeholder, omittingEmptySubsequences: false).map { Array($0.utf8) }
    }
}
