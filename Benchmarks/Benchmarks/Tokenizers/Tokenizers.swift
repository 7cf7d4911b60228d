import Benchmark
import Foundation
import TokenMillTokenizers

/// Encode and train on the shared English corpus (10.8 MB of text, 3,890 documents). One
/// iteration processes the whole corpus, so MB/s = 10.8 / (seconds per iteration). The
/// side-by-side comparison with tiktoken and HF is scripts/bench_tokenizers.py.
let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../../shared/corpora").standardized.path

let texts: [[UInt8]] = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "zcat '\(shared)/en/python_docs.jsonl.gz'"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try! p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return data.split(separator: 0x0A).map { line in
        let record = try! JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
        return Array((record["text"] as! String).utf8)
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
                                           maxDuration: .seconds(20), maxIterations: 5)
    let cl100k = try! TiktokenLoader.load(path: shared + "/tokenizers/cl100k_base.tiktoken", disallowedSpecial: [])
    for jobs in [1, 2] {
        Benchmark("encode cl100k_base, 10.8 MB, jobs \(jobs)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(BatchEncoder.count(texts, tokenizer: cl100k, jobs: jobs)) }
        }
    }
    Benchmark("train byte-level BPE 8k, 10.8 MB, jobs 2") { benchmark in
        for _ in benchmark.scaledIterations {
            let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: 8000, specialTokens: ["<|endoftext|>"]))
            trainer.feed(texts, jobs: 2)
            blackHole(trainer.train())
        }
    }
}
