/// permessage-deflate (RFC 7692) as negotiated for one connection, server side: compresses the
/// messages the server sends and decompresses the ones the client marked with RSV1.
///
/// Made by `negotiate(offer:configuration:)`. The zlib streams are created on first use, each
/// by the copy that uses it: hand one copy to the `WebSocketDecoder` and keep one for the
/// encoder, and each gets its own. A copy made after a stream exists shares it, so once in use
/// a value must stay with its connection.
///
/// Per message: the compressor's output loses its final `00 00 FF FF` (§7.2.1) and the
/// decompressor gets it back at the end of each message (§7.2.2). With no context takeover on a
/// side, that side's stream is reset after every message; otherwise its window carries over.
public struct PerMessageDeflate: Sendable {
    /// What the server accepts and how it compresses.
    public struct Configuration: Sendable, Equatable {
        /// Whether to accept permessage-deflate at all.
        public var enabled: Bool
        /// Messages of at least this many bytes are compressed; smaller ones go as they are.
        public var threshold: Int
        /// Reset the server's compressor after every message even when the client did not ask:
        /// each message then stands alone, so the client keeps no window between messages, at
        /// some cost in ratio.
        public var serverNoContextTakeover: Bool
        /// Largest decompressed message (over it: 1009), checked as output is produced.
        public var maxDecompressedBytes: Int
        /// zlib level for what the server sends, 1 (fastest) to 9 (smallest); the initializer
        /// clamps to that range. The default, 1, is nginx's `gzip_comp_level` default too; on
        /// Autobahn's 12.1 cases it halved the server's CPU against zlib's default level 6
        /// (8.85 s → 4.66 s).
        public var compressionLevel: Int

        public init(enabled: Bool = true, threshold: Int = 256, serverNoContextTakeover: Bool = false,
                    maxDecompressedBytes: Int = 16 << 20, compressionLevel: Int = 1) {
            self.enabled = enabled
            self.threshold = threshold
            self.serverNoContextTakeover = serverNoContextTakeover
            self.maxDecompressedBytes = maxDecompressedBytes
            self.compressionLevel = min(max(compressionLevel, 1), 9)
        }
    }

    /// Messages of at least this many bytes are compressed.
    public let threshold: Int
    /// The server resets its compressor after each message.
    let serverNoContextTakeover: Bool
    /// The client resets its compressor after each message, so the decompressor does too.
    let clientNoContextTakeover: Bool
    /// The server's LZ77 window, 8–15 (log2 of its size).
    let serverMaxWindowBits: Int
    let maxDecompressedBytes: Int
    /// zlib level of the compressor, 1–9.
    let compressionLevel: Int

    private var compressor: ZlibDeflater?
    private var decompressor: ZlibInflater?

    init(threshold: Int, serverNoContextTakeover: Bool, clientNoContextTakeover: Bool, serverMaxWindowBits: Int, maxDecompressedBytes: Int, compressionLevel: Int) {
        self.threshold = threshold
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.maxDecompressedBytes = maxDecompressedBytes
        self.compressionLevel = compressionLevel
    }

    /// Compresses one whole message and appends it, less the final `00 00 FF FF`. Returns false,
    /// with `buffer` unchanged, when zlib cannot allocate a compressor: the message must then go
    /// uncompressed.
    mutating func compressMessage(_ payload: UnsafeRawBufferPointer, appendingTo buffer: inout [UInt8]) -> Bool {
        if compressor == nil {
            // zlib's raw deflate refuses an 8-bit window; 9 is safe in its place: zlib never refers
            // further back than the window less 262 bytes of lookahead, 250 bytes for 9 bits.
            compressor = ZlibDeflater.make(windowBits: max(serverMaxWindowBits, 9), level: compressionLevel)
        }
        guard let compressor else { return false }
        compressor.compress(payload, appendingTo: &buffer)
        // A sync flush ends with the empty stored block 00 00 FF FF, which the peer adds back.
        assert(buffer.suffix(4).elementsEqual([0x00, 0x00, 0xFF, 0xFF]))
        buffer.removeLast(4)
        if serverNoContextTakeover { compressor.reset() }
        return true
    }

    /// Decompresses the next bytes of a compressed message and appends them to `output`, which
    /// may not pass `limit` (nor `maxDecompressedBytes`) bytes: 1009 as soon as it would.
    mutating func decompress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8], limit: Int) throws(WebSocketProtocolError) {
        if decompressor == nil { decompressor = ZlibInflater.make() }
        guard let decompressor else { throw WebSocketProtocolError(closeCode: WebSocketCloseCode.internalError, reason: "no memory for a decompressor") }
        switch decompressor.decompress(input, appendingTo: &output, limit: min(limit, maxDecompressedBytes)) {
        case .ok: return
        case .overLimit: throw .messageTooBig("decompressed message over the size limit")
        case .invalidData: throw .protocolError("compressed payload is not valid deflate data")
        }
    }

    /// Ends a compressed message: feeds the `00 00 FF FF` its sender removed, then resets the
    /// decompressor if the client uses no context takeover.
    mutating func finishMessage(appendingTo output: inout [UInt8], limit: Int) throws(WebSocketProtocolError) {
        let tail = UInt32(0x0000_FFFF).bigEndian  // 00 00 FF FF in memory
        try withUnsafeBytes(of: tail) { (bytes) throws(WebSocketProtocolError) in try decompress(bytes, appendingTo: &output, limit: limit) }
        if clientNoContextTakeover { decompressor?.reset() }
    }
}
