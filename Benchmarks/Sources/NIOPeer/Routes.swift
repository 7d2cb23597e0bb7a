import NIOCore

/// The benchmark's fixed response bodies, allocated once and shared (copy-on-write) by every response.
enum Routes {
    static let plaintext = ByteBuffer(string: "Hello, World!")
    static let json = ByteBuffer(string: #"{"message":"Hello, World!"}"#)
    static let empty = ByteBuffer()
}
