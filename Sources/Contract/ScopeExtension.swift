/// An ASGI extension the server implements, listed in a scope's `extensions` key so an
/// application can test for it before sending its messages.
public struct ScopeExtension: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The extension's ASGI name, e.g. `"http.response.pathsend"`.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// `http.response.pathsend`: a file path as the whole body.
    public static let pathsend = ScopeExtension(rawValue: "http.response.pathsend")
    /// `http.response.zerocopysend`: ranges of open files as body messages.
    public static let zerocopysend = ScopeExtension(rawValue: "http.response.zerocopysend")
    /// `http.response.trailers`: trailer fields after the body.
    public static let trailers = ScopeExtension(rawValue: "http.response.trailers")

    /// `http.response.detach`: the rest of a body written from outside the application call.
    public static let detach = ScopeExtension(rawValue: "http.response.detach")

    /// What Ringway's HTTP scopes offer.
    public static let http: Set<ScopeExtension> = [.pathsend, .zerocopysend, .trailers, .detach]
}
