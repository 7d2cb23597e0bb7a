package import RingwayHTTP
import RingwayCore
import RingwayRuntime
import RingwayWebSocketCodec

/// Switches HTTP/1.1 connections that ask for `Upgrade: websocket` to WebSocket and runs
/// the application's `websocket` scope on them. Handshakes that break RFC 6455 §4.2 are
/// answered 400 (426 with `sec-websocket-version: 13` for a version we do not speak),
/// never 101.
package struct WebSocketUpgrader: HTTPUpgrader {
    package let protocolName = "websocket"
    package let configuration: WebSocketConfiguration

    package init(configuration: WebSocketConfiguration = WebSocketConfiguration()) {
        self.configuration = configuration
    }

    package func upgrade(_ request: HTTPUpgradeRequest) async {
        let key: String
        do {
            key = try WebSocketHandshake.validate(request.head)
        } catch {
            refuse(request, error)
            return
        }
        if request.shuttingDown {
            refuse(request, .init(status: 503, reason: "the server is shutting down"))
            return
        }
        let handler = WebSocketConnectionHandler(request: request, key: key, configuration: configuration)
        // Replace the delegate before any suspension so no byte reaches the HTTP handler.
        request.connection.delegate = handler
        await handler.run()
    }

    private func refuse(_ request: HTTPUpgradeRequest, _ refusal: WebSocketHandshake.Refusal) {
        request.connection.write(WebSocketHandshake.refusalResponse(refusal))
        request.connection.close(graceful: true)
    }
}
