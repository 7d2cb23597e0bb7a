/// Finds the end of a head or trailer section — its first empty line — across input pieces.
///
/// It only looks for LFs (memchr) and checks each is preceded by CR, so a section is known
/// complete before it is validated in one pass. Its state is four integers, which lets the
/// parser resume after a partial read without rescanning what it buffered.
struct SectionScanner: Sendable {
    /// Bytes of the section scanned so far.
    private(set) var scanned = 0
    /// Complete lines (LF-terminated) seen so far, the empty one included.
    private(set) var lines = 0
    /// Bytes of the current, unfinished line seen so far.
    private var lineLength = 0
    /// Whether the last byte scanned was CR (its LF may start the next piece).
    private var lastWasCR = false

    enum Outcome {
        /// The section ends just before `end` (exclusive index in the input).
        case complete(end: Int)
        /// All input scanned, more is needed.
        case incomplete
        /// `limit` bytes scanned without finding the end; `end` is where scanning stopped.
        case tooLarge(end: Int)
    }

    /// Scans `input[start...]`, never past `limit` bytes of the whole section.
    mutating func scan(_ input: UnsafeRawBufferPointer, from start: Int, limit: Int) throws(HTTPParserError) -> Outcome {
        let end = start + max(0, min(input.count - start, limit - scanned))
        var index = start
        while index < end {
            guard let lf = ASCII.firstIndex(of: ASCII.lf, in: input, from: index, to: end) else {
                lineLength += end - index
                lastWasCR = input[end - 1] == ASCII.cr
                scanned += end - index
                index = end
                break
            }
            let crBefore = lf > index ? input[lf - 1] == ASCII.cr : lastWasCR
            guard crBefore else { throw HTTPParserError(.bareLF) }
            let contentLength = lineLength + (lf - index) - 1
            scanned += lf + 1 - index
            lines += 1
            lineLength = 0
            lastWasCR = false
            index = lf + 1
            if contentLength == 0 { return .complete(end: index) }
        }
        return scanned >= limit ? .tooLarge(end: end) : .incomplete
    }
}
