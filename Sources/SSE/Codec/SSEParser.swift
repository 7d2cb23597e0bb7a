/// Reads `text/event-stream` bytes as they arrive, following the WHATWG HTML parsing
/// algorithm (§9.2.6) exactly, over any split of the input:
///
/// ```
/// bytes ─▶ [BOM stripped once] ─▶ lines (CRLF | LF | CR) ─▶ fields ─▶ blank line: dispatch
///   ""           → dispatch the event (none when no data line came); data's last LF removed
///   ":…"         → a comment (reported, e.g. heartbeats)
///   "name:value" → one leading space of value dropped; "name" alone → empty value
///   event  → type      data → append value + LF     id → last event id (ignored if it holds NUL)
///   retry  → reconnection time (only when ASCII digits)      anything else → ignored
/// ```
/// An event that has not seen its blank line when the stream ends is dropped (`finish()`).
/// Lines are decoded as UTF-8, invalid sequences becoming U+FFFD.
public struct SSEParser: Sendable {
    /// What the parser found.
    public enum Output: Sendable, Equatable {
        /// A dispatched event: its type (`message` by default), data and the last event id.
        case event(type: String, data: String, lastEventID: String)
        /// A comment line's text (after the colon and one space).
        case comment(String)
        /// A `retry` field set the reconnection time, in milliseconds.
        case retry(Int)
    }

    /// The last event id seen (kept across events, as a client's `Last-Event-ID`).
    public private(set) var lastEventID = ""
    /// The reconnection time the stream asked for, if any.
    public private(set) var retry: Int?

    private var line: [UInt8] = []
    private var afterCR = false
    private var bomChecked = false
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: [UInt8] = []
    /// The `id` field of the event being read; `hasID` says whether there was one.
    private var idBuffer: [UInt8] = []
    private var hasID = false

    public init() {}

    /// Feeds bytes; `onOutput` gets what they complete, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>, onOutput: (Output) -> Void) {
        // Contiguous input (arrays, slices, buffers) goes through one non-generic loop: the
        // generic iteration, unspecialized across the module boundary, cost an allocation
        // and a few witness calls per byte.
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { consume(byte, onOutput) }
        }
        if done == nil {
            for byte in bytes { consume(byte, onOutput) }
        }
    }

    /// The stream ended: a last line without its line break and a pending event are dropped
    /// (WHATWG: an event is dispatched only by a blank line).
    public mutating func finish() {
        bomChecked = false
        line.removeAll()
        afterCR = false
        resetEvent()
    }

    private mutating func consume(_ byte: UInt8, _ onOutput: (Output) -> Void) {
        if afterCR {
            afterCR = false
            if byte == 10 { return }  // CRLF: the CR ended the line already
        }
        if !bomChecked {
            line.append(byte)
            checkBOM(final: false)
            if !bomChecked { return }
            // The bytes kept while checking are ordinary input: run them through again.
            let kept = line
            line.removeAll()
            for held in kept { consume(held, onOutput) }
            return
        }
        switch byte {
        case 10:
            processLine(onOutput)
        case 13:
            processLine(onOutput)
            afterCR = true
        default:
            line.append(byte)
        }
    }

    /// Strips a leading UTF-8 BOM (EF BB BF) once: decides as soon as the first bytes
    /// match it or cannot.
    private mutating func checkBOM(final: Bool) {
        let bom = Self.byteOrderMark
        if line.count >= 3 || final || !bom.starts(with: line) {
            bomChecked = true
            if line.starts(with: bom) { line.removeFirst(3) }
        }
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private mutating func processLine(_ onOutput: (Output) -> Void) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(onOutput)
            return
        }
        if line[0] == 58 {  // ":"
            var text = line[1...]
            if text.first == 32 { text = text.dropFirst() }
            onOutput(.comment(String(decoding: text, as: UTF8.self)))
            return
        }
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: 58) {
            name = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == 32 { value = value.dropFirst() }
        } else {
            name = line[...]
            value = []
        }
        switch String(decoding: name, as: UTF8.self) {
        case "event":
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value)
        case "data":
            data.append(contentsOf: value)
            data.append(10)
            hasData = true
        case "id":
            if !value.contains(0) {
                idBuffer.removeAll(keepingCapacity: true)
                idBuffer.append(contentsOf: value)
                hasID = true
            }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                retry = milliseconds
                onOutput(.retry(milliseconds))
            }
        default:
            break  // unknown fields are ignored
        }
    }

    private mutating func dispatch(_ onOutput: (Output) -> Void) {
        if hasID, !idBuffer.elementsEqual(lastEventID.utf8) { lastEventID = String(decoding: idBuffer, as: UTF8.self) }
        hasID = false
        guard hasData else {
            resetEvent()
            return
        }
        data.removeLast()  // the LF after the last data line
        let type = eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self)
        onOutput(.event(type: type, data: String(decoding: data, as: UTF8.self), lastEventID: lastEventID))
        resetEvent()
    }

    private mutating func resetEvent() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        eventType.removeAll(keepingCapacity: true)
    }
}
