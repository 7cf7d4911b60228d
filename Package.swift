// swift-tools-version: 6.1
// TokenMill: raw text in, training-ready token shards out. See docs/architecture.md.
import PackageDescription

let package = Package(
    name: "TokenMill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokenmill", targets: ["tokenmill"]),
        .library(name: "TokenMillCorpus", targets: ["TokenMillCorpus"]),
        .library(name: "TokenMillTokenizers", targets: ["TokenMillTokenizers"]),
        .library(name: "TokenMillIO", targets: ["TokenMillIO"]),
        .library(name: "TokenMillLoader", targets: ["TokenMillLoader"]),
        .library(name: "TokenMillRender", targets: ["TokenMillRender"]),
    ],
    dependencies: [
        // Command-line parsing for the `tokenmill` tool only (TokenMillCLI).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // YAML recipes (TokenMillCorpus). JSON recipes are read by Foundation's JSONSerialization.
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System C libraries, one small module map each (Debian -dev packages; `make` installs them).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd"),        // .zst input streams
        .systemLibrary(name: "CSnappy"),                             // Parquet SNAPPY pages (libsnappy-dev)
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4"),           // Parquet LZ4_RAW / LZ4 pages (liblz4-dev)
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec"),  // Parquet BROTLI pages (libbrotli-dev)
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),           // .gz input streams (multi-member)
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash"),    // stable keyed hashes (xxh64)
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto"),   // SHA-256 for manifests
        // NFC/NFKC and lowercasing through ICU (libicu-dev), behind a tiny C interface so that ICU's
        // headers never meet the ICU copy Foundation bundles.
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo"),  // QA pages: Pango layout, Cairo PNG (libpango1.0-dev libcairo2-dev)
        .target(name: "CICUShim", linkerSettings: [.linkedLibrary("icuuc")]),

        // Document model, errors, stable hashing, seeded PRNG, statistics, Unicode normalization.
        .target(name: "TokenMillCore", dependencies: ["CXXHash", "COpenSSL", "CICUShim"]),
        // Streams, readers, atomic files, .npy writer.
        .target(name: "TokenMillIO", dependencies: ["TokenMillCore", "CZstd", "CZlib", "CSnappy", "CLZ4", "CBrotli"]),
        // Tokenizer interface and implementations.
        .target(name: "TokenMillTokenizers", dependencies: ["TokenMillCore"]),
        // Curation: text normalization (then filters, language ID, dedup).
        // Datasets, collation, loaders and streaming mixtures; IO for memory-mapped .npy and
        // JSONL streams, Tokenizers for the mixture's on-the-fly encoding.
        .target(name: "TokenMillLoader", dependencies: ["TokenMillCore", "TokenMillIO", "TokenMillTokenizers"]),
        // QA datasets with rendered pages: converters, extraction, Pango/Cairo rendering, resumable output.
        .target(name: "TokenMillRender", dependencies: ["TokenMillCore", "TokenMillIO", "TokenMillTokenizers", "CPangoCairo"]),
        .target(name: "TokenMillCuration", dependencies: ["TokenMillCore", "TokenMillIO"]),
        // Recipe, build pipeline (index → select → pack → write), manifest, stats, data card.
        .target(name: "TokenMillCorpus", dependencies: [
            "TokenMillCore", "TokenMillIO", "TokenMillTokenizers", "TokenMillCuration", "TokenMillLoader",
            .product(name: "Yams", package: "Yams"),
        ], resources: [.copy("Resources/langid.tmlid")]),
        // ArgumentParser commands.
        .target(name: "TokenMillCLI", dependencies: [
            "TokenMillCorpus", "TokenMillCuration", "TokenMillLoader", "TokenMillRender",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "tokenmill", dependencies: ["TokenMillCLI"]),

        .testTarget(name: "TokenMillCoreTests", dependencies: ["TokenMillCore"]),
        .testTarget(name: "TokenMillIOTests", dependencies: ["TokenMillIO"]),
        .testTarget(name: "TokenMillCurationTests", dependencies: ["TokenMillCuration", "TokenMillIO"]),
        .testTarget(name: "TokenMillTokenizersTests", dependencies: ["TokenMillTokenizers", "TokenMillIO"]),
        // Depends on the executable so that `swift test` builds it for the kill/resume tests.
        .testTarget(name: "TokenMillLoaderTests", dependencies: ["TokenMillLoader", "TokenMillCorpus", "TokenMillTokenizers", "TokenMillIO"]),
        .testTarget(name: "TokenMillRenderTests", dependencies: ["TokenMillRender", "TokenMillIO", "TokenMillTokenizers", "CPangoCairo"]),
        .testTarget(name: "TokenMillCorpusTests", dependencies: ["TokenMillCorpus", "TokenMillIO", "TokenMillCuration", "tokenmill"]),
    ],
    swiftLanguageModes: [.v6]
)
