/// The application asked to serialize something that is not valid HTTP (a local error: the
/// peer did nothing wrong). Typically a header value carrying CR/LF — an injection attempt.
public struct HTTPSerializerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The specific cause.
    public enum Kind: Sendable, Hashable {
        /// The status is not a three-digit code.
        case invalidStatus(Int)
        /// The reason phrase holds CR, LF or another control character.
        case invalidReasonPhrase
        /// The name of the field at `index` is empty or not a token.
        case invalidFieldName(index: Int)
        /// The value of field `name` holds CR, LF, NUL or another control character.
        case invalidFieldValue(name: String)
    }

    public var kind: Kind
    /// Whether the offending field was a trailer rather than a header.
    public var inTrailers: Bool

    public init(_ kind: Kind, inTrailers: Bool = false) {
        self.kind = kind
        self.inTrailers = inTrailers
    }

    public var description: String {
        let section = inTrailers ? "trailer" : "header"
        return switch kind {
        case .invalidStatus(let status):
            "cannot serialize status \(status): a status code has three digits (100–999)"
        case .invalidReasonPhrase:
            "the reason phrase holds CR, LF or another control character"
        case .invalidFieldName(let index):
            "\(section) field #\(index) has an empty name or one that is not a token (letters, digits, !#$%&'*+-.^_`|~)"
        case .invalidFieldValue(let name):
            "the value of \(section) `\(name)` holds CR, LF, NUL or another control character (header injection?)"
        }
    }
}
