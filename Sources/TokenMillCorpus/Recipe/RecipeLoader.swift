import Foundation
import TokenMillCore
import TokenMillCuration
import TokenMillIO
import TokenMillTokenizers

/// Reads and validates a recipe (YAML or JSON, including the "meta-config" form whose sources
/// name per-source JSON files with `config_path`). Errors name the key path and what is wrong.
public enum RecipeLoader {
    /// Absolute tolerance between a given weight and target_tokens / target_total_tokens.
    public static let weightTolerance = 0.005

    static let topKeys = ["name", "output_dir", "seed", "tokenizer", "sequence_length", "target_total_tokens",
                          "splits", "outputs", "sequences_per_shard", "tail", "add_bos", "pad_id", "strict",
                          "rejects", "sources", "phases", "dedup", "description", "megatron_sequences"]
    static let sourceKeys = ["name", "paths", "path", "format", "text_field", "id_field", "text_mode", "weight",
                             "target_tokens", "max_records", "filters", "config_path", "description", "hf_snapshot", "config", "split"]
    static let perSourceConfigKeys = ["name", "paths", "path", "format", "text_field", "id_field", "text_mode", "hf_snapshot", "config", "split",
                                      "max_records", "filters", "description"]

    public static func load(file: String) throws -> Recipe {
        let root = try ConfigNode.load(file: file)
        let base = directory(of: file)
        return try parse(root, baseDirectory: base, recipeFile: file)
    }

