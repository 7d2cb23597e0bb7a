extension MultipartForm {
    /// Reads a `multipart/form-data` request body from `receive`, streaming it through
    /// `MultipartParser`.
    ///
    /// Throws a `MultipartError` (an `HTTPResponseError`: 400, or 413 past a limit) for a
    /// body that is not a valid form or breaks `limits`: a `content-length` over
    /// `maxTotalBytes` is refused before any byte is read. `ClientDisconnected` when the
    /// client goes away first. Temporary files made before an error are removed.
    public static func read(_ scope: Scope, _ receive: Receive, limits: MultipartLimits = MultipartLimits()) async throws -> MultipartForm {
        let headers = scope.headers
        guard let contentType = headers.first("content-type") else { throw MultipartError.notMultipart }
        var parser = try MultipartParser(contentType: contentType, limits: limits)
        if let length = headers["content-length"].flatMap(UInt64.init), length > UInt64(max(0, limits.maxTotalBytes)) {
            throw MultipartError.bodyTooLarge
        }
        var builder = MultipartFormBuilder(limits: limits)
        do {
            var total = 0
            while !parser.isComplete {
                switch try await receive() {
                case .httpRequest(let body, let moreBody):
                    total += body.count
                    guard total <= limits.maxTotalBytes else { throw MultipartError.bodyTooLarge }
                    parser.append(body)
                    if !moreBody { parser.finish() }
                    while let event = try parser.next() { try builder.consume(event) }
                case .httpDisconnect:
                    throw ClientDisconnected()
                default:
                    continue
                }
            }
            return MultipartForm(entries: builder.entries)
        } catch {
            builder.discard()
            throw error
        }
    }
}

/// Turns parser events into form entries, enforcing the per-field and per-file limits and
/// moving a file to disk once it passes the memory threshold.
struct MultipartFormBuilder {
    let limits: MultipartLimits
    private(set) var entries: [MultipartForm.Entry] = []
    private var current: Part?
    /// The current field's or in-memory file's bytes (apart from `current`, so appending to it
    /// never copies).
    private var buffered: [UInt8] = []

    private enum Part {
        case field(MultipartPartHead)
        case memoryFile(MultipartPartHead)
        case diskFile(MultipartPartHead, TemporaryFileWriter, size: Int)
    }

    init(limits: MultipartLimits) {
        self.limits = limits
    }

    mutating func consume(_ event: MultipartEvent) throws(MultipartError) {
        switch (current, event) {
        case (nil, .head(let head)):
            current = head.isFile ? .memoryFile(head) : .field(head)
            buffered = []
        case (.field, .bodyChunk(let chunk)):
            guard buffered.count + chunk.count <= limits.maxFieldBytes else { throw .fieldTooLarge }
            buffered.append(contentsOf: chunk)
        case (.memoryFile(let head), .bodyChunk(let chunk)):
            let size = buffered.count + chunk.count
            guard size <= limits.maxFileBytes else { throw .fileTooLarge }
            if size <= limits.fileMemoryThreshold {
                buffered.append(contentsOf: chunk)
            } else {
                let writer = try TemporaryFileWriter(directory: limits.temporaryDirectory ?? TemporaryFileWriter.defaultDirectory)
                current = .diskFile(head, writer, size: size)
                try writer.write(buffered)
                try writer.write(chunk)
                buffered = []
            }
        case (.diskFile(let head, let writer, let size), .bodyChunk(let chunk)):
            guard size + chunk.count <= limits.maxFileBytes else { throw .fileTooLarge }
            current = .diskFile(head, writer, size: size + chunk.count)
            try writer.write(chunk)
        case (.field(let head), .partEnd):
            entries.append(.field(.init(name: head.name, value: String(decoding: buffered, as: UTF8.self), contentType: head.contentType)))
            current = nil
            buffered = []
        case (.memoryFile(let head), .partEnd):
            entries.append(.file(.init(name: head.name, filename: head.filename ?? "", contentType: head.contentType,
                                       size: buffered.count, storage: .memory(buffered))))
            current = nil
            buffered = []
        case (.diskFile(let head, let writer, let size), .partEnd):
            writer.close()
            entries.append(.file(.init(name: head.name, filename: head.filename ?? "", contentType: head.contentType,
                                       size: size, storage: .temporaryFile(writer.file))))
            current = nil
        case (nil, .end):
            break
        case (_, .head), (_, .end), (nil, .bodyChunk), (nil, .partEnd):
            // MultipartParser emits head, chunks, partEnd per part and end last: unreachable.
            preconditionFailure("multipart event \(event) out of order")
        }
    }

    /// Removes the temporary files made so far (reading failed).
    mutating func discard() {
        if case .diskFile(_, let writer, _) = current {
            writer.close()
            writer.file.remove()
        }
        current = nil
        buffered = []
        for case .file(let file) in entries {
            if case .temporaryFile(let temporary) = file.storage { temporary.remove() }
        }
        entries = []
    }
}
