import Benchmark
import Foundation
import TokenMillCore
import TokenMillRender
import TokenMillTokenizers

/// Rendering QA pages at gundam (1,600 px): the 173 MS MARCO-shaped records of the shared Python
/// FAQ, converted, extracted, rendered to PNG and counted, on 1 and 2 threads. One iteration
/// renders all 173 samples (no files written), so samples/s = 173 / seconds per iteration and
/// ms per image = seconds per iteration × 1000 / 173 × threads (CPU per image).
let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../../shared/corpora").standardized.path

let samples: [QASample] = {
    let text = try! String(contentsOfFile: shared + "/qa/python_faq.msmarco_shape.jsonl", encoding: .utf8)
    var noSelected = 0
    return text.split(separator: "\n").enumerated().compactMap { i, line in
        try? MSMarco.convert(try! JSONScanner.parse(String(line)), index: i, split: "train", noSelected: &noSelected).get()
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput],
                                           maxDuration: .seconds(30), maxIterations: 10)
    let tokenizer = try! TokenizerLoader.load("byte-level", baseDirectory: "")
    for jobs in [1, 2] {
        Benchmark("render-qa pages, gundam, \(samples.count) samples, jobs \(jobs)") { benchmark in
            var options = RenderQAOptions(output: NSTemporaryDirectory() + "tokenmill-bench-render")
            options.jobs = jobs
            let pipeline = try! RenderQA(options: options, tokenizer: tokenizer)
            for _ in benchmark.scaledIterations { blackHole(pipeline.render(samples)) }
        }
    }
}
