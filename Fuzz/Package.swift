// swift-tools-version:6.0
// The fuzz target for the Parquet and JSONL readers (libFuzzer). See docs/fuzzing.md:
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   Fuzz/.build/release/TokenMillFuzz -runs=1000000 Fuzz/corpus
import PackageDescription

let package = Package(
    name: "TokenMillFuzz",
    dependencies: [.package(name: "TokenMill", path: "..")],
    targets: [
        .executableTarget(name: "TokenMillFuzz", dependencies: [.product(name: "TokenMillIO", package: "TokenMill")]),
    ]
)
