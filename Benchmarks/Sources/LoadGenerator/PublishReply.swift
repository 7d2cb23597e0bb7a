import Foundation

/// The publisher's `202` reply: `{"id": <event id>, "subscribers": <count>}`.
struct PublishReply: Decodable, Equatable {
    let id: Int
    let subscribers: Int

    /// Reads it from one complete response (head and body, `content-length` or chunked); nil
    /// when the body is not that JSON object.
    static func parse(_ response: UnsafeRawBufferPointer) -> PublishReply? {
        guard case .complete(let head, let length) = ResponseHead.parse(response) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: response[length...])
        var body: [UInt8] = []
        if head.chunked {
            var decoder = ChunkedDecoder()
            guard case .end = decoder.decode(rest, body: { body.append(contentsOf: $0) }) else { return nil }
        } else {
            body = Array(rest.prefix(head.contentLength ?? rest.count))
        }
        return try? JSONDecoder().decode(PublishReply.self, from: Data(body))
    }
}
