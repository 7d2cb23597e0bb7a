/// The cookies a request carries in its `cookie` field(s), parsed leniently as RFC 6265
/// §5.4 and browsers have it: pairs split on `;`, whitespace around names and values
/// trimmed, a value's surrounding double quotes removed, values otherwise as sent (no
/// percent-decoding). A pair without `=` is a value with an empty name, as browsers send
/// `document.cookie = "token"`; pairs with neither name nor value are skipped.
///
/// ```swift
/// let session = request.cookies["session"]
/// ```
public struct Cookies: Sendable, Hashable, Sequence {
    /// The pairs in the order sent.
    public private(set) var pairs: [(name: String, value: String)]

    /// The cookies of every `cookie` field of `headers`, in order.
    public init(headers: Headers) {
        pairs = []
        for (name, value) in headers where Headers.asciiCaseInsensitiveEqual(name, "cookie".utf8) {
            Self.parse(value) { pairs.append(($0, $1)) }
        }
    }

    /// The cookies of one `cookie` field value.
    public init(parsing value: some Collection<UInt8>) {
        pairs = []
        Self.parse(ArraySlice(value)) { pairs.append(($0, $1)) }
    }

    /// The value of the first cookie named `name` (a client sends the most specific path first).
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value sent for `name`, in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map { $0.value } }

    /// The number of pairs.
    public var count: Int { pairs.count }

    /// Whether the request carries no cookie.
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    public static func == (lhs: Cookies, rhs: Cookies) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }

    private static func parse(_ value: ArraySlice<UInt8>, _ pair: (String, String) -> Void) {
        for piece in value.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            let name: ArraySlice<UInt8>
            var content: ArraySlice<UInt8>
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                name = trimmed(piece[piece.startIndex..<equals])
                content = trimmed(piece[(equals + 1)...])
            } else {
                name = []
                content = trimmed(piece)
            }
            if content.count >= 2 && content.first == UInt8(ascii: "\"") && content.last == UInt8(ascii: "\"") {
                content = content.dropFirst().dropLast()
            }
            if name.isEmpty && content.isEmpty { continue }
            pair(String(decoding: name, as: UTF8.self), String(decoding: content, as: UTF8.self))
        }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}
