import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillRender
import TokenMillTokenizers

/// `tokenmill render-qa`: QA records with their documents rendered to PNG, resumable.
struct RenderQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-qa",
        abstract: "Natural Questions, MS MARCO and SQuAD → one dataset with each document rendered to PNG (imagefolder shards Hugging Face datasets loads); run it again after an interruption and it continues.")

    @Option(parsing: .upToNextOption, help: "Natural Questions files (Parquet or JSONL, Hugging Face's shape).") var nq: [String] = []
    @Option(parsing: .upToNextOption, help: "MS MARCO v1.1/v2.1 files (Parquet or JSONL).") var marco: [String] = []
    @Option(parsing: .upToNextOption, help: "SQuAD-format JSON files.") var squad: [String] = []
    @Option(help: "tiny (512 px), small (640), base (1024), large (1280) or gundam (1600).") var resolution: String = "gundam"
    @Option(name: .customLong("batch-size"), help: "Samples per shard.") var batchSize = 5000
    @Flag(help: "1,000 samples per source.") var test = false
    @Flag(name: .customLong("skip-nq"), help: "Leave Natural Questions out of this run.") var skipNQ = false
    @Flag(name: .customLong("skip-marco"), help: "Leave MS MARCO out of this run.") var skipMarco = false
    @Option(name: .customLong("nq-samples"), help: "At most this many Natural Questions samples.") var nqSamples: Int?
    @Option(name: .customLong("marco-samples"), help: "At most this many MS MARCO samples.") var marcoSamples: Int?
    @Option(name: .customLong("squad-samples"), help: "At most this many SQuAD samples.") var squadSamples: Int?
    @Option(help: "Tokenizer for token_count (byte-level, a tokenizer.json, a .model or .tiktoken file).") var tokenizer = "byte-level"
    @Option(name: .customLong("max-height"), help: "Pages taller than this are cut at a line and marked truncated.") var maxHeight = 16_000
    @Option(name: .shortAndLong, help: "Threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .shortAndLong, help: "Output folder.") var output: String
    @Flag(help: "Print nothing but errors.") var quiet = false

    func run() throws {
        guard let res = Resolution(rawValue: resolution) else {
            throw TokenMillError(.invalidConfiguration, "--resolution '\(resolution)': one of \(Resolution.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard batchSize > 0 else { throw TokenMillError(.invalidConfiguration, "--batch-size must be positive") }
        var o = RenderQAOptions(output: output)
        o.nq = skipNQ ? [] : nq
        o.marco = skipMarco ? [] : marco
        o.squad = squad
        o.resolution = res
        o.batchSize = batchSize
        o.nqSamples = nqSamples ?? (test ? 1000 : nil)
        o.marcoSamples = marcoSamples ?? (test ? 1000 : nil)
        o.squadSamples = squadSamples ?? (test ? 1000 : nil)
        o.jobs = jobs
        o.maxHeight = maxHeight
        let tok = try TokenizerLoader.load(tokenizer, baseDirectory: "", keyPath: "--tokenizer")
        let summary = try RenderQA(options: o, tokenizer: tok).run(log: { if !quiet { print($0) } })
        if !quiet {
            let skipped = summary.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("rendered \(summary.rendered), already done \(summary.alreadyDone), shards written \(summary.shardsWritten)" + (skipped.isEmpty ? "" : "; skipped: \(skipped)")
                  + (summary.noSelectedPassage > 0 ? "; MS MARCO without a selected passage: \(summary.noSelectedPassage)" : ""))
            let t = summary.totals
            let sources = (t["sources"].flatMap { v -> [(String, JSONValue)]? in if case .object(let p) = v { return p }; return nil } ?? [])
                .map { "\($0.0) \($0.1.intValue ?? 0)" }.joined(separator: ", ")
            let quality = Quality.allCases.compactMap { q -> String? in
                guard let n = t["quality"]?[q.rawValue]?["count"]?.intValue, n > 0 else { return nil }
                return "\(q.rawValue) \(n) (\(t["quality"]![q.rawValue]!["percentage"]!.doubleValue!)%)"
            }.joined(separator: ", ")
            print("dataset: \(t["samples"]?.intValue ?? 0) samples (\(sources)); quality: \(quality); truncated \(t["truncated"]?.intValue ?? 0); details in \(output)/stats.json")
        }
    }
}
