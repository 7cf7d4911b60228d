import Benchmark
import Foundation
import TokenMillCorpus
import TokenMillLoader
import TokenMillTokenizers

/// Loader throughput: batches of B = 16, T = 1024 from memory-mapped packed shards (the shared
/// English corpus built once with the byte-level tokenizer, ~11 M tokens, 10,700 rows), shuffled
/// per epoch, with targets, padding mask and document ids; and the same shape from a
/// streaming mixture that tokenizes JSONL on the fly. One iteration serves 100 batches, so
/// batches/s = 100 / (seconds per iteration).
let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../../shared/corpora").standardized.path

let shards: String = {
    let dir = NSTemporaryDirectory() + "tokenmill-bench-loader"
    if FileManager.default.fileExists(atPath: dir + "/out/manifest.json") { return dir + "/out" }
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try! """
    output_dir: out
    seed: 1
    tokenizer: byte-level
    sequence_length: 1024
    sequences_per_shard: 2048
    splits: {train: 1.0}
    sources: [{name: en, paths: ['\(shared)/en/python_docs.jsonl.gz'], target_tokens: 10900000}]
    """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
    _ = try! BuildPipeline(recipe: try! RecipeLoader.load(file: dir + "/recipe.yaml"), options: BuildOptions(jobs: 2, force: true)).run()
    return dir + "/out"
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput],
                                           maxDuration: .seconds(20), maxIterations: 20)
    let dataset = try! PackedShardDataset(directory: shards, split: "train")
    Benchmark("DataLoader, packed shards, B=16 T=1024, 100 batches") { benchmark in
        var loader = try! DataLoader(dataset: dataset, options: .init(batchSize: 16, seed: 7, epochs: nil,
                                                                      collator: Collator(padding: .fixed(1024)), documentBoundaries: true))
        for _ in benchmark.scaledIterations {
            for _ in 0..<100 { blackHole(loader.next()!) }
        }
    }
    Benchmark("MixtureStream, 2 JSONL sources, byte-level, B=16 T=1024, 100 batches") { benchmark in
        var o = MixtureOptions(sources: [.jsonl("en", paths: [shared + "/en/python_docs.jsonl.gz"]), .jsonl("it", paths: [shared + "/it/debian_docs_it.jsonl.gz"])],
                               phases: [MixturePhase(name: "p", weights: [70, 30])], curriculum: .constant(1024))
        o.batchSize = 16
        o.seed = 7
        let stream = try! MixtureStream(options: o, tokenizer: try! TokenizerLoader.load("byte-level", baseDirectory: ""))
        for _ in benchmark.scaledIterations {
            for _ in 0..<100 { blackHole(try! stream.nextBatch()) }
        }
    }
}
