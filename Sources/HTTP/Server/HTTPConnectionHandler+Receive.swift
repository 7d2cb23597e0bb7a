import RingwayCore
import RingwayHTTPCodec
public import RingwayRuntime

extension HTTPConnectionHandler {
    public func receive(exchange id: UInt64) async throws -> ReceiveMessage {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.receive(exchange: id) }
        }
        guard id == exchange, inExchange else { throw MessageOrderError(.scopeEnded) }
        if requestBodyDone {
            if let trailers = requestTrailers {
                requestTrailers = nil
                return .httpRequestTrailers(headers: trailers)
            }
            // ASGI: after the body, receive() blocks until the client disconnects or the
            // response is complete, then reports http.disconnect.
            if !closed && !readEnded && !abandoned && order.state != .complete {
                await withUnsafeContinuation { disconnectWaiters.append($0) }
            }
            return .httpDisconnect
        }
        if let head = requestHead, head.expectsContinue, !continueSent, order.state == .awaitingStart, pendingStart == nil {
            // 100 Continue only now that the app asks for the body (RFC 9110 §10.1.1).
            continueSent = true
            connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while true {
            if closed || abandoned { return .httpDisconnect }
            if let event = popEvent() {
                clearDeadline()
                switch event {
                case .body(let chunk):
                    requestBodyBytes += UInt64(chunk.count)
                    if requestBodyBytes > requestBodyLimit { return try bodyLimitExceeded() }
                    if case .end(let trailers) = events.first {
                        _ = popEvent()
                        finishBody(trailers: trailers)
                        return .httpRequest(body: chunk, moreBody: false)
                    }
                    return .httpRequest(body: chunk, moreBody: true)
                case .end(let trailers):
                    finishBody(trailers: trailers)
                    return .httpRequest(body: [], moreBody: false)
                case .head:
                    preconditionFailure("parser emitted a head before the previous request's end")
                }
            }
            if let parseError { return bodyFramingFailed(parseError) }
            if readEnded { return .httpDisconnect }
            setDeadline(.body)
            await waitForEvent()
            guard id == exchange else { throw MessageOrderError(.scopeEnded) }
        }
    }

    private func finishBody(trailers: Headers?) {
        requestBodyDone = true
        if let trailers, !trailers.isEmpty { requestTrailers = trailers }
    }

    /// The body being read broke the framing rules (or the peer half-closed inside it):
    /// answer the parser's status in the app's place, or close if the response started.
    private func bodyFramingFailed(_ error: HTTPParserError) -> ReceiveMessage {
        keepAlive = false
        abandoned = true
        if order.state == .awaitingStart && pendingStart == nil {
            respondToParseError(error)
        } else {
            connection.close(graceful: false)
        }
        return .httpDisconnect
    }

    /// A chunked body grew past this request's limit: answer 413 in the app's place.
    private func bodyLimitExceeded() throws -> ReceiveMessage {
        keepAlive = false
        abandoned = true  // the exchange is answered by the server; the app's sends now fail
        if order.state == .awaitingStart && pendingStart == nil {
            writeErrorResponse(status: 413, message: "Content Too Large: the body exceeds \(requestBodyLimit) bytes")
            connection.close(graceful: true)
        } else {
            connection.close(graceful: false)
        }
        return .httpDisconnect
    }
}
