// RingwayToolkit: what the ASGI guide writes by hand — router, request and response helpers,
// middleware (logging, CORS, request ids, proxy headers), multipart forms — on the contract
// only, so it runs the same under the server, the test client and any wrapping application.
@_exported public import RingwayContract
@_exported public import RingwayCore
