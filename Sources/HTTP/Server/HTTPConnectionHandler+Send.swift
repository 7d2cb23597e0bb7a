import Logging
import RingwayCore
import RingwayHTTPCodec
package import RingwayRuntime

extension HTTPConnectionHandler {
    package func send(_ message: SendMessage, exchange id: UInt64) async throws {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.send(message, exchange: id) }
        }
        guard id == exchange, machine.inExchange else { throw MessageOrderError(.scopeEnded) }
        if closed || abandoned { throw ClientDisconnected() }
        try order.accept(message)
        switch message {
        case .httpResponseStart(let status, let headers, let trailers):
            machine.responseStart(status: status, headers: headers, trailers: trailers)
        case .httpResponseBody(let body, let moreBody):
            var output = takeOutput()
            try carryOut(machine.responseBody(body, more: moreBody, into: &output), output, body: body)
            try await waitForRoom()
        case .httpResponseTrailers(let headers, let moreTrailers):
            var output: [UInt8] = []
            try carryOut(machine.responseTrailers(headers, more: moreTrailers, into: &output), output, reuse: false)
        case .httpResponsePathsend(let path):
            try writeFile(try FileRegion.pathsend(path), moreBody: false)
            try await waitForRoom()
        case .httpResponseZerocopysend(let file, let offset, let count, let moreBody):
            try writeFile(try FileRegion.zerocopysend(file: file, offset: offset, count: count), moreBody: moreBody)
            try await waitForRoom()
        case .httpResponseDetach(let body):
            try detach(body)
            return
        default:
            break  // ResponseOrder rejected every other message already
        }
        if order.state == .complete { resumeDisconnectWaiters() }
    }

    /// The buffer for the machine's bytes: the reused head storage when a head or chunk
    /// framing is due, else an empty array (taking the storage when nothing is written
    /// would copy it if the connection still holds the last head).
    func takeOutput() -> [UInt8] {
        switch machine.response {
        case .headPending:
            machine.date = date.current()
            return responseBuffer.take(capacity: 0)
        case .sendingBody(.chunked): return responseBuffer.take(capacity: 0)
        default: return []
        }
    }

    /// Backpressure: suspends while the connection's queue is above its high-water mark,
    /// under the send timeout.
    private func waitForRoom() async throws {
        guard !connection.isWritable else { return }
        setDeadline(.send)
        defer { if deadlineKind == .send { clearDeadline() } }
        try await connection.waitUntilWritable()
    }

    /// Queues `region` as body bytes under the response's framing; the kernel sends it
    /// (`sendfile`). The handler owns the region's descriptor until the connection takes it,
    /// and closes it when nothing is to be sent (HEAD, 204/304) or on a framing error.
    private func writeFile(_ region: FileRegion, moreBody: Bool) throws {
        var output = takeOutput()
        let action = machine.responseFile(count: region.count, more: moreBody, into: &output)
        guard case .sendFile(let suffix) = action else {
            region.discard()
            try carryOut(action, output)
            return
        }
        if !output.isEmpty { write(output, reuse: true) }
        connection.write(region)
        if !suffix.isEmpty { connection.write(suffix) }
    }

    // MARK: Carrying out actions

    /// Carries out the machine's `action` for an app's message: writes `output` (or the app's
    /// `body`), closes, or throws the app's error. With `reuse`, `output` came from
    /// `responseBuffer` and goes back to it.
    func carryOut(_ action: HTTPServerAction, _ output: [UInt8], body: [UInt8] = [], reuse: Bool = true) throws(MessageOrderError) {
        switch action {
        case .none, .runApplication, .sendFile:
            if reuse && output.capacity > 0 { responseBuffer.keep(output) }
        case .write:
            write(output, reuse: reuse)
        case .writeBody:
            connection.write(body)
        case .writeAndClose(let close):
            if !output.isEmpty { write(output, reuse: reuse) }
            self.close(close)
        case .close(let close):
            self.close(close)
        case .fail(let error, let close):
            if case .invalidHead = error { logger.error("application sent an invalid response head: \(error); answering 500") }
            if !output.isEmpty { write(output, reuse: reuse) }
            if let close { self.close(close) }
            throw MessageOrderError(.invalidHeader(error.description))
        }
    }

    /// Carries out the machine's `action` for the server's own answers (which never throw).
    func perform(_ action: HTTPServerAction, _ output: [UInt8], reuse: Bool = true) {
        do {
            try carryOut(action, output, reuse: reuse)
        } catch {
            // Only an app's response fails; the server's own answers do not.
        }
    }

    private func write(_ output: [UInt8], reuse: Bool) {
        connection.write(output)
        if reuse { responseBuffer.keep(output) }
    }

    private func close(_ close: HTTPServerExchange.Close) {
        switch close {
        case .graceful: connection.close(graceful: true)
        case .quiet: connection.close(graceful: true, linger: false)
        case .abortive: connection.close(graceful: false)
        }
    }

    // MARK: Error answers

    /// Answers a malformed request with its status (or closes abortively if the response started).
    func respondToParseError(_ error: HTTPParserError) {
        switch error.kind {
        case .tlsHandshake, .http2Preface, .binaryData:
            // Not HTTP/1.1 at all: usually a misconfigured client, worth telling the operator.
            logger.info("not HTTP/1.1 from \(connection.remoteAddress?.description ?? "?"): \(error); answered 400")
        default:
            logger.debug("bad request from \(connection.remoteAddress?.description ?? "?"): \(error)")
        }
        machine.date = date.current()
        var output = responseBuffer.take(capacity: 0)
        perform(machine.parseError(error, into: &output), output)
    }
}
