import Logging
import RingwayCore
import RingwayHTTPCodec
public import RingwayRuntime

extension HTTPConnectionHandler {
    public func send(_ message: SendMessage, exchange id: UInt64) async throws {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.send(message, exchange: id) }
        }
        guard id == exchange, inExchange else { throw MessageOrderError(.scopeEnded) }
        if closed || abandoned { throw ClientDisconnected() }
        try order.accept(message)
        switch message {
        case .httpResponseStart(let status, let headers, _):
            pendingStart = (status, headers)
        case .httpResponseBody(let body, let moreBody):
            try writeBody(body, moreBody: moreBody)
            try await waitForRoom()
        case .httpResponseTrailers(let headers, let moreTrailers):
            try writeTrailers(headers, more: moreTrailers)
        case .httpResponsePathsend(let path):
            try writeFileBody(try FileRegion.pathsend(path), moreBody: false)
            try await waitForRoom()
        case .httpResponseZerocopysend(let file, let offset, let count, let moreBody):
            try writeFileBody(try FileRegion.zerocopysend(file: file, offset: offset, count: count), moreBody: moreBody)
            try await waitForRoom()
        default:
            break  // ResponseOrder rejected every other message already
        }
        if order.state == .complete { resumeDisconnectWaiters() }
    }

    /// Backpressure: suspends while the connection's queue is above its high-water mark,
    /// under the send timeout.
    private func waitForRoom() async throws {
        guard !connection.isWritable else { return }
        setDeadline(.send)
        defer { if deadlineKind == .send { clearDeadline() } }
        try await connection.waitUntilWritable()
    }

    // MARK: Framing

    private func writeBody(_ body: [UInt8], moreBody: Bool) throws {
        if pendingStart != nil {
            try writeFirstBody(body, moreBody: moreBody, totalLength: moreBody ? nil : UInt64(body.count))
        } else {
            switch framing {
            case .bodiless: break
            case .contentLength:
                try checkLength(adding: body.count)
                connection.write(body)
            case .chunked:
                if !body.isEmpty {
                    var buffer: [UInt8] = []
                    buffer.reserveCapacity(body.count + 12)
                    HTTPResponseSerializer.writeChunk(body, into: &buffer)
                    connection.write(buffer)
                }
            case .closeDelimited, .none:
                connection.write(body)
            }
        }
        if !moreBody { try finishBody() }
    }

    /// Chooses the framing from the start message and the first body, then writes the
    /// head and that body as one buffer: a small response is one write.
    /// `totalLength` is the whole body's size when known now (last message, or a file).
    private func writeFirstBody(_ body: [UInt8], moreBody: Bool, totalLength: UInt64?) throws {
        guard let (status, headers) = pendingStart else { return }
        let isHead = requestHead?.method == "HEAD"
        let bodiless = status == 204 || status == 304 || (100..<200).contains(status)
        if let value = headers.first("content-length") {
            guard let length = UInt64(String(decoding: value, as: UTF8.self)) else {
                throw MessageOrderError(.invalidHeader("content-length '\(String(decoding: value, as: UTF8.self))' is not a number"))
            }
            declaredLength = length
        }
        let wantsTrailers = order.trailersAnnounced && requestHead?.version == .http1_1
        if bodiless || isHead {
            framing = .bodiless
            try writeHead(contentLength: isHead && !bodiless ? (declaredLength ?? totalLength) : nil, chunked: false, body: [])
        } else if let declaredLength, !wantsTrailers {
            framing = .contentLength
            try checkLength(adding: body.count)
            try writeHead(contentLength: declaredLength, chunked: false, body: body, appDeclaredLength: true)
        } else if let totalLength, !wantsTrailers {
            framing = .contentLength
            declaredLength = totalLength
            sentBodyBytes = UInt64(body.count)
            try writeHead(contentLength: totalLength, chunked: false, body: body)
        } else if requestHead?.version == .http1_1 {
            framing = .chunked  // streams, and any response with trailers
            try writeHead(contentLength: nil, chunked: true, body: body)
        } else {
            framing = .closeDelimited  // HTTP/1.0 has no chunked coding: end by closing
            keepAlive = false
            try writeHead(contentLength: nil, chunked: false, body: body)
        }
    }

    private func checkLength(adding count: Int) throws {
        sentBodyBytes += UInt64(count)
        if let declaredLength, sentBodyBytes > declaredLength {
            keepAlive = false
            connection.close(graceful: true)
            throw MessageOrderError(.invalidHeader("response body exceeds its content-length of \(declaredLength) bytes"))
        }
    }

    private func finishBody() throws {
        switch framing {
        case .chunked:
            // With trailers announced, the last chunk goes out with them.
            if !order.trailersAnnounced { connection.write(Self.lastChunk) }
        case .contentLength:
            if let declaredLength, sentBodyBytes != declaredLength {
                keepAlive = false
                connection.close(graceful: false)
                throw MessageOrderError(.invalidHeader("response body has \(sentBodyBytes) bytes but content-length is \(declaredLength)"))
            }
        case .closeDelimited:
            keepAlive = false
        case .bodiless, .none:
            break
        }
    }

    private static let lastChunk = Array("0\r\n\r\n".utf8)

    private func writeTrailers(_ trailers: Headers, more: Bool) throws {
        guard framing == .chunked else { return }  // HTTP/1.0 or bodiless: trailers are dropped
        for field in trailers { pendingTrailers.append(name: field.name, value: field.value) }
        guard !more else { return }
        var buffer: [UInt8] = []
        do {
            try HTTPResponseSerializer.writeLastChunk(trailers: pendingTrailers, into: &buffer)
        } catch {
            keepAlive = false
            connection.close(graceful: false)
            throw MessageOrderError(.invalidHeader("\(error)"))
        }
        pendingTrailers = Headers()
        connection.write(buffer)
    }

    // MARK: Files (pathsend, zerocopysend)

    /// Queues `region` as body bytes under the response's framing, between the bytes written
    /// before and after it; the kernel sends it (`sendfile`). The handler owns the region's
    /// descriptor until the connection takes it, and closes it when nothing is to be sent
    /// (HEAD, 204/304) or on a framing error.
    private func writeFileBody(_ region: FileRegion, moreBody: Bool) throws {
        var queued = false
        defer { if !queued { region.discard() } }
        if pendingStart != nil {
            // The head goes first; its length is the region's when this is the whole body.
            try writeFirstBody([], moreBody: moreBody, totalLength: moreBody ? nil : UInt64(region.count))
        }
        switch framing {
        case .contentLength:
            try checkLength(adding: region.count)
            connection.write(region)
            queued = true
        case .chunked:
            guard region.count > 0 else { break }
            var sizeLine: [UInt8] = []
            HTTPResponseSerializer.writeChunkHeader(size: region.count, into: &sizeLine)
            connection.write(sizeLine)
            connection.write(region)
            connection.write(Self.chunkEnd)
            queued = true
        case .closeDelimited:
            connection.write(region)
            queued = true
        case .bodiless, .none:
            break
        }
        if !moreBody { try finishBody() }
    }

    private static let chunkEnd = Array("\r\n".utf8)

    // MARK: Heads and error responses

    func respondToParseError(_ error: HTTPParserError) {
        logger.debug("bad request from \(connection.remoteAddress?.description ?? "?"): \(error)")
        keepAlive = false
        writeErrorResponse(status: error.status, message: "\(HTTPResponseSerializer.reasonPhrase(for: error.status)): \(error)")
        connection.close(graceful: true)
    }

    /// Writes a small plain-text response in the app's place (400/408/413/417/500…).
    func writeErrorResponse(status: Int, message: String) {
        let body = Array((message + "\n").utf8)
        pendingStart = (status, [("content-type", "text/plain; charset=utf-8")])
        try? writeHead(contentLength: UInt64(body.count), chunked: false, body: body)
        if !keepAlive { connection.close(graceful: true) }
    }

    /// Serializes the pending start (plus date, server, framing and connection headers)
    /// and the first body piece into one buffer.
    private func writeHead(contentLength: UInt64?, chunked: Bool, body: [UInt8], appDeclaredLength: Bool = false) throws(MessageOrderError) {
        guard let (status, appHeaders) = pendingStart else { return }
        pendingStart = nil
        var headers = appHeaders
        if headers.contains("transfer-encoding") { headers.removeAll("transfer-encoding") }
        if !appDeclaredLength && headers.contains("content-length") { headers.removeAll("content-length") }
        if headers.contains("connection") {
            if headers.first("connection").map({ Headers.asciiCaseInsensitiveEqual($0, "close".utf8) }) == true { keepAlive = false }
            headers.removeAll("connection")
        }
        var fields = ServerFields(date: date.current(), server: configuration.serverHeader, chunked: chunked)
        if let contentLength, !appDeclaredLength, status != 204, !(100..<200).contains(status) { fields.contentLength = contentLength }
        if shuttingDown { keepAlive = false }  // draining: this is the connection's last response
        if !keepAlive {
            fields.connection = .close
        } else if requestHead?.version == .http1_0 {
            fields.connection = .keepAlive
        }
        var buffer = responseBuffer.take(capacity: 160 + headers.byteCount + headers.count * 4 + body.count + (chunked ? 12 : 0))
        do {
            try HTTPResponseSerializer.writeHead(HTTPResponseHead(status: status, reason: nil, headers: headers), fields: fields, into: &buffer)
        } catch {
            logger.error("application sent an invalid response head: \(error); answering 500")
            var fallback: [UInt8] = []
            try? HTTPResponseSerializer.writeHead(
                HTTPResponseHead(status: 500, reason: nil), fields: ServerFields(contentLength: 0, connection: .close), into: &fallback)
            connection.write(fallback)
            keepAlive = false
            abandoned = true
            connection.close(graceful: true)
            throw MessageOrderError(.invalidHeader("\(error)"))
        }
        if chunked {
            HTTPResponseSerializer.writeChunk(body, into: &buffer)
        } else {
            buffer.append(contentsOf: body)
        }
        connection.write(buffer)
        responseBuffer.keep(buffer)
    }
}
