/// Why a `multipart/form-data` body was refused, with the status that answers the request.
///
/// The errors name the guilty side: everything here is the client's (400, or 413 for a size
/// limit), except `storageFailed` (500, a temporary file could not be written). It conforms to
/// `HTTPResponseError`, so an application that lets it propagate answers with its status and
/// a `text/plain` reason. Compare with the static members (`error == .truncated`); the cases
/// are a private enum so new ones can be added without breaking users.
public struct MultipartError: HTTPResponseError, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case notMultipart
        case missingBoundary
        case invalidBoundary
        case malformedDelimiter
        case malformedHeader
        case truncated
        case missingContentDisposition
        case notFormData
        case missingName
        case headersTooLarge
        case tooManyParts
        case fieldTooLarge
        case fileTooLarge
        case bodyTooLarge
        case storageFailed
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// The request's content type is not `multipart/form-data`.
    public static let notMultipart = MultipartError(.notMultipart)
    /// The content type has no `boundary` parameter.
    public static let missingBoundary = MultipartError(.missingBoundary)
    /// The boundary is empty, longer than 70 characters or has a character RFC 2046 forbids.
    public static let invalidBoundary = MultipartError(.invalidBoundary)
    /// A boundary delimiter is followed by something other than `--`, padding and CRLF.
    public static let malformedDelimiter = MultipartError(.malformedDelimiter)
    /// A part's header block has a line that is not `name: value`.
    public static let malformedHeader = MultipartError(.malformedHeader)
    /// The body ended before the close delimiter.
    public static let truncated = MultipartError(.truncated)
    /// A part has no `content-disposition` header.
    public static let missingContentDisposition = MultipartError(.missingContentDisposition)
    /// A part's disposition is not `form-data`.
    public static let notFormData = MultipartError(.notFormData)
    /// A part's disposition has no `name` parameter.
    public static let missingName = MultipartError(.missingName)
    /// A part's header block is over `MultipartLimits.maxHeaderBytes` (413).
    public static let headersTooLarge = MultipartError(.headersTooLarge)
    /// More parts than `MultipartLimits.maxParts` (413).
    public static let tooManyParts = MultipartError(.tooManyParts)
    /// A field's value is over `MultipartLimits.maxFieldBytes` (413).
    public static let fieldTooLarge = MultipartError(.fieldTooLarge)
    /// A file is over `MultipartLimits.maxFileBytes` (413).
    public static let fileTooLarge = MultipartError(.fileTooLarge)
    /// The body is over `MultipartLimits.maxTotalBytes` (413), by its `content-length` or as read.
    public static let bodyTooLarge = MultipartError(.bodyTooLarge)
    /// A file above the memory threshold could not be written to the temporary directory (500).
    public static let storageFailed = MultipartError(.storageFailed)

    public var status: Int {
        switch kind {
        case .headersTooLarge, .tooManyParts, .fieldTooLarge, .fileTooLarge, .bodyTooLarge: 413
        case .storageFailed: 500
        default: 400
        }
    }

    public var headers: Headers { [("content-type", "text/plain; charset=utf-8")] }

    public var body: [UInt8] { Array(description.utf8) }

    public var description: String {
        switch kind {
        case .notMultipart: "Expected multipart/form-data"
        case .missingBoundary: "Missing multipart boundary"
        case .invalidBoundary: "Invalid multipart boundary"
        case .malformedDelimiter: "Malformed multipart delimiter"
        case .malformedHeader: "Malformed multipart part header"
        case .truncated: "Multipart body ended before its close delimiter"
        case .missingContentDisposition: "Multipart part without content-disposition"
        case .notFormData: "Multipart part disposition is not form-data"
        case .missingName: "Multipart part without a name"
        case .headersTooLarge: "Multipart part headers too large"
        case .tooManyParts: "Too many multipart parts"
        case .fieldTooLarge: "Multipart field too large"
        case .fileTooLarge: "Multipart file too large"
        case .bodyTooLarge: "Multipart body too large"
        case .storageFailed: "Could not store an uploaded file"
        }
    }
}
