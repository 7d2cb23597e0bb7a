#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A file an upload was streamed into, removed from disk when the last reference to it goes
/// (or earlier, by `remove()`).
///
/// A class so that copies of a `MultipartForm` share one file and the file outlives none
/// of them; `removed` guards against unlinking a path that a later upload may have reused.
public final class UploadedTemporaryFile: Sendable {
    /// The file's path.
    public let path: String
    private let removed = Atomic<Bool>(false)

    init(path: String) {
        self.path = path
    }

    /// Removes the file now; later calls (and the release) do nothing.
    public func remove() {
        guard !removed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        unlink(path)
    }

    /// Whether `remove()` ran.
    public var isRemoved: Bool { removed.load(ordering: .acquiring) }

    deinit { remove() }
}

/// Writes one upload into a new temporary file: created by `mkstemp` (mode 0600, a name no
/// other upload has), written with `write(2)`, closed by `close()` or on release.
///
/// The writes block the calling thread; for a local temporary directory they land in the
/// page cache, so that costs no more than copying the bytes again.
final class TemporaryFileWriter {
    let file: UploadedTemporaryFile
    private var descriptor: Int32

    init(directory: String) throws(MultipartError) {
        var template = Array("\(directory.hasSuffix("/") ? String(directory.dropLast()) : directory)/ringway-upload-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .storageFailed }
        self.descriptor = descriptor
        self.file = UploadedTemporaryFile(path: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Appends `bytes`; on failure the file is left for its owner to release (which removes it).
    func write(_ bytes: [UInt8]) throws(MultipartError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                #else
                Darwin.write(descriptor, raw.baseAddress! + written, raw.count - written)
                #endif
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .storageFailed
            }
            written += result
        }
    }

    func close() {
        guard descriptor >= 0 else { return }
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
        descriptor = -1
    }

    deinit { close() }

    /// `$TMPDIR`, else `/tmp`.
    static var defaultDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}
