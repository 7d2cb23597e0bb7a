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
