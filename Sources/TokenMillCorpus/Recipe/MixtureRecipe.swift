import Foundation
import TokenMillCore
import TokenMillLoader
import TokenMillTokenizers

/// A streaming-mixture recipe (docs/mixture.md): YAML or JSON → `MixtureOptions` + tokenizer.
///
///     tokenizer: byte-level            # or a tokenizer.json / .model / .tiktoken (+ allowed_special)
///     seed: 42
///     batch_size: 8
///     unit: token                      # or document
///     shuffle_buffer: 1000
///     min_length: 16
///     append_eos: true
///     sequence_length: 1024            # or curriculum: {total_steps: 50000, stages: [[0.3, 256], [0.7, 512], [1.0, 1024]]}
///     sources:
///       - {name: en, paths: [en.jsonl.gz], text_field: text, fallback: [en-mirror.jsonl.gz]}
///       - {name: sft, paths: [sft.jsonl], format: instruction}
///       - {name: cached, token_cache: cache/, split: train}
///       - {name: packed, shards: out/quickstart, split: train}     # a build's .npy rows
///       - {name: pairs, paths: [data/manifest.jsonl], text_field: tgt_text, split: train}
///     phases:
///       - {name: p1, weights: {en: 55, sft: 35, cached: 10}, until_step: 45000}
///       - {name: p2, weights: {en: 20, sft: 25, cached: 55}}
public enum MixtureRecipe {
    public static func load(file: String) throws -> (options: MixtureOptions, tokenizer: any Tokenizer) {
        let root = try ConfigNode.load(file: file)
        try root.checkKeys(["tokenizer", "seed", "batch_size", "unit", "shuffle_buffer", "min_length", "append_eos", "sequence_length",
                            "curriculum", "pad_to_length", "sources", "phases"])
        let base = (file as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p }

        var tokenizerName = "byte-level"
        var loaderOptions = TokenizerLoader.Options()
        if let t = root.child("tokenizer") {
            if case .object = t.value {
                try t.checkKeys(["path", "allowed_special", "eos_token", "bos_token"])
                tokenizerName = try t.child("path")?.string() ?? "byte-level"
                loaderOptions.allowedSpecial = Set(try t.child("allowed_special")?.stringList() ?? [])
                loaderOptions.eosToken = try t.child("eos_token")?.string()
                loaderOptions.bosToken = try t.child("bos_token")?.string()
            } else {
                tokenizerName = try t.string()
            }
        }
        let tokenizer = try TokenizerLoader.load(tokenizerName, options: loaderOptions, baseDirectory: base)

        guard let sourceNodes = try root.child("sources")?.array(), !sourceNodes.isEmpty else { throw root.error("give sources: a list") }
        var sources: [MixtureSource] = []
        for node in sourceNodes {
            try node.checkKeys(["name", "paths", "text_field", "format", "fallback", "token_cache", "shards", "phase", "split", "sides"])
            let name = try node.child("name")?.string() ?? "source\(sources.count)"
            guard !sources.contains(where: { $0.name == name }) else { throw node.error("the name '\(name)' is used twice") }
            if let cache = node.child("token_cache") {
                let dataset = try TokenCacheDataset(directory: resolve(try cache.string()), split: try node.child("split")?.string(),
                                                    sides: try node.child("sides")?.stringList())
                sources.append(MixtureSource(name: name, input: .dataset(dataset)))
                continue
            }
            if let shards = node.child("shards") {
                let dataset = try PackedShardDataset(directory: resolve(try shards.string()), split: try node.child("split")?.string() ?? "train",
                                                     phase: try node.child("phase")?.string())
                sources.append(MixtureSource(name: name, input: .dataset(dataset)))
                continue
            }
            guard let paths = try node.child("paths")?.stringList(), !paths.isEmpty else { throw node.error("give paths (JSONL files) or token_cache") }
            let content: MixtureSource.Content
            switch try node.child("format")?.string() ?? "text" {
            case "text": content = .text(field: try node.child("text_field")?.string() ?? "text")
            case "instruction": content = .instruction
            case let other: throw node.error("format '\(other)' is not one of text, instruction")
            }
            sources.append(.jsonl(name, paths: paths.map(resolve), content: content, fallback: (try node.child("fallback")?.stringList() ?? []).map(resolve),
                                  split: try node.child("split")?.string()))
        }

        let curriculum: Curriculum
        if let c = root.child("curriculum") {
            try c.checkKeys(["total_steps", "stages"])
            guard let total = try c.child("total_steps")?.int(), total > 0, let stageNodes = try c.child("stages")?.array(), !stageNodes.isEmpty else {
                throw c.error("give total_steps (positive) and stages: [[fraction, length], …]")
            }
            let stages = try stageNodes.map { s -> (Double, Int) in
                let pair = try s.array()
                guard pair.count == 2 else { throw s.error("a stage is [fraction, length]") }
                return (try pair[0].double(), Int(try pair[1].int()))
            }
            guard zip(stages, stages.dropFirst()).allSatisfy({ $0.0 < $1.0 }), stages.allSatisfy({ $0.1 > 0 }) else {
                throw c.error("stage fractions must increase and lengths be positive")
            }
            curriculum = Curriculum(stages: stages.map { (fraction: $0.0, length: $0.1) }, totalSteps: Int(total))
        } else {
            curriculum = .constant(Int(try root.child("sequence_length")?.int() ?? 1024))
        }

        var phases: [MixturePhase] = []
        for node in try root.child("phases")?.array() ?? [] {
            try node.checkKeys(["name", "weights", "until_step", "until_tokens"])
            guard let w = node.child("weights") else { throw node.error("give weights: {source: weight}") }
            try w.checkKeys(sources.map(\.name))
            let weights = try sources.map { try w.child($0.name)?.double() ?? 0 }
            var end: MixturePhase.End?
            if let s = try node.child("until_step")?.int() { end = .step(Int(s)) }
            if let t = try node.child("until_tokens")?.int() { end = .tokens(t) }
            phases.append(MixturePhase(name: try node.child("name")?.string() ?? "phase\(phases.count + 1)", weights: weights, end: end))
        }
        if phases.isEmpty { phases = [MixturePhase(name: "all", weights: Array(repeating: 1, count: sources.count))] }

        var o = MixtureOptions(sources: sources, phases: phases, curriculum: curriculum)
        o.seed = UInt64(try root.child("seed")?.int() ?? 0)
        o.batchSize = Int(try root.child("batch_size")?.int() ?? 8)
        switch try root.child("unit")?.string() ?? "token" {
        case "token": o.unit = .token
        case "document": o.unit = .document
        case let other: throw root.child("unit")!.error("'\(other)' is not one of token, document")
        }
        o.shuffleBuffer = Int(try root.child("shuffle_buffer")?.int() ?? 1000)
        o.minLength = Int(try root.child("min_length")?.int() ?? 1)
        o.appendEOS = try root.child("append_eos")?.bool() ?? true
        o.padToLength = try root.child("pad_to_length")?.bool() ?? true
        return (o, tokenizer)
    }
}
