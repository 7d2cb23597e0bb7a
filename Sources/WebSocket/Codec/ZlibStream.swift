import CZlib

/// A raw-deflate compressor: zlib's `deflate` with negative windowBits, so no zlib header or
/// checksum, as RFC 7692 wants. Each call ends with a sync flush, so the output is decodable
/// up to its last byte and ends with the empty stored block `00 00 FF FF`.
///
/// zlib keeps a pointer back to its `z_stream` and checks it on every call, so the stream lives
/// at an address this class allocates once and frees after `deflateEnd`.
/// `@unchecked Sendable`: the stream is mutated without locks; it belongs to one connection and
/// is used by one thread at a time.
final class ZlibDeflater: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>

    private init(stream: UnsafeMutablePointer<z_stream>) { self.stream = stream }

    /// A compressor at `level` (1–9) with a `2^windowBits`-byte window (9–15), or nil if zlib
    /// could not allocate one. Its references reach back at most `2^windowBits − 262` bytes
    /// (zlib's `MAX_DIST`).
    static func make(windowBits: Int, level: Int) -> ZlibDeflater? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        // All-zero: no custom allocator (zalloc/zfree nil), as deflateInit2 expects.
        stream.initialize(to: z_stream())
        guard ringway_deflate_init2(stream, Int32(level), -Int32(windowBits), 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        return ZlibDeflater(stream: stream)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` and appends the result, sync-flushed, to `output`.
    func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        var consumed = 0
        repeat {
            // avail_in is 32 bits: feed larger inputs in pieces (each sync-flushed, which is legal).
            let piece = min(input.count - consumed, Int(UInt32.max))
            // zlib reads `avail_in` bytes from `next_in` and never writes through it (the pointer is
            // mutable only for zlib's historical API); both are reset before every call.
            stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self) + consumed) }
            stream.pointee.avail_in = UInt32(piece)
            var unused = 0
            repeat {
                // More than 6 bytes of room, so a flush never stops short and repeats its marker (zlib.h).
                let bound = Int(deflateBound(stream, uLong(stream.pointee.avail_in))) + 16
                unused = stream.produce(room: min(bound, zlibMaxStep), appendingTo: &output) { deflate($0, Z_SYNC_FLUSH) }.unused
            } while unused == 0
            consumed += piece
        } while consumed < input.count
    }

    /// Starts afresh, forgetting the window (no context takeover).
    func reset() { deflateReset(stream) }
}

/// A raw-deflate decompressor (zlib's `inflate`; with the default 15-bit window it reads streams
/// made with any window up to 32 KiB). Output is bounded as it is produced: a small input that
/// would inflate to gigabytes stops at the limit instead of being expanded.
///
/// The stream lives at a fixed address for the reason given on `ZlibDeflater`.
/// `@unchecked Sendable`: mutated without locks; one connection uses it at a time.
final class ZlibInflater: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>

    enum Outcome: Equatable {
        case ok
        /// `output` would grow past `limit`.
        case overLimit
        /// The input is not a raw deflate stream.
        case invalidData
    }

    private init(stream: UnsafeMutablePointer<z_stream>) { self.stream = stream }

    /// A decompressor with a `2^windowBits`-byte window (8–15), or nil if zlib could not
    /// allocate one.
    static func make(windowBits: Int = 15) -> ZlibInflater? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        // All-zero: no custom allocator and no input yet, as inflateInit2 expects.
        stream.initialize(to: z_stream())
        guard ringway_inflate_init2(stream, -Int32(windowBits)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        return ZlibInflater(stream: stream)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `input` (the next bytes of the stream) and appends the output to `output`:
    /// `.overLimit` as soon as it would pass `limit` bytes, which it then holds. Output is produced
    /// in steps of at most 32 KiB, capped one byte past the limit, so no more is ever allocated.
    func decompress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8], limit: Int) -> Outcome {
        let outcome = decompressSteps(input, appendingTo: &output, limit: limit)
        if outcome == .overLimit { output.removeSubrange(limit...) }
        return outcome
    }

    private func decompressSteps(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8], limit: Int) -> Outcome {
        var consumed = 0
        repeat {
            let piece = min(input.count - consumed, Int(UInt32.max))
            // zlib only reads through `next_in` (see `ZlibDeflater.compress`).
            stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self) + consumed) }
            stream.pointee.avail_in = UInt32(piece)
            inflating: while true {
                guard output.count <= limit else { return .overLimit }
                // A guess at the expansion, capped one byte past the limit: reaching that byte is
                // how an over-limit message is detected without inflating the rest of it.
                let guess = max(1024, min(Int(stream.pointee.avail_in) &* 4, zlibMaxStep))
                let room = min(guess - 1, limit - output.count) + 1
                let (status, unused) = stream.produce(room: room, appendingTo: &output) { inflate($0, Z_SYNC_FLUSH) }
                guard output.count <= limit else { return .overLimit }
                switch status {
                case Z_OK:
                    break
                case Z_STREAM_END:
                    // The peer ended a deflate stream (a BFINAL block, RFC 7692 §7.2.3.3); what follows,
                    // even just the 00 00 FF FF tail, starts a new one.
                    inflateReset(stream)
                case Z_BUF_ERROR:
                    // No progress was possible: all input used and all output flushed.
                    break inflating
                default:
                    return .invalidData
                }
                if stream.pointee.avail_in == 0, unused > 0 { break inflating }
            }
            consumed += piece
        } while consumed < input.count
        return .ok
    }

    /// Starts afresh, forgetting the window (the peer uses no context takeover).
    func reset() { inflateReset(stream) }
}

/// Largest output step: zlib writes into a temporary buffer of at most this size (on the stack
/// when it fits) that is then appended to the caller's array, since growing the array first
/// would zero-fill it.
private let zlibMaxStep = 32 << 10

extension UnsafeMutablePointer<z_stream> {
    /// Points `next_out` at a temporary buffer of `room` bytes, runs `call` (deflate or inflate),
    /// and appends what it wrote to `output`; returns zlib's result and the room left unwritten.
    fileprivate func produce(room: Int, appendingTo output: inout [UInt8], _ call: (Self) -> Int32) -> (status: Int32, unused: Int) {
        withUnsafeTemporaryAllocation(byteCount: room, alignment: 1) { scratch in
            // zlib writes at most `avail_out` bytes from `next_out`: inside `scratch`, which has exactly
            // `room` bytes. The pointer dangles after this closure, but every call sets it again first.
            pointee.next_out = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self)
            pointee.avail_out = UInt32(room)
            let status = call(self)
            let unused = Int(pointee.avail_out)
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<(room - unused)]))
            return (status, unused)
        }
    }
}
