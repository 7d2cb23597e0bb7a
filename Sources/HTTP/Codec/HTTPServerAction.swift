/// What the I/O handler carries out after an `HTTPServerExchange` call.
public enum HTTPServerAction: Sendable, Equatable {
    /// Nothing to do (deliver the message, carry on).
    case none
    /// Run the application for the request just begun.
    case runApplication
    /// Write the bytes the machine put in `output`.
    case write
    /// Write the application's body bytes as they are (no framing to add).
    case writeBody
    /// Write `output` if not empty, then the file region, then `suffix` if not empty.
    case sendFile(suffix: [UInt8])
    /// Write `output`, then close the connection.
    case writeAndClose(HTTPServerExchange.Close)
    /// Close the connection.
    case close(HTTPServerExchange.Close)
    /// Refuse the application's message with `error`: write `output` if not empty, then
    /// close as `close` says (nil: the connection stays).
    case fail(HTTPExchangeError, close: HTTPServerExchange.Close?)
}
