import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// `tokenmill render-qa`: Natural Questions, MS MARCO and SQuAD records → one dataset of
/// samples with their document rendered to PNG, written in resumable shards.
///
/// Samples are taken in a fixed order (NQ files, then MS MARCO, then SQuAD, each in file and
/// record order; a per-source limit counts converted samples, done or not, so the selection
/// never depends on what earlier runs wrote). A sample whose `(source, original_id)` key is in
/// a finished shard is skipped **before** rendering; the others are rendered in batches of
/// `batchSize` on `jobs` threads and written as one shard each.
public struct RenderQAOptions: Sendable {
    public var nq: [String] = []
    public var marco: [String] = []
    public var squad: [String] = []
    public var resolution: Resolution = .gundam
    public var batchSize = 5000
    public var nqSamples: Int?
    public var marcoSamples: Int?
    public var squadSamples: Int?
    public var jobs = 1
    public var maxHeight = 16_000
    public var output: String

    public init(output: String) { self.output = output }
}

public struct RenderQASummary: Sendable {
    /// Pages rendered by this run.
    public var rendered = 0
    /// Samples skipped because a finished shard holds them.
    public var alreadyDone = 0
    /// Records that gave no sample, by reason (`no_answer`, …).
    public var skipped: [String: Int] = [:]
    public var shardsWritten = 0
    /// MS MARCO records with no selected passage (the first passage was used).
    public var noSelectedPassage = 0
    /// Dataset totals after the run (every shard): samples, per source, per quality, truncated.
    public var totals: JSONValue = .null
}

public final class RenderQA {
    public let options: RenderQAOptions
    let builder: QARecordBuilder
    let store: QADatasetStore

    public init(options: RenderQAOptions, tokenizer: any Tokenizer) throws {
        self.options = options
        builder = QARecordBuilder(resolution: options.resolution, tokenizer: tokenizer)
        store = try QADatasetStore(directory: options.output, resolution: options.resolution)
    }

    public func run(log: (String) -> Void = { _ in }) throws -> RenderQASummary {
        var summary = RenderQASummary()
        try AtomicFileWriter.write(QADatasetCard.markdown(resolution: options.resolution), to: options.output + "/README.md")
        var pending: [QASample] = []
        var queued = Set<String>()
        func offer(_ s: QASample) throws {
            if store.doneKeys.contains(s.key) { summary.alreadyDone += 1; return }
            guard queued.insert(s.key).inserted else { summary.skipped["duplicate_key", default: 0] += 1; return }
            pending.append(s)
            if pending.count == options.batchSize { try flush() }
        }
        func flush() throws {
            guard !pending.isEmpty else { return }
            let records = render(pending)
            try store.write(records)
            summary.rendered += records.count
            summary.shardsWritten += 1
            log("shard \(store.nextShard - 1): \(records.count) samples (\(store.doneKeys.count) in the dataset)")
            for s in pending { queued.remove(s.key) }
            pending.removeAll()
        }
        func skip(_ reason: QASkip) { summary.skipped[reason.rawValue, default: 0] += 1 }

        for (files, limit, kind) in [(options.nq, options.nqSamples, 0), (options.marco, options.marcoSamples, 1)] {
            var taken = 0
            for path in files {
                let split = QASourceReader.split(of: path)
                try QASourceReader.forEachRecord(path) { record, index in
                    if let limit, taken >= limit { return false }
                    guard let record else { skip(.malformed); return true }
                    let result = kind == 0 ? NaturalQuestions.convert(record, index: index, split: split)
                                           : MSMarco.convert(record, index: index, split: split, noSelected: &summary.noSelectedPassage)
                    switch result {
                    case .success(let s): taken += 1; try offer(s)
                    case .failure(let e): skip(e.reason)
                    }
                    return true
                }
                if let limit, taken >= limit { break }
            }
        }
        var squadTaken = 0
        for path in options.squad {
            guard let data = FileManager.default.contents(atPath: path) else { throw TokenMillError(.io, "\(path): cannot read") }
            let file: JSONValue
            do { file = try JSONScanner.parse(Array(data)) } catch {
                throw TokenMillError(.corruptInput, "\(path): not a SQuAD JSON file (\(error))")
            }
            for result in SQuAD.convert(file, split: QASourceReader.split(of: path)) {
                if let limit = options.squadSamples, squadTaken >= limit { break }
                switch result {
                case .success(let s): squadTaken += 1; try offer(s)
                case .failure(let e): skip(e.reason)
                }
            }
        }
        try flush()
        summary.totals = try totals()
        try AtomicFileWriter.write(summary.totals.serialized(), to: options.output + "/stats.json")
        return summary
    }

    /// Records and pages of `samples`, on `jobs` threads (one renderer and encoder each), in order;
    /// nothing is written.
    public func render(_ samples: [QASample]) -> [QARecord] {
        var out = [QARecord?](repeating: nil, count: samples.count)
        let jobs = max(1, min(options.jobs, samples.count))
        let builder = self.builder, maxHeight = options.maxHeight, resolution = options.resolution
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                let renderer = PageRenderer(resolution: resolution, maxHeight: maxHeight)
                let encoder = builder.tokenizer.makeEncoder()
                var i = j
                while i < samples.count {
                    buffer[i] = builder.record(samples[i], renderer: renderer, encoder: encoder, imagePath: String(format: "images/%05d.png", i))
                    i += jobs
                }
            }
        }
        return out.map { $0! }
    }

    /// Counts over every finished shard: samples, per source, per quality (count and percent), truncated.
    func totals() throws -> JSONValue {
        var total = 0, truncated = 0
        var sources: [String: Int] = [:], qualities: [String: Int] = [:]
        let data = options.output + "/data"
        for name in try FileManager.default.contentsOfDirectory(atPath: data).sorted() where name.hasPrefix("shard-") && !name.hasSuffix(".tmp") {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + name + "/metadata.jsonl") else { continue }
            for line in bytes.split(separator: 0x0A) {
                let v = try JSONScanner.parse(Array(line))
                total += 1
                sources[v["metadata"]?["source"]?.stringValue ?? "?", default: 0] += 1
                qualities[v["quality"]?.stringValue ?? "?", default: 0] += 1
                if v["metadata"]?["truncated"] == .bool(true) { truncated += 1 }
            }
        }
        return .object([
            ("samples", .int(Int64(total))),
            ("sources", .object(sources.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ("quality", .object(Quality.allCases.map { q in
                let n = qualities[q.rawValue] ?? 0
                return (q.rawValue, .object([("count", .int(Int64(n))), ("percentage", .double(total == 0 ? 0 : (Double(n) * 10000 / Double(total)).rounded() / 100)),
                                             ("description", .string(q.description))]))
            })),
            ("truncated", .int(Int64(truncated))),
        ])
    }
}
