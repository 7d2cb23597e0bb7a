// swift-tools-version: 6.1
import PackageDescription

// Ringway: an ASGI-shaped Swift networking runtime on a per-core io_uring reactor.
//
// Module map (one folder per layer, see README "Architecture"), lowest first:
//   RingwayCore      Sources/Core          shared value types (Headers, byte helpers)
//   RingwayContract  Sources/Contract      the ASGI contract: Scope, messages, Application, errors (no reactor)
//   CURing           Sources/CURing        liburing + the few shims Swift cannot import (Linux only)
//   RingwayRuntime   Sources/Runtime       the reactor: backends (io_uring, epoll, Dispatch, in-memory), loops,
//                                          connections, listeners, lifespan runner, server core
//   RingwayHTTPCodec Sources/HTTP/Codec    sans-I/O HTTP/1.1: parser, serializer, the server exchange machine
//   RingwayHTTP      Sources/HTTP/Server   the HTTP/1.1 handler: carries out the exchange machine's actions
//   CZlib            Sources/CZlib         zlib for permessage-deflate
//   RingwayWebSocketCodec Sources/WebSocket/Codec  sans-I/O RFC 6455: frames, deflate, handshake, connection machine
//   RingwayWebSocket Sources/WebSocket/Server  the upgrader and the socket handler; the app's `WebSocket` view
//   RingwaySSECodec  Sources/SSE/Codec     sans-I/O text/event-stream: encoder and the WHATWG parser
//   RingwaySSE       Sources/SSE/Stream    event-stream responses, heartbeats, drain, the topic broadcaster (on the contract)
//   Ringway          Sources/Ringway       what an app author and an embedder import: `Server`, configurations,
//                                          the contract, `WebSocket`, `BackendKind` (no loop, handler or parser)
//   RingwayToolkit   Sources/Toolkit       router, request/response helpers, middleware (on the contract only)
//   RingwayTestSupport Sources/TestSupport in-memory and live test clients for users' tests
//   ringway          Sources/ringway       the CLI (`ringway serve`)
// Toolchain modules named `Runtime` and `Testing` exist, hence the prefixed names.

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "Ringway",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Ringway", targets: ["Ringway"]),
        .library(name: "RingwayTestSupport", targets: ["RingwayTestSupport"]),
        // The sans-I/O codecs on their own, for embedding and for the microbenchmarks.
        .library(name: "RingwayHTTPCodec", targets: ["RingwayHTTPCodec"]),
        .library(name: "RingwayWebSocketCodec", targets: ["RingwayWebSocketCodec"]),
        .library(name: "RingwaySSECodec", targets: ["RingwaySSECodec"]),
        // The toolkit: router, request/response helpers, middleware (on the contract only).
        .library(name: "RingwayToolkit", targets: ["RingwayToolkit"]),
        .executable(name: "ringway", targets: ["ringway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Tests only: child processes without Foundation's Process (see Tests/EndToEndTests/ExternalProcess.swift).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        .target(name: "RingwayCore", path: "Sources/Core", swiftSettings: strict),
        .target(name: "RingwayContract", dependencies: ["RingwayCore"], path: "Sources/Contract", swiftSettings: strict),
        .target(
            name: "CURing",
            path: "Sources/CURing",
            linkerSettings: [.linkedLibrary("uring", .when(platforms: [.linux]))]
        ),
        .target(
            name: "RingwayRuntime",
            dependencies: [
                "RingwayCore", "RingwayContract",
                .target(name: "CURing", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Runtime",
            swiftSettings: strict
        ),
        .target(name: "RingwayHTTPCodec", dependencies: ["RingwayCore"], path: "Sources/HTTP/Codec", swiftSettings: strict),
        .target(
            name: "RingwayHTTP",
            dependencies: [
                "RingwayCore", "RingwayContract", "RingwayRuntime", "RingwayHTTPCodec",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/HTTP/Server",
            swiftSettings: strict
        ),
        .target(
            name: "CZlib",
            path: "Sources/CZlib",
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "RingwayWebSocketCodec",
            dependencies: ["RingwayCore", "CZlib", "RingwayHTTPCodec", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/WebSocket/Codec",
            swiftSettings: strict
        ),
        .target(
            name: "RingwayWebSocket",
            dependencies: [
                "RingwayCore", "RingwayContract", "RingwayRuntime", "RingwayHTTPCodec", "RingwayHTTP", "RingwayWebSocketCodec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/WebSocket/Server",
            swiftSettings: strict
        ),
        .target(
            name: "Ringway",
            dependencies: [
                "RingwayCore", "RingwayContract", "RingwayRuntime", "RingwayHTTPCodec", "RingwayHTTP", "RingwayWebSocket", "RingwayWebSocketCodec",
                "RingwaySSE", "RingwaySSECodec",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Ringway",
            swiftSettings: strict
        ),
        .target(
            name: "RingwayTestSupport",
            dependencies: ["Ringway", "RingwayContract", "RingwayCore", "RingwayRuntime", "RingwayHTTPCodec", "RingwayWebSocketCodec", .product(name: "DequeModule", package: "swift-collections")],
            path: "Sources/TestSupport",
            swiftSettings: strict
        ),
        .target(name: "RingwaySSECodec", path: "Sources/SSE/Codec", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "RingwaySSE",
            dependencies: [
                "RingwayContract", "RingwayCore", "RingwaySSECodec",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/SSE/Stream",
            swiftSettings: strict
        ),
        .target(
            name: "RingwayToolkit",
            dependencies: [
                "RingwayContract", "RingwayCore", "RingwaySSE",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Toolkit",
            swiftSettings: strict
        ),
        .target(name: "RingwayDemo", dependencies: ["Ringway", "RingwayToolkit"], path: "Sources/Demo", swiftSettings: strict),
        .executableTarget(
            name: "ringway",
            dependencies: [
                "Ringway", "RingwayDemo", "RingwayToolkit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/ringway",
            swiftSettings: strict
        ),
        .testTarget(name: "CoreTests", dependencies: ["RingwayCore"], swiftSettings: strict),
        // The toolkit in memory (contract + TestClient); live tests on every backend are in EndToEndTests.
        .testTarget(
            name: "ToolkitTests",
            dependencies: ["RingwayToolkit", "RingwayContract", "RingwayCore", "RingwayTestSupport", "Ringway"],
            swiftSettings: strict
        ),
        .testTarget(name: "SSECodecTests", dependencies: ["RingwaySSECodec"], swiftSettings: strict),
        .testTarget(name: "SSETests", dependencies: ["RingwaySSE", "RingwaySSECodec", "RingwayContract", "RingwayCore"], swiftSettings: strict),
        .testTarget(name: "WebSocketCodecTests", dependencies: ["RingwayWebSocketCodec"], swiftSettings: strict),
        .testTarget(name: "HTTPCodecTests", dependencies: ["RingwayHTTPCodec", "RingwayCore"], swiftSettings: strict),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["RingwayRuntime", "RingwayContract", "RingwayCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Ringway", "RingwayDemo", "RingwayToolkit", "RingwayTestSupport", "RingwayRuntime", "RingwayContract", "RingwayCore", "RingwayWebSocketCodec", "RingwayHTTP", "RingwayHTTPCodec",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: strict
        ),
    ]
)
