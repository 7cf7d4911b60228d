// swift-tools-version: 6.1
// Benchmarks for TokenMill (package-benchmark). Run: `make bench` or
// `cd Benchmarks && swift package --allow-writing-to-package-directory benchmark`.
import PackageDescription

let package = Package(
    name: "TokenMillBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "TokenMill", path: ".."),
        // package-benchmark: statistics, throughput and malloc counts for release builds.
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "BuildThroughput",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "TokenMillCorpus", package: "TokenMill"),
            ],
            path: "Benchmarks/BuildThroughput",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Tokenizers",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "TokenMillTokenizers", package: "TokenMill"),
            ],
            path: "Benchmarks/Tokenizers",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Loader",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "TokenMillCorpus", package: "TokenMill"),
                .product(name: "TokenMillLoader", package: "TokenMill"),
                .product(name: "TokenMillTokenizers", package: "TokenMill"),
            ],
            path: "Benchmarks/Loader",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Render",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "TokenMillRender", package: "TokenMill"),
                .product(name: "TokenMillTokenizers", package: "TokenMill"),
            ],
            path: "Benchmarks/Render",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
