/// The protocol handler driving one connection (HTTP/1.1, later WebSocket after an upgrade).
///
/// Every method is called on the connection's loop thread. `connectionReceived` sees a
/// borrowed view of the receive buffer, valid only for the call: the handler parses it in
/// place and copies only what must outlive it.
package protocol ConnectionDelegate: AnyObject {
    /// Bytes arrived from the peer.
    func connectionReceived(_ bytes: UnsafeRawBufferPointer)
    /// The peer finished sending (`error == 0`) or the read side failed (errno).
    func connectionReadEnded(error: Int32)
    /// The server is draining: finish the exchange in progress, then close.
    func connectionShutdownRequested()
    /// The connection is closed and its resources released; the last call.
    func connectionClosed()
}
