public import RingwayCore

/// An error that says how to answer the request that raised it.
///
/// When an application throws one before its response started, the server (and the test
/// client) answers with this status, headers and body instead of `500 Internal Server
/// Error`; after the response started it ends the exchange like any other error. The
/// toolkit's `HTTPError` (413 for a body over its limit, `400 Invalid JSON`, …) is one.
public protocol HTTPResponseError: Error {
    /// The status to answer with, 400…599.
    var status: Int { get }
    /// The response's fields; the server adds `content-length` and its own fields.
    var headers: Headers { get }
    /// The response body (the server drops it for HEAD).
    var body: [UInt8] { get }
}
