public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file the toolkit workload's request logs go to, opened for appending (or `/dev/null`).
public final class AccessLogFile: Sendable {
    let descriptor: Int32

    /// Opens (creating) `path` for appending; throws when it cannot.
    public init(path: String) throws(AccessLogError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AccessLogError(path: path, errno: errno) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Writes `line` with one `write(2)` (O_APPEND keeps concurrent lines whole).
    func append(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return  // a full disk drops log lines, it does not stop the server
                }
                offset += written
            }
        }
    }
}

/// The access log could not be opened.
public struct AccessLogError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String { "cannot open the access log \(path): \(String(cString: strerror(errno)))" }
}

/// A swift-log handler that writes StreamLogHandler's line format to an `AccessLogFile`, one
/// `write(2)` per record, unbuffered like StreamLogHandler's `fflush` per line. Every peer of the
/// toolkit workload logs through it, so the frameworks differ only in their middleware.
public struct AccessLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let file: AccessLogFile

    public init(label: String, file: AccessLogFile, level: Logger.Level) {
        self.label = label
        self.file = file
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        file.append("\(Self.timestamp()) \(event.level) \(label):\(pretty) [\(event.source)] \(event.message)\n")
    }

    /// Local time as `2026-12-02T05:30:00+0000`, as StreamLogHandler writes it.
    private static func timestamp() -> String {
        var buffer = [Int8](repeating: 0, count: 32)
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Bootstraps swift-log for a peer: request logs at `.info` to `accessLog` when given, else
/// only warnings and worse on stderr (the peers' quiet default).
public enum PeerLogging {
    public static func bootstrap(accessLog: String?) throws(AccessLogError) {
        guard let accessLog else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            return
        }
        let file = try AccessLogFile(path: accessLog)
        LoggingSystem.bootstrap { label in AccessLogHandler(label: label, file: file, level: .info) }
    }
}
