/// The head of one `multipart/form-data` part: its headers and what its
/// `content-disposition` says.
public struct MultipartPartHead: Sendable, Equatable {
    /// The part's header fields, names lowercased, in order.
    public var headers: Headers
    /// The form field's name (`content-disposition: form-data; name=…`).
    public var name: String
    /// The file name, when the part is a file: `filename*` (RFC 5987) when present and
    /// decodable, else `filename`. An empty `filename=""` (a file input left empty) is kept
    /// as the empty string.
    public var filename: String?
    /// The part's `content-type`, when it has one.
    public var contentType: String?

    /// Whether the part is a file (its disposition has a file name).
    public var isFile: Bool { filename != nil }

    /// Builds the head from a part's headers; throws when the disposition is missing, not
    /// `form-data`, or has no name (RFC 7578 §4.2).
    public init(headers: Headers) throws(MultipartError) {
        guard let field = headers.first("content-disposition") else { throw .missingContentDisposition }
        guard let disposition = HeaderParameters(field) else { throw .malformedHeader }
        guard disposition.value == "form-data" else { throw .notFormData }
        guard let name = disposition["name"] else { throw .missingName }
        self.headers = headers
        self.name = name
        self.filename = disposition["filename*"].flatMap(HeaderParameters.decodeExtendedValue) ?? disposition["filename"]
        self.contentType = headers["content-type"]
    }
}

/// What `MultipartParser` reads from a body, in order: for each part a `.head`, its
/// `.bodyChunk`s (none for an empty part), then `.partEnd`; `.end` after the close delimiter.
public enum MultipartEvent: Sendable, Equatable {
    case head(MultipartPartHead)
    case bodyChunk([UInt8])
    case partEnd
    case end
}
