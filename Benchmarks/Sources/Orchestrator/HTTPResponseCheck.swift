/// Decides whether bytes read so far hold one complete HTTP/1.1 `2xx` response with a `content-length` body.
enum HTTPResponseCheck {
    enum Verdict {
        case incomplete
        case complete
        /// Not a 2xx response, or unparseable.
        case failed
    }

    static func evaluate(_ bytes: [UInt8]) -> Verdict {
        guard let headerEnd = endOfHeaders(bytes) else { return .incomplete }
        guard let head = String(validating: bytes[..<headerEnd], as: UTF8.self) else { return .failed }
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."),
            statusLine.split(separator: " ").dropFirst().first?.first == "2"
        else { return .failed }
        var length = 0
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                guard let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return .failed }
                length = value
            }
        }
        return bytes.count >= headerEnd + 4 + length ? .complete : .incomplete
    }

    /// Index of the `\r\n\r\n` ending the headers.
    private static func endOfHeaders(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
