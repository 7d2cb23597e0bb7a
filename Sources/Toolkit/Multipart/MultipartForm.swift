#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `multipart/form-data` request body, read: its fields and files in the order they came.
///
/// ```swift
/// let upload = App { scope, receive, send in
///     let form = try await MultipartForm.read(scope, receive)
///     let title = form.fields.first { $0.name == "title" }?.value
///     for file in form.files { print(file.filename, file.size, file.path ?? "in memory") }
/// }
/// ```
///
/// Fields are held in memory; files up to `MultipartLimits.fileMemoryThreshold` too, larger
/// ones in a temporary file that is removed when the last copy of the form is released (or
/// by `removeFiles()`), and never left behind when reading fails.
public struct MultipartForm: Sendable {
    /// A field (a part without a file name).
    public struct Field: Sendable, Equatable {
        public var name: String
        /// The value, decoded as UTF-8 (invalid sequences become U+FFFD).
        public var value: String
        /// The part's `content-type`, when it had one.
        public var contentType: String?
    }

    /// A file (a part with a file name).
    public struct File: Sendable {
        /// Where a file's bytes are.
        public enum Storage: Sendable {
            /// In memory (at most `fileMemoryThreshold` bytes).
            case memory([UInt8])
            /// In a temporary file.
            case temporaryFile(UploadedTemporaryFile)
        }

        public var name: String
        /// The file name the client gave (possibly empty: a file input left empty).
        public var filename: String
        /// The part's `content-type`, when it had one.
        public var contentType: String?
        /// The file's size in bytes.
        public var size: Int
        public var storage: Storage

        /// The temporary file's path, nil for a file held in memory.
        public var path: String? {
            if case .temporaryFile(let file) = storage { return file.path }
            return nil
        }

        /// The file's bytes (read from disk for a temporary file; nil if it cannot be read).
        public func contents() -> [UInt8]? {
            switch storage {
            case .memory(let bytes): return bytes
            case .temporaryFile(let file): return Self.readAll(file.path, size: size)
            }
        }

        private static func readAll(_ path: String, size: Int) -> [UInt8]? {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var bytes = [UInt8](repeating: 0, count: size)
            var filled = 0
            while filled < size {
                let result = bytes.withUnsafeMutableBytes { raw in
                    #if canImport(Glibc)
                    Glibc.read(descriptor, raw.baseAddress! + filled, size - filled)
                    #else
                    Darwin.read(descriptor, raw.baseAddress! + filled, size - filled)
                    #endif
                }
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { return nil }
                filled += result
            }
            return bytes
        }
    }

    /// One part of the form.
    public enum Entry: Sendable {
        case field(Field)
        case file(File)

        /// The part's form field name.
        public var name: String {
            switch self {
            case .field(let field): field.name
            case .file(let file): file.name
            }
        }
    }

    /// Every part, in body order.
    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The fields, in body order.
    public var fields: [Field] {
        entries.compactMap { if case .field(let field) = $0 { field } else { nil } }
    }

    /// The files, in body order.
    public var files: [File] {
        entries.compactMap { if case .file(let file) = $0 { file } else { nil } }
    }

    /// The first value of the field `name`.
    public func value(_ name: String) -> String? {
        for case .field(let field) in entries where field.name == name { return field.value }
        return nil
    }

    /// Removes every temporary file now (in-memory files are unaffected).
    public func removeFiles() {
        for case .file(let file) in entries {
            if case .temporaryFile(let temporary) = file.storage { temporary.remove() }
        }
    }
}
