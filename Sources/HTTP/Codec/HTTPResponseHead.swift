public import RingwayCore

/// A response head to serialize: status, optional reason phrase, header fields in order.
public struct HTTPResponseHead: Sendable, Equatable {
    /// A three-digit status code (100–999).
    public var status: Int
    /// The reason phrase; nil writes the standard one for `status`.
    public var reason: String?
    public var headers: Headers

    public init(status: Int, reason: String? = nil, headers: Headers = Headers()) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }
}
