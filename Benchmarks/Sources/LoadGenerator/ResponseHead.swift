/// The head of an HTTP/1.1 response, read for what the SSE mode checks: the status, the
/// `content-type`, and how the body is framed (chunked, `content-length`, or to the close).
struct ResponseHead: Equatable {
    enum Outcome: Equatable {
        /// More bytes are needed.
        case incomplete
        /// The head, `length` bytes including its blank line.
        case complete(ResponseHead, length: Int)
        /// Not an HTTP/1.1 response head.
        case invalid
    }

    var status: Int
    /// The `content-type` value, lowercased, without parameters (`text/event-stream`).
    var contentType = ""
    var chunked = false
    var contentLength: Int?

    /// Reads the head at the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let end = HTTPResponseScanner.findHeadEnd(bytes) else {
            return bytes.count > 64 * 1024 ? .invalid : .incomplete
        }
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self) else { return .invalid }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard let statusLine = lines.popFirst(), statusLine.hasPrefix("HTTP/1."),
            let code = statusLine.split(separator: " ").dropFirst().first, code.count == 3, let status = Int(code)
        else { return .invalid }
        var head = ResponseHead(status: status)
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return .invalid }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces().lowercased()
            switch name {
            case "content-type":
                head.contentType = String(value.split(separator: ";").first.map { $0.trimmingSpaces() } ?? "")
            case "transfer-encoding":
                head.chunked = value.split(separator: ",").last.map { $0.trimmingSpaces() == "chunked" } ?? false
            case "content-length":
                guard let length = Int(value), length >= 0 else { return .invalid }
                head.contentLength = length
            default:
                break
            }
        }
        return .complete(head, length: end)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return Substring(self[first...last])
    }
}
