/// The peer broke RFC 6455 or RFC 7692 (a remote protocol error): the close code to answer
/// with and a short reason for the close frame.
///
/// Codes are 1002 (protocol error), 1007 (payload inconsistent with its type: invalid UTF-8 or
/// undecodable compressed data), 1009 (over a limit) and 1011 (a decompressor could not be
/// allocated). `reason` is ASCII, at most 123 bytes, and never echoes the peer's bytes. Once
/// thrown, the decoder stays failed.
public struct WebSocketProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status code to send in the close frame.
    public var closeCode: UInt16
    /// What was wrong, fit for the close frame's reason.
    public var reason: String

    public init(closeCode: UInt16, reason: String) {
        self.closeCode = closeCode
        self.reason = reason
    }

    public var description: String { "WebSocket peer error, closing with \(closeCode): \(reason)" }

    static func protocolError(_ reason: String) -> Self { Self(closeCode: WebSocketCloseCode.protocolError, reason: reason) }
    static func invalidPayload(_ reason: String) -> Self { Self(closeCode: WebSocketCloseCode.invalidPayload, reason: reason) }
    static func messageTooBig(_ reason: String) -> Self { Self(closeCode: WebSocketCloseCode.messageTooBig, reason: reason) }
}
