public import RingwayCore

/// What `HTTPRequestParser` reports, in wire order: one `head`, zero or more `body` pieces, one
/// `end` per request.
public enum HTTPRequestEvent: Sendable, Equatable {
    /// The head of a new request.
    case head(HTTPRequestHead)
    /// A piece of the body as it arrived (never empty). Pieces follow the input's boundaries,
    /// not the chunks': concatenate them to get the body.
    case body([UInt8])
    /// The request is complete. `trailers` is set only for a chunked body that had any.
    case end(trailers: Headers?)
}
