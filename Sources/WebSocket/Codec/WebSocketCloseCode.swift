/// The close status codes this codec sends or checks (RFC 6455 §7.4, IANA registry).
enum WebSocketCloseCode {
    static let normalClosure: UInt16 = 1000
    static let protocolError: UInt16 = 1002
    static let invalidPayload: UInt16 = 1007
    static let messageTooBig: UInt16 = 1009
    static let internalError: UInt16 = 1011

    /// Whether a peer may send `code` in a close frame: the registered codes 1000–1003 and
    /// 1007–1014, or the private and library ranges 3000–4999. Below 1000, 1004 (reserved),
    /// 1005/1006/1015 (local-only: "no status", "abnormal", "TLS failure") and the rest of
    /// 1016–2999 (reserved for future RFCs) are not.
    static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