    /// Parses a recipe given as text (YAML or JSON).
    public static func parse(yaml: String, baseDirectory: String) throws -> Recipe {
        let node = try ConfigNode.load(text: yaml)
        return try parse(node, baseDirectory: baseDirectory, recipeFile: "recipe")
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "" }
        return String(file[..<slash])
    }

    static func parse(_ root: ConfigNode, baseDirectory: String, recipeFile: String) throws -> Recipe {
        try root.checkKeys(topKeys)
        let name = try root.child("name")?.string() ?? "tokenmill-build"
        guard let outputDir = try root.child("output_dir")?.string() else {
            throw root.error("missing 'output_dir' (where shards, manifest and data card go)")
        }
        let seed = try root.child("seed").map { UInt64(bitPattern: try $0.int()) } ?? 0
        let tokenizer = try parseTokenizer(root.child("tokenizer"))
        let sequenceLength = try root.child("sequence_length").map { Int(try $0.int()) } ?? 2048
        guard sequenceLength >= 1 else { throw root.child("sequence_length")!.error("must be at least 1") }
        let splits = try parseSplits(root.child("splits"))
        let outputs = try root.child("outputs")?.stringList() ?? ["npy"]
        for (i, o) in outputs.enumerated() where !Recipe.outputFormats.contains(o) {
            throw TokenMillError(.invalidConfiguration, "outputs[\(i)]: unknown output format '\(o)'; supported: \(Recipe.outputFormats.joined(separator: ", "))")
        }
        guard outputs.filter({ $0.hasPrefix("jsonl") }).count <= 1 else {
            throw TokenMillError(.invalidConfiguration, "outputs: one of jsonl, jsonl.gz, jsonl.zst")
        }
        guard !outputs.isEmpty, Set(outputs).count == outputs.count else {
            throw TokenMillError(.invalidConfiguration, "outputs: list each format once, at least one (\(Recipe.outputFormats.joined(separator: ", ")))")
        }
        let megatronText = try root.child("megatron_sequences")?.string() ?? "document"
        guard let megatronSequences = MegatronWriter.Mode(rawValue: megatronText) else {
            throw root.child("megatron_sequences")!.error("'\(megatronText)' is not one of document, window")
        }
        let perShard = try root.child("sequences_per_shard").map { Int(try $0.int()) } ?? 4096
        guard perShard >= 1 else { throw root.child("sequences_per_shard")!.error("must be at least 1") }
        let tailText = try root.child("tail")?.string() ?? "pad"
        guard let tail = Recipe.TailPolicy(rawValue: tailText) else {
            throw root.child("tail")!.error("'\(tailText)' is not one of drop, pad, keep")
        }
        let padID = try root.child("pad_id").map { UInt32(try $0.int()) }
        let addBOS = try root.child("add_bos")?.bool() ?? false
        let strict = try root.child("strict")?.bool() ?? false
        let rejects = try root.child("rejects")?.bool() ?? true

        guard let sourcesNode = root.child("sources") else { throw root.error("missing 'sources'") }
        let sourceNodes = try sourcesNode.array()
        guard !sourceNodes.isEmpty else { throw sourcesNode.error("at least one source is needed") }
        var sources: [SourceSpec] = []
        var entries: [BudgetEntry] = []
        for node in sourceNodes {
            let (spec, entry) = try parseSource(node, baseDirectory: baseDirectory)
            if sources.contains(where: { $0.name == spec.name }) {
                throw node.child("name")!.error("duplicate source name '\(spec.name)'")
            }
            sources.append(spec)
            entries.append(entry)
        }
        let totalNode = root.child("target_total_tokens")
        let total = try totalNode.map { try $0.int() }
        if let total, total < 1 { throw totalNode!.error("must be positive") }

        var phases: [PhaseSpec] = []
        let hasPhases = root.child("phases") != nil
        if let phasesNode = root.child("phases") {
            for node in try phasesNode.array() {
                try node.checkKeys(["name", "target_total_tokens", "sources", "description"])
                guard let pname = try node.child("name")?.string() else { throw node.error("missing 'name'") }
                let ptotalNode = node.child("target_total_tokens")
                guard let psourcesNode = node.child("sources") else { throw node.error("missing 'sources'") }
                var pentries: [BudgetEntry] = []
                for s in try psourcesNode.array() {
                    try s.checkKeys(["name", "weight", "target_tokens"])
                    guard let ref = try s.child("name")?.string() else { throw s.error("missing 'name'") }
                    guard sources.contains(where: { $0.name == ref }) else {
                        throw s.child("name")!.error("no source named '\(ref)' in 'sources'")
                    }
                    pentries.append(try BudgetEntry(node: s, name: ref))
                }
                let resolved = try BudgetResolver.resolve(pentries, total: try ptotalNode.map { try $0.int() },
                                                         totalPath: ptotalNode?.path ?? "\(node.path).target_total_tokens",
                                                         listPath: psourcesNode.path)
                phases.append(PhaseSpec(name: pname, targetTotalTokens: resolved.total, allocations: resolved.allocations))
            }
            if phases.map(\.name).count != Set(phases.map(\.name)).count {
                throw phasesNode.error("phase names must be unique")
            }
        } else {
            let resolved = try BudgetResolver.resolve(entries, total: total,
                                                     totalPath: "target_total_tokens", listPath: "sources")
            phases = [PhaseSpec(name: "main", targetTotalTokens: resolved.total, allocations: resolved.allocations)]
        }
        let grandTotal = phases.reduce(Int64(0)) { $0 + $1.targetTotalTokens }
        if hasPhases, let total, total != grandTotal {
            throw totalNode!.error("\(total) differs from the sum of the phases' target_total_tokens (\(grandTotal))")
        }
        var recipe = Recipe(name: name, baseDirectory: baseDirectory, outputDir: outputDir, seed: seed, tokenizer: tokenizer,
                            sequenceLength: sequenceLength, targetTotalTokens: grandTotal, splits: splits, outputs: outputs,
                            sequencesPerShard: perShard, tail: tail, addBOS: addBOS, padID: padID, strict: strict,
                            writeRejects: rejects, sources: sources, phases: phases, hasExplicitPhases: hasPhases)
        recipe.dedup = try parseDedup(root.child("dedup"))
        recipe.megatronSequences = megatronSequences
        return recipe
    }

    static func parseTokenizer(_ node: ConfigNode?) throws -> TokenizerSpec {
        guard let node else { return TokenizerSpec(name: "byte-level", eosToken: nil, bosToken: nil) }
        if case .string(let s) = node.value { return TokenizerSpec(name: s, eosToken: nil, bosToken: nil) }
        try node.checkKeys(["name", "type", "path", "eos_token", "bos_token", "allowed_special", "disallowed_special"])
        let name = try (node.child("path") ?? node.child("name") ?? node.child("type"))?.string() ?? "byte-level"
        var disallowed: [String]?
        if let d = node.child("disallowed_special") {
            switch d.value {
            case .string("all"): disallowed = nil
            case .string("none"): disallowed = []
            default: disallowed = try d.stringList()
            }
        }
        return TokenizerSpec(name: name, eosToken: try node.child("eos_token")?.string(),
                             bosToken: try node.child("bos_token")?.string(),
                             allowedSpecial: try node.child("allowed_special")?.stringList() ?? [],
                             disallowedSpecial: disallowed)
    }

    static func parseSplits(_ node: ConfigNode?) throws -> [(name: String, fraction: Double)] {
        guard let node else { return [("train", 1.0)] }
        var out: [(String, Double)] = []
        for key in node.keys {
            let child = node.child(key)!
            let f = try child.double()
            guard f > 0, f <= 1 else { throw child.error("a split fraction must be in (0, 1], got \(f)") }
            out.append((key, f))
        }
        guard !out.isEmpty else { throw node.error("at least one split is needed") }
        let sum = out.reduce(0) { $0 + $1.1 }
        guard abs(sum - 1) < 1e-9 else { throw node.error("split fractions sum to \(sum), expected 1") }
        return out.sorted { $0.0 < $1.0 }
    }

    static func parseSource(_ node: ConfigNode, baseDirectory: String) throws -> (SourceSpec, BudgetEntry) {
        try node.checkKeys(sourceKeys)
        guard let name = try node.child("name")?.string() else { throw node.error("missing 'name'") }
        var fields = node
        var pathBase = baseDirectory
        var configPath: String?
        if let cp = node.child("config_path") {
            let rel = try cp.string()
            configPath = rel
            let file = rel.hasPrefix("/") || baseDirectory.isEmpty ? rel : baseDirectory + "/" + rel
            guard PathResolver.isRegularFile(file) else { throw cp.error("no such file '\(rel)'") }
            let loaded = try ConfigNode.load(file: file)
            fields = ConfigNode(loaded.value, path: rel)
            try fields.checkKeys(perSourceConfigKeys)
            pathBase = directory(of: file)
        }
        let paths: [String]
        if let snapshot = fields.child("hf_snapshot") {
            // A Hugging Face dataset snapshot: the split's files, found by the hub's conventions.
            guard fields.child("paths") == nil && fields.child("path") == nil else { throw snapshot.error("give hf_snapshot or paths, not both") }
            let rel = try snapshot.string()
            let dir = rel.hasPrefix("/") || pathBase.isEmpty ? rel : pathBase + "/" + rel
            guard PathResolver.isDirectory(dir) else { throw snapshot.error("no such folder '\(rel)'") }
            do {
                paths = try HFSnapshot.files(in: dir, config: try fields.child("config")?.string(), split: try fields.child("split")?.string() ?? "train")
            } catch let e as TokenMillError {
                throw snapshot.error(e.message)
            }
        } else {
            if let c = fields.child("config") ?? fields.child("split") { throw c.error("config and split go with hf_snapshot") }
            guard let pathsNode = fields.child("paths") ?? fields.child("path") else {
                throw fields.error("missing 'paths' (files, folders or globs to read), or hf_snapshot")
            }
            paths = try pathsNode.stringList()
            _ = try PathResolver.resolve(paths, baseDirectory: pathBase, keyPath: pathsNode.path)  // fail early on a missing input
        }
        let formatText = try fields.child("format")?.string() ?? inferFormat(paths)
        guard let format = ReaderSpec.Format(rawValue: formatText == "json" ? "jsonl" : formatText) else {
            throw fields.child("format")!.error("'\(formatText)' is not one of jsonl, text, parquet")
        }
        let modeText = try fields.child("text_mode")?.string() ?? "file"
        guard let mode = ReaderSpec.TextMode(rawValue: modeText) else {
            throw fields.child("text_mode")!.error("'\(modeText)' is not one of file, line, paragraph")
        }
        let reader = ReaderSpec(format: format, textField: try fields.child("text_field")?.string() ?? "text",
                                idField: try fields.child("id_field")?.string(), textMode: mode)
        let maxRecords = try fields.child("max_records").map { Int(try $0.int()) }
        var filters = FilterSpec()
        if let f = fields.child("filters") {
            try f.checkKeys(["min_chars", "max_chars", "normalize", "junk", "min_words", "max_words", "min_bytes", "max_bytes", "rules",
                             "blocklist_words", "sample", "lang", "lang_threshold", "lang_model"])
            if let b = f.child("blocklist_words") {
                let path = try b.string()
                let full = path.hasPrefix("/") ? path : pathBase + "/" + path
                guard FileManager.default.fileExists(atPath: full) else { throw b.error("no such file '\(path)'") }
                filters.blocklistWords = full
            }
            if let node = f.child("sample") {
                let rate = try node.double()
                guard rate >= 0 && rate <= 1 else { throw node.error("a fraction from 0 to 1, got \(rate)") }
                filters.sample = rate
            }
            if let node = f.child("lang") {
                if case .string(let one) = node.value { filters.languages = [one] } else { filters.languages = try node.array().map { try $0.string() } }
            }
            if let node = f.child("lang_threshold") {
                let t = try node.double()
                guard t >= 0 && t <= 1 else { throw node.error("a probability from 0 to 1, got \(t)") }
                filters.languageThreshold = t
            }
            if let node = f.child("lang_model") {
                let path = try node.string()
                let full = path.hasPrefix("/") ? path : pathBase + "/" + path
                guard FileManager.default.fileExists(atPath: full) else { throw node.error("no such file '\(path)'") }
                filters.languageModel = full
            }
            filters.minChars = try f.child("min_chars").map { Int(try $0.int()) }
            filters.maxChars = try f.child("max_chars").map { Int(try $0.int()) }
            filters.minWords = try f.child("min_words").map { Int(try $0.int()) }
            filters.maxWords = try f.child("max_words").map { Int(try $0.int()) }
            filters.minBytes = try f.child("min_bytes").map { Int(try $0.int()) }
            filters.maxBytes = try f.child("max_bytes").map { Int(try $0.int()) }
            filters.junk = try f.child("junk")?.bool() ?? false
            filters.normalize = try Self.normalizer(f.child("normalize"))
            filters.rules = try (f.child("rules")?.array() ?? []).map(Self.rule)
        }
        let spec = SourceSpec(name: name, paths: paths, pathBase: pathBase, reader: reader, maxRecords: maxRecords,
                              filters: filters, configPath: configPath)
        return (spec, try BudgetEntry(node: node, name: name))
    }

    /// `dedup: {exact: true, minhash: datatrove}`; `minhash` is a preset name or
    /// `{preset, threshold, bands, rows}`.
    static func parseDedup(_ node: ConfigNode?) throws -> DedupSpec? {
        guard let node else { return nil }
        try node.checkKeys(["exact", "minhash"])
        var d = DedupSpec()
        d.exact = try node.child("exact")?.bool() ?? false
        if let m = node.child("minhash") {
            var preset = "datatrove"
            var threshold: Double?, bands: Int?, rows: Int?
            if case .string(let s) = m.value {
                preset = s
            } else {
                try m.checkKeys(["preset", "threshold", "bands", "rows"])
                preset = try m.child("preset")?.string() ?? preset
                threshold = try m.child("threshold")?.double()
                bands = try m.child("bands").map { Int(try $0.int()) }
                rows = try m.child("rows").map { Int(try $0.int()) }
            }
            do {
                var config = try MinHashConfig.preset(preset, threshold: preset == "redpajama" ? threshold : nil)
                if let t = threshold, preset != "redpajama" {
                    (config.bands, config.rows) = MinHashConfig.optimalBandsRows(permutations: config.permutations, threshold: t)
                }
                if let b = bands, let r = rows, b > 0, r > 0 { (config.bands, config.rows) = (b, r) }
                else if bands != nil || rows != nil { throw m.error("bands and rows go together, both positive") }
                d.minhash = config
                d.minhashPreset = preset
            } catch let e as TokenMillError where e.code == .invalidConfiguration && !e.message.hasPrefix("dedup") {
                throw m.error(e.message)
            }
        }
        guard d.exact || d.minhash != nil else { throw node.error("turn on exact: true or minhash: PRESET (or leave dedup out)") }
        return d
    }

    /// `normalize: true` (the defaults) or a mapping of `TextNormalizer` options.
    static func normalizer(_ node: ConfigNode?) throws -> TextNormalizer? {
        guard let node else { return nil }
        if case .bool(let on) = node.value { return on ? TextNormalizer() : nil }
        try node.checkKeys(["nfkc", "remove_controls", "repair_mojibake", "clean_whitespace", "strip_indentation", "max_blank_lines"])
        var n = TextNormalizer()
        n.nfkc = try node.child("nfkc")?.bool() ?? n.nfkc
        n.removeControls = try node.child("remove_controls")?.bool() ?? n.removeControls
        n.repairMojibake = try node.child("repair_mojibake")?.bool() ?? n.repairMojibake
        n.cleanWhitespace = try node.child("clean_whitespace")?.bool() ?? n.cleanWhitespace
        n.stripIndentation = try node.child("strip_indentation")?.bool() ?? n.stripIndentation
        n.maxBlankLines = try node.child("max_blank_lines").map { Int(try $0.int()) } ?? n.maxBlankLines
        return n
    }

    /// A rule set: its name, or a one-key mapping from its name to its options.
    static func rule(_ node: ConfigNode) throws -> FilterSpec.Rule {
        var name: String
        var options: [String: String] = [:]
        if case .string(let s) = node.value {
            name = s
        } else {
            guard node.keys.count == 1, let key = node.keys.first, let body = node.child(key) else {
                throw node.error("a rule set is a name (gopher_quality) or a one-key mapping (c4: {min_num_sentences: 3})")
            }
            name = key
            guard case .object(let pairs) = body.value else { throw body.error("expected a mapping of options") }
            for (k, v) in pairs {
                switch v {
                case .string(let s): options[k] = s
                case .int(let i): options[k] = String(i)
                case .double(let d): options[k] = String(d)
                case .bool(let b): options[k] = String(b)
                case .null: options[k] = "none"
                case .array(let items): options[k] = items.compactMap { $0.stringValue ?? $0.intValue.map { String($0) } }.joined(separator: ",")
                case .object: throw body.error("option \(k): expected a value, got a mapping")
                }
            }
        }
        do { _ = try QualityRules.make(name, options: options) } catch let e as TokenMillError { throw node.error(e.message) }
        return FilterSpec.Rule(name: name, options: options)
    }

    static func inferFormat(_ paths: [String]) -> String {
        if !paths.isEmpty, paths.allSatisfy({ $0.lowercased().hasSuffix(".parquet") }) { return "parquet" }
        let text = paths.allSatisfy { p in [".txt", ".txt.gz", ".txt.zst", ".text", ".md"].contains { p.lowercased().hasSuffix($0) } }
        return text ? "text" : "jsonl"
    }
}

extension ConfigNode {
    static func load(text: String) throws -> ConfigNode {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw TokenMillError(.invalidConfiguration, "recipe: the recipe is empty")
            }
            return ConfigNode(convert(node), path: "")
        } catch let e as TokenMillError { throw e }
        catch { throw TokenMillError(.invalidConfiguration, "recipe: invalid YAML: \(error)") }
    }
}

import Yams
