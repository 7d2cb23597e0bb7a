/// Bounds the decoder enforces on what a peer may send; a breach closes with 1009 (message too big).
public struct WebSocketLimits: Sendable, Equatable {
    /// Largest payload of a single frame, as declared in its header (checked before any of it is read).
    public var maxFrameBytes: Int
    /// Largest message: the sum of its frames' payloads or, when compressed, its decompressed size.
    public var maxMessageBytes: Int

    public init(maxFrameBytes: Int = 16 << 20, maxMessageBytes: Int = 16 << 20) {
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
    }
}
