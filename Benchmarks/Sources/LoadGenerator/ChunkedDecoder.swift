/// Undoes HTTP/1.1 chunked transfer-coding as bytes arrive, over any split, without buffering:
/// each run of body bytes is handed on as it is found (an SSE stream never ends, so it cannot
/// be framed as a whole the way `HTTPResponseScanner` frames a response).
struct ChunkedDecoder {
    enum Outcome: Equatable {
        /// Every byte was consumed; the body goes on.
        case more
        /// The last chunk and its trailers ended after `consumed` bytes of this input.
        case end(consumed: Int)
        /// Not chunked framing.
        case invalid
    }

    private enum State {
        case size, sizeExtension, sizeLF, data, dataCR, dataLF, trailerLineStart, trailerLine, trailerEndLF, done, invalid
    }

    private var state = State.size
    private var remaining = 0
    private var digits = 0

    /// Decodes `bytes`, calling `body` with each run of chunk data, in order.
    mutating func decode(_ bytes: UnsafeRawBufferPointer, body: (UnsafeRawBufferPointer) -> Void) -> Outcome {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .size:
                if let value = Self.hexValue(byte) {
                    guard digits < 15 else { return fail() }
                    remaining = remaining * 16 + value
                    digits += 1
                } else if digits > 0 && (byte == UInt8(ascii: ";") || byte == 32 || byte == 9) {
                    state = .sizeExtension
                } else if digits > 0 && byte == 13 {
                    state = .sizeLF
                } else if digits > 0 && byte == 10 {
                    endOfSizeLine()
                } else {
                    return fail()
                }
            case .sizeExtension:
                if byte == 10 { endOfSizeLine() }
            case .sizeLF:
                guard byte == 10 else { return fail() }
                endOfSizeLine()
            case .data:
                let count = min(remaining, bytes.count - index)
                body(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)]))
                remaining -= count
                index += count
                if remaining == 0 { state = .dataCR }
                continue
            case .dataCR:
                if byte == 13 {
                    state = .dataLF
                } else if byte == 10 {
                    startSize()
                } else {
                    return fail()
                }
            case .dataLF:
                guard byte == 10 else { return fail() }
                startSize()
            case .trailerLineStart:
                state = byte == 13 ? .trailerEndLF : byte == 10 ? .done : .trailerLine
                if state == .done { return .end(consumed: index + 1) }
            case .trailerLine:
                if byte == 10 { state = .trailerLineStart }
            case .trailerEndLF:
                guard byte == 10 else { return fail() }
                state = .done
                return .end(consumed: index + 1)
            case .done:
                return .end(consumed: index)
            case .invalid:
                return .invalid
            }
            index += 1
        }
        switch state {
        case .done: return .end(consumed: 0)
        case .invalid: return .invalid
        default: return .more
        }
    }

    private mutating func endOfSizeLine() {
        state = remaining == 0 ? .trailerLineStart : .data
    }

    private mutating func startSize() {
        state = .size
        remaining = 0
        digits = 0
    }

    private mutating func fail() -> Outcome {
        state = .invalid
        return .invalid
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte) - 48
        case 65...70: Int(byte) - 55
        case 97...102: Int(byte) - 87
        default: nil
        }
    }
}
