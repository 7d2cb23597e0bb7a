/// The bounds a `multipart/form-data` body must keep; past one the request is refused
/// (413, `MultipartError`).
///
/// `maxParts` and `maxHeaderBytes` are enforced by `MultipartParser`; the rest by
/// `MultipartForm.read`, which also keeps files up to `fileMemoryThreshold` in memory and
/// streams larger ones to `temporaryDirectory`.
public struct MultipartLimits: Sendable, Hashable {
    /// Parts in the body at most (fields and files together).
    public var maxParts: Int
    /// Bytes of one part's header block at most, its terminating blank line included.
    public var maxHeaderBytes: Int
    /// Bytes of one field's value at most (fields are held in memory).
    public var maxFieldBytes: Int
    /// Bytes of one file at most.
    public var maxFileBytes: Int
    /// Bytes of the whole body at most; a larger `content-length` is refused before reading.
    public var maxTotalBytes: Int
    /// Files up to this many bytes stay in memory; a larger one goes to a temporary file.
    public var fileMemoryThreshold: Int
    /// Where temporary files go; nil: `$TMPDIR`, else `/tmp`.
    public var temporaryDirectory: String?

    public init(
        maxParts: Int = 1000,
        maxHeaderBytes: Int = 8 * 1024,
        maxFieldBytes: Int = 1024 * 1024,
        maxFileBytes: Int = 64 * 1024 * 1024,
        maxTotalBytes: Int = 64 * 1024 * 1024,
        fileMemoryThreshold: Int = 1024 * 1024,
        temporaryDirectory: String? = nil
    ) {
        self.maxParts = maxParts
        self.maxHeaderBytes = maxHeaderBytes
        self.maxFieldBytes = maxFieldBytes
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.fileMemoryThreshold = fileMemoryThreshold
        self.temporaryDirectory = temporaryDirectory
    }
}
