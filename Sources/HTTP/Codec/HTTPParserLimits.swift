/// Bounds the parser enforces on what a peer may send; each breach answers with its own status.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request-target in bytes (over it: 414).
    public var maxTargetLength: Int
    /// Longest head in bytes: request line, header lines and the empty line (over it: 431).
    public var maxHeadBytes: Int
    /// Most header fields in a head (over it: 431), and trailer fields in a trailer section.
    public var maxHeaderCount: Int
    /// Largest body, declared by Content-Length or received in chunks (over it: 413).
    public var maxBodyBytes: UInt64
    /// Longest chunk-size line without its CRLF, extensions included (over it: 400).
    public var maxChunkLineLength: Int
    /// Longest trailer section in bytes, final empty line included (over it: 431).
    public var maxTrailerBytes: Int

    public init(
        maxTargetLength: Int = 8192,
        maxHeadBytes: Int = 16384,
        maxHeaderCount: Int = 100,
        maxBodyBytes: UInt64 = 1 << 20,
        maxChunkLineLength: Int = 4096,
        maxTrailerBytes: Int = 16384
    ) {
        self.maxTargetLength = maxTargetLength
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineLength = maxChunkLineLength
        self.maxTrailerBytes = maxTrailerBytes
    }
}
