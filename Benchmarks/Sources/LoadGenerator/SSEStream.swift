import RingwaySSECodec

/// One subscriber's side of a `text/event-stream` response, from bytes: the head (which must
/// be `200` with `content-type: text/event-stream`), then the body, chunked or not, through
/// `SSEParser`. Events are handed on; comments (heartbeats) and `retry` fields are ignored.
struct SSEStream {
    enum Outcome: Equatable {
        /// All bytes were used; the stream goes on.
        case more
        /// The head came with a status other than 200.
        case rejected(status: Int)
        /// A 200 whose content type is not `text/event-stream`.
        case notEventStream
        /// The head or the chunked framing cannot be read.
        case invalid
        /// The body ended (its last chunk or its `content-length`): the stream is over.
        case ended
    }

    /// Whether the head was accepted.
    private(set) var isOpen = false
    private var head: [UInt8] = []
    private var chunked = false
    /// Body bytes left when the response has a `content-length`.
    private var remaining: Int?
    private var decoder = ChunkedDecoder()
    private var parser = SSEParser()

    /// Takes the next bytes of the response; `onEvent` gets each event's id (the last event id)
    /// and data, in order.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, onEvent: (_ id: String, _ data: String) -> Void) -> Outcome {
        guard isOpen else { return receiveHead(bytes, onEvent: onEvent) }
        if chunked {
            var decoder = self.decoder
            let outcome = decoder.decode(bytes) { chunk in feed(chunk, onEvent) }
            self.decoder = decoder
            switch outcome {
            case .more: return .more
            case .end: return .ended
            case .invalid: return .invalid
            }
        }
        guard let left = remaining else {
            feed(bytes, onEvent)
            return .more
        }
        let count = min(left, bytes.count)
        feed(UnsafeRawBufferPointer(rebasing: bytes[..<count]), onEvent)
        remaining = left - count
        return left - count == 0 ? .ended : .more
    }

    private mutating func receiveHead(_ bytes: UnsafeRawBufferPointer, onEvent: (String, String) -> Void) -> Outcome {
        head.append(contentsOf: bytes)
        let parsed = head.withUnsafeBytes { ResponseHead.parse($0) }
        switch parsed {
        case .incomplete:
            return .more
        case .invalid:
            return .invalid
        case .complete(let response, let length):
            guard response.status == 200 else { return .rejected(status: response.status) }
            guard response.contentType == "text/event-stream" else { return .notEventStream }
            isOpen = true
            chunked = response.chunked
            remaining = response.chunked ? nil : response.contentLength
            let rest = Array(head[length...])
            head = []
            if remaining == 0 { return .ended }
            return rest.isEmpty ? .more : rest.withUnsafeBytes { receive($0, onEvent: onEvent) }
        }
    }

    private mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onEvent: (String, String) -> Void) {
        parser.feed(bytes) { output in
            if case .event(_, let data, let id) = output { onEvent(id, data) }
        }
    }
}
