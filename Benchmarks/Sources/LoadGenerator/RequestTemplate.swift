/// `http --path-template '/users/{n}'`: every request's path has `{n}` replaced by an id that
/// cycles 1…`ids` (per worker thread), so a server cannot answer from a cached match; with
/// `--expect-body`, every 2xx answer's body must be that template with the request's own id
/// (`{"id":{n},"name":"user {n}"}`), else it counts as a `body` error. A JSON object may come
/// with its members in any order (Foundation's `JSONEncoder` orders them by hash unless told to sort).
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

    /// Whether `bytes` is the expected body for `id`: the same bytes, or, for a flat JSON object, the same
    /// members in another order (true when no body is expected).
    func bodyMatches(_ bytes: UnsafeRawBufferPointer, id: Int) -> Bool {
        guard let body else { return true }
        if Self.exactly(bytes, body, id: id) { return true }
        guard body.first?.first == UInt8(ascii: "{") else { return false }
        var expected: [UInt8] = []
        for (index, piece) in body.enumerated() {
            if index > 0 { expected.append(contentsOf: String(id).utf8) }
            expected.append(contentsOf: piece)
        }
        guard let wanted = expected.withUnsafeBytes(FlatJSONObject.members), let got = FlatJSONObject.members(bytes) else { return false }
        return wanted.sorted { $0.key.lexicographicallyPrecedes($1.key) } == got.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Whether `bytes` is `body`'s pieces with `id` between them, byte for byte.
    private static func exactly(_ bytes: UnsafeRawBufferPointer, _ body: [[UInt8]], id: Int) -> Bool {
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

/// The members of a flat JSON object (`{"id":1,"name":"user 1"}`: strings, numbers, literals; no nesting), each as
/// its raw key and value bytes, for comparing bodies whose encoder orders members freely.
enum FlatJSONObject {
    struct Member: Equatable {
        let key: [UInt8]
        let value: [UInt8]
    }

    /// The members in the order they appear; nil for anything but one flat object (nested values, bad syntax,
    /// trailing bytes).
    static func members(_ bytes: UnsafeRawBufferPointer) -> [Member]? {
        var index = 0
        func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }
        /// A string from its opening quote to just past its closing one, escapes kept as written.
        func string() -> [UInt8]? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return Array(bytes[start..<index])
                default: index += 1
                }
            }
            return nil
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var members: [Member] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                let value: [UInt8]
                if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                    guard let text = string() else { return nil }
                    value = text
                } else {
                    let start = index
                    while index < bytes.count, !",} \t\r\n".utf8.contains(bytes[index]) {
                        guard bytes[index] != UInt8(ascii: "{"), bytes[index] != UInt8(ascii: "[") else { return nil }
                        index += 1
                    }
                    guard index > start else { return nil }
                    value = Array(bytes[start..<index])
                }
                members.append(Member(key: key, value: value))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { return nil }
                index += 1
                break
            }
        }
        skipSpace()
        return index == bytes.count ? members : nil
    }
}
