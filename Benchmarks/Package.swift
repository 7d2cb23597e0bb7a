// swift-tools-version: 6.1
// Ringway's benchmark suite: its own package, so the runtime never depends on the peers it is
// measured against (SwiftNIO's NIOHTTP1 server, Hummingbird 2).
//
//   ringway-load      Sources/LoadGenerator  HTTP/1.1, WebSocket and SSE load generator (epoll, HdrHistogram)
//   ringway-bench     Sources/Orchestrator   runs the matrix, pins cores, writes the report and charts
//   nio-peer          Sources/NIOPeer        SwiftNIO NIOHTTP1 server with the benchmark routes
//   hummingbird-peer  Sources/HummingbirdPeer Hummingbird 2 server (HTTP, SSE and WebSocket) with the same routes
//   vapor-peer        Sources/VaporPeer      Vapor 4 server (HTTP and WebSocket) with the same routes
//   ringway-toolkit-peer Sources/RingwayToolkitPeer  the toolkit workload on Ringway: a raw closure and the RingwayToolkit router
//
// The toolkit workload's 50-route table (Sources/ToolkitWorkload/ToolkitRoutes.swift) is served by
// hummingbird-peer, vapor-peer and ringway-toolkit-peer alike.
//
// Ringway itself is measured as the `ringway` executable of the root package (`ringway serve`).
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "RingwayBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ringway-load", targets: ["LoadGenerator"]),
        .executable(name: "ringway-bench", targets: ["Orchestrator"]),
        .executable(name: "nio-peer", targets: ["NIOPeer"]),
        .executable(name: "hummingbird-peer", targets: ["HummingbirdPeer"]),
        .executable(name: "vapor-peer", targets: ["VaporPeer"]),
        .executable(name: "ringway-toolkit-peer", targets: ["RingwayToolkitPeer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The root package: RingwaySSECodec (the load generator's SSE parser), and Ringway with
        // RingwayToolkit for ringway-toolkit-peer.
        .package(name: "Ringway", path: ".."),
    ],
    targets: [
        .target(name: "CEpoll"),
        // posix_spawn for the orchestrator's children (no Foundation Process).
        .target(name: "CSpawn"),
        // The JSON contract between ringway-load and ringway-bench.
        .target(name: "LoadReportFormat", swiftSettings: strict),
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                "CEpoll", "LoadReportFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "RingwaySSECodec", package: "Ringway"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "LoadGeneratorTests", dependencies: ["LoadGenerator", "LoadReportFormat"], swiftSettings: strict),
        .executableTarget(
            name: "Orchestrator",
            dependencies: [
                "CSpawn", "LoadReportFormat", "ToolkitWorkload",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "NIOPeer",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // What the toolkit workload's peers share: the route table and the access-log handler.
        .target(
            name: "ToolkitWorkload",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "HummingbirdPeer",
            dependencies: [
                "ToolkitWorkload",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "VaporPeer",
            dependencies: [
                "ToolkitWorkload",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Vapor", package: "vapor"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RingwayToolkitPeer",
            dependencies: [
                "ToolkitWorkload",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Ringway", package: "Ringway"),
                .product(name: "RingwayToolkit", package: "Ringway"),
            ],
            swiftSettings: strict
        ),
    ]
)
