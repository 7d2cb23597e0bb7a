/// The peer sent something that is not a valid HTTP/1.1 request (a remote protocol error).
///
/// `status` is the answer to send before closing the connection; `description` says what was
/// wrong without echoing the peer's bytes. Once thrown, the parser stays failed.
public struct HTTPParserError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The specific cause.
    public enum Kind: Sendable, Hashable {
        // Not HTTP/1.x at all: recognised from the first bytes, answered at once.
        /// A TLS record header (`0x16 0x03 0x00…0x04`): a client speaking TLS to a plain port.
        case tlsHandshake
        /// The HTTP/2 connection preface (`PRI * HTTP/2.0`): prior-knowledge HTTP/2.
        case http2Preface
        /// A byte that can start no request line (a control or non-ASCII byte), as sent.
        case binaryData(UInt8)
        // Request line.
        case invalidRequestLine
        case invalidMethod
        case invalidTarget
        case invalidVersion
        case unsupportedVersion
        case targetTooLong
        case asteriskFormWithoutOptions
        case authorityFormWithoutConnect
        case connectWithoutAuthorityForm
        case invalidPercentEncoding
        // Line structure.
        case bareCR
        case bareLF
        case headTooLarge
        case tooManyHeaders
        // Field lines.
        case whitespaceBeforeFirstHeader
        case obsFold
        case whitespaceBeforeColon
        case missingColon
        case emptyHeaderName
        case invalidHeaderName
        case invalidHeaderValue
        // Host.
        case missingHost
        case duplicateHost
        case invalidHost
        // Framing.
        case invalidContentLength
        case contentLengthOverflow
        case duplicateContentLength
        case conflictingContentLength
        case contentLengthWithTransferEncoding
        case invalidTransferEncoding
        case chunkedNotLast
        case unsupportedTransferCoding
        case transferEncodingInHTTP10
        case bodyTooLarge
        // Chunked body.
        case invalidChunkSize
        case invalidChunkExtension
        case chunkLineTooLong
        case invalidChunkData
        case trailersTooLarge
        // Connection.
        case unexpectedEOF
    }

    public var kind: Kind
    /// The status code to answer with: 400, 413, 414, 431, 501 or 505.
    public var status: Int

    public init(_ kind: Kind) {
        self.kind = kind
        self.status = Self.status(for: kind)
    }

    static func status(for kind: Kind) -> Int {
        switch kind {
        case .targetTooLong: 414
        case .headTooLarge, .tooManyHeaders, .trailersTooLarge: 431
        case .bodyTooLarge: 413
        case .unsupportedTransferCoding: 501
        case .unsupportedVersion: 505
        default: 400
        }
    }

    public var description: String {
        "HTTP request rejected with \(status): " + Self.explanation(of: kind)
    }

    static func explanation(of kind: Kind) -> String {
        switch kind {
        case .tlsHandshake: "a TLS handshake arrived on a plain-HTTP port — use http:// or put TLS in front"
        case .http2Preface: "the HTTP/2 connection preface (`PRI * HTTP/2.0`) arrived; this port speaks HTTP/1.1 only — connect without HTTP/2 prior knowledge"
        case .binaryData(let byte): "binary data where a request line must start (byte \(hex(byte))); expected an HTTP/1.x method such as GET"
        case .invalidRequestLine: "malformed request line (expected `METHOD SP target SP HTTP/1.x` then CRLF)"
        case .invalidMethod: "the method is not a token"
        case .invalidTarget: "the request-target is empty or holds a space, a control or a non-ASCII byte"
        case .invalidVersion: "malformed HTTP version (expected exactly `HTTP/1.1` or `HTTP/1.0`)"
        case .unsupportedVersion: "HTTP version not supported (only HTTP/1.0 and HTTP/1.1 are)"
        case .targetTooLong: "the request-target is longer than the configured limit"
        case .asteriskFormWithoutOptions: "the `*` target is only allowed with OPTIONS"
        case .authorityFormWithoutConnect: "an authority-form target (host:port) is only allowed with CONNECT"
        case .connectWithoutAuthorityForm: "CONNECT needs an authority-form target (host:port)"
        case .invalidPercentEncoding: "the path has a malformed %-escape or does not decode to UTF-8"
        case .bareCR: "a CR not followed by LF"
        case .bareLF: "a line ends in LF without CR (lines must end in CRLF)"
        case .headTooLarge: "the request head is larger than the configured limit"
        case .tooManyHeaders: "more header fields than the configured limit"
        case .whitespaceBeforeFirstHeader: "whitespace between the request line and the first header field"
        case .obsFold: "a header line starts with whitespace (obsolete line folding is not accepted)"
        case .whitespaceBeforeColon: "whitespace between a header name and its colon"
        case .missingColon: "a header line has no colon"
        case .emptyHeaderName: "a header line has an empty name"
        case .invalidHeaderName: "a header name holds a byte that is not a token character"
        case .invalidHeaderValue: "a header value holds a control character (NUL, CR, LF or other)"
        case .missingHost: "an HTTP/1.1 request without a Host header"
        case .duplicateHost: "more than one Host header"
        case .invalidHost: "the Host value is not host[:port] (userinfo, spaces or delimiters present)"
        case .invalidContentLength: "Content-Length is not a plain decimal number"
        case .contentLengthOverflow: "Content-Length does not fit in 64 bits"
        case .duplicateContentLength: "Content-Length sent more than once"
        case .conflictingContentLength: "Content-Length sent with different values"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding sent"
        case .invalidTransferEncoding: "Transfer-Encoding is not a comma-separated list of codings"
        case .chunkedNotLast: "Transfer-Encoding must end with `chunked`, once"
        case .unsupportedTransferCoding: "a transfer coding other than `chunked` is not implemented"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .bodyTooLarge: "the body is larger than the configured limit"
        case .invalidChunkSize: "malformed chunk size (1 to 16 hex digits, then extensions or CRLF)"
        case .invalidChunkExtension: "malformed chunk extension"
        case .chunkLineTooLong: "the chunk-size line is longer than the configured limit"
        case .invalidChunkData: "chunk data is not followed by CRLF (longer or shorter than its size)"
        case .trailersTooLarge: "the trailer section is larger than the configured limits"
        case .unexpectedEOF: "the connection closed in the middle of a request"
        }
    }

    /// `0x16`: the byte as two upper-case hex digits (describing a byte, not echoing text).
    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return "0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}
