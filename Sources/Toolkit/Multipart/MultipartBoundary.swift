/// The `boundary` parameter of a `multipart/form-data` content type, validated.
///
/// RFC 2046 §5.1.1: 1–70 characters from `bchars` (letters, digits, `'()+_,-./:=?` and
/// space), not ending in a space; quoted or not in the header.
public struct MultipartBoundary: Sendable, Hashable {
    /// The boundary's bytes, without the leading `--`.
    public let bytes: [UInt8]

    /// Validates `boundary` itself.
    public init(_ boundary: some Collection<UInt8>) throws(MultipartError) {
        let bytes = Array(boundary)
        guard (1...70).contains(bytes.count), bytes.last != 0x20, bytes.allSatisfy(Self.isBoundaryCharacter) else {
            throw .invalidBoundary
        }
        self.bytes = bytes
    }

    /// The boundary of a `content-type` field value; `notMultipart` when its type is not
    /// `multipart/form-data`, `missingBoundary` or `invalidBoundary` when its boundary is.
    public init(contentType: some Collection<UInt8>) throws(MultipartError) {
        guard let parsed = HeaderParameters(contentType), parsed.value == "multipart/form-data" else {
            throw .notMultipart
        }
        guard let boundary = parsed["boundary"] else { throw .missingBoundary }
        try self.init(Array(boundary.utf8))
    }

    private static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x27, 0x28, 0x29, 0x2B, 0x5F, 0x2C, 0x2D, 0x2E, 0x2F, 0x3A, 0x3D, 0x3F, 0x20: true
        default: false
        }
    }
}
