import RingwayCore
import RingwayHTTPCodec
package import RingwayRuntime

extension HTTPConnectionHandler {
    /// The next request message. Every wait honours task cancellation: a cancelled
    /// `receive` that would wait throws `CancellationError` at once.
    package func receive(exchange id: UInt64) async throws -> ReceiveMessage {
        guard connection.loop.inLoop else {
            return try await withTaskExecutorPreference(connection.loop) { try await self.receive(exchange: id) }
        }
        guard id == exchange, machine.inExchange else { throw MessageOrderError(.scopeEnded) }
        if machine.requestBodyDone {
            if let trailers = requestTrailers {
                requestTrailers = nil
                return .httpRequestTrailers(headers: trailers)
            }
            // ASGI: after the body, receive() blocks until the client disconnects or the
            // response is complete, then reports http.disconnect.
            if !closed && !readEnded && !abandoned && !machine.responseComplete {
                try await waitForDisconnect()
            }
            return .httpDisconnect
        }
        if !abandoned {
            // 100 Continue only now that the app asks for the body (RFC 9110 §10.1.1).
            var output: [UInt8] = []  // written into only when a 100 Continue is due (rare)
            perform(machine.bodyRequested(into: &output), output, reuse: false)
        }
        while true {
            if closed || abandoned { return .httpDisconnect }
            if let event = popEvent() {
                clearDeadline()
                switch event {
                case .body(let chunk):
                    var output: [UInt8] = []  // written into only past the limit
                    machine.date = date.current()
                    let action = machine.requestBody(count: chunk.count, into: &output)
                    if action != .none {
                        // Past the body limit: the server answers 413 in the app's place.
                        perform(action, output, reuse: false)
                        return .httpDisconnect
                    }
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
            if let parseError {
                // The body broke the framing rules (or the peer half-closed inside it).
                respondToParseError(parseError)
                return .httpDisconnect
            }
            if readEnded { return .httpDisconnect }
            setDeadline(.body)
            try await waitForEventCancellably()
            guard id == exchange else { throw MessageOrderError(.scopeEnded) }
        }
    }

    private func finishBody(trailers: Headers?) {
        machine.requestEnded()
        if let trailers, !trailers.isEmpty { requestTrailers = trailers }
    }

    // MARK: Cancellable waits

    /// Waits for the next event like `waitForEvent`, but a cancellation resumes the wait (on
    /// the loop, exactly this waiter) and throws `CancellationError`.
    private func waitForEventCancellably() async throws {
        if Task.isCancelled { throw CancellationError() }
        // One slot: a second concurrent receive would strand the first.
        guard eventWaiter == nil else { throw MessageOrderError(.concurrentReceive) }
        lastWaiterID &+= 1
        let id = lastWaiterID
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                eventWaiterID = id
                eventWaiter = continuation
            }
        } onCancel: {
            // Any thread: the waiter is loop-confined state.
            connection.loop.execute { self.cancelEventWaiter(id) }
        }
        if Task.isCancelled { throw CancellationError() }
    }

    private func cancelEventWaiter(_ id: UInt64) {
        guard eventWaiterID == id, let waiter = eventWaiter else { return }  // resumed already
        eventWaiter = nil
        eventWaiterID = 0
        waiter.resume()
    }

    /// Waits until the client disconnects or the response completes; a cancellation
    /// resumes exactly this waiter and throws `CancellationError`.
    private func waitForDisconnect() async throws {
        if Task.isCancelled { throw CancellationError() }
        lastWaiterID &+= 1
        let id = lastWaiterID
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in disconnectWaiters.append((id, continuation)) }
        } onCancel: {
            connection.loop.execute { self.cancelDisconnectWaiter(id) }
        }
        if Task.isCancelled { throw CancellationError() }
    }

    private func cancelDisconnectWaiter(_ id: UInt64) {
        guard let index = disconnectWaiters.firstIndex(where: { $0.id == id }) else { return }  // resumed already
        disconnectWaiters.remove(at: index).continuation.resume()
    }
}
