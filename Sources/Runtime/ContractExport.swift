// The reactor serves the ASGI contract: whoever builds on the runtime (the protocol
// handlers, the server) speaks its types.
@_exported public import RingwayContract
