import Benchmark
import Foundation
import TokenMillCorpus

/// read → byte-level tokenize → pack → write, on a generated JSONL input of `inputMB` MB
/// (the quickstart English corpus repeated with distinct ids). Throughput is reported per
/// iteration; one iteration processes the whole input, so MB/s = inputMB / (seconds per iteration).
let inputMB = 128
let fixture = makeInput()

func makeInput() -> (dir: String, bytes: Int) {
    let dir = NSTemporaryDirectory() + "tokenmill-bench-input-\(inputMB)"
    let path = dir + "/corpus.jsonl"
    let script = "scripts/make_repeated_jsonl.py"
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized.path
    if !FileManager.default.fileExists(atPath: path) {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", root + "/" + script, root + "/examples/quickstart/data/python_docs.jsonl.gz", path, "\(inputMB)"]
        try! p.run()
        p.waitUntilExit()
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    return (dir, size ?? 0)
}

func recipe(jobs: Int) -> Recipe {
    let out = NSTemporaryDirectory() + "tokenmill-bench-out-\(jobs)"
    let yaml = """
        name: bench
        output_dir: \(out)
        sequence_length: 2048
        sequences_per_shard: 8192
        rejects: false
        sources: [{name: en, paths: ['\(fixture.dir)/corpus.jsonl'], id_field: id, target_tokens: \(fixture.bytes)}]
        """
    return try! RecipeLoader.parse(yaml: yaml, baseDirectory: "")
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput],
                                           maxDuration: .seconds(30), maxIterations: 5)
    for jobs in [1, 2] {
        Benchmark("build \(inputMB) MB JSONL, byte-level, jobs \(jobs)") { benchmark in
            for _ in benchmark.scaledIterations {
                let summary = try BuildPipeline(recipe: recipe(jobs: jobs), options: BuildOptions(jobs: jobs, force: true)).run()
                blackHole(summary)
            }
        }
    }
}
