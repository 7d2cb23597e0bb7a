// swift-tools-version: 6.1
// Microbenchmarks of Ringway's sans-I/O codecs with package-benchmark (ordo-one/benchmark):
// time, and allocation counts checked against stored thresholds in CI (counts are
// deterministic, times are not). Its own package so neither the runtime nor CI's test build
// pulls in the benchmark harness or the load-test peers.
//
//   swift package --package-path Benchmarks/Micro benchmark                      # run, print
//   swift package --package-path Benchmarks/Micro benchmark thresholds check     # CI: allocations
//   swift package --package-path Benchmarks/Micro --allow-writing-to-package-directory benchmark thresholds update
import PackageDescription

let package = Package(
    name: "RingwayMicrobenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Ringway", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Codecs",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingwayHTTPCodec", package: "Ringway"),
                .product(name: "RingwayWebSocketCodec", package: "Ringway"),
                .product(name: "RingwaySSECodec", package: "Ringway"),
            ],
            path: "Benchmarks/Codecs",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The toolkit's request parsers (forms, JSON, cookies).
        .executableTarget(
            name: "RequestParsing",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingwayToolkit", package: "Ringway"),
            ],
            path: "Benchmarks/RequestParsing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The multipart/form-data parser.
        .executableTarget(
            name: "Multipart",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingwayToolkit", package: "Ringway"),
            ],
            path: "Benchmarks/Multipart",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The toolkit's middleware stack: a bare application against five pass-through middleware.
        .executableTarget(
            name: "MiddlewareStack",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingwayToolkit", package: "Ringway"),
            ],
            path: "Benchmarks/MiddlewareStack",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The router: lookups and dispatch at 10 and 200 routes.
        .executableTarget(
            name: "Router",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingwayToolkit", package: "Ringway"),
            ],
            path: "Benchmarks/Router",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
