/// An application's response that HTTP cannot carry as sent.
public enum HTTPExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The app's `content-length` is not a number.
    case contentLengthNotANumber(String)
    /// More body than the app's `content-length` declared.
    case bodyExceedsContentLength(UInt64)
    /// The body ended with a length other than the declared one.
    case bodyLengthMismatch(sent: UInt64, declared: UInt64)
    /// The response head has a field the serializer refuses (answered 500 instead).
    case invalidHead(HTTPSerializerError)
    /// The trailers have a field the serializer refuses.
    case invalidTrailers(HTTPSerializerError)

    public var description: String {
        switch self {
        case .contentLengthNotANumber(let value): "content-length '\(value)' is not a number"
        case .bodyExceedsContentLength(let declared): "response body exceeds its content-length of \(declared) bytes"
        case .bodyLengthMismatch(let sent, let declared): "response body has \(sent) bytes but content-length is \(declared)"
        case .invalidHead(let error), .invalidTrailers(let error): "\(error)"
        }
    }
}
