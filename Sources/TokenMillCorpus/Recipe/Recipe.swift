import TokenMillCore
import TokenMillCuration
import TokenMillIO
import TokenMillTokenizers

/// A build recipe with every default resolved. See docs/recipe.md for the schema.
public struct Recipe: Sendable {
    public enum TailPolicy: String, Sendable, CaseIterable { case drop, pad, keep }

    public var name: String
    /// The recipe file's folder; relative paths in the recipe start here.
    public var baseDirectory: String
    public var outputDir: String
    public var seed: UInt64
    public var tokenizer: TokenizerSpec
    public var sequenceLength: Int
    public var targetTotalTokens: Int64
    /// Split names and fractions, sorted by name (the order used to assign documents).
    public var splits: [(name: String, fraction: Double)]
    public var outputs: [String]
    public var sequencesPerShard: Int
    public var tail: TailPolicy
    public var addBOS: Bool
    public var padID: UInt32?
    public var strict: Bool
    public var writeRejects: Bool
    public var sources: [SourceSpec]
    /// At least one phase; a recipe without `phases` has one named `main`.
    public var phases: [PhaseSpec]
    /// True when the recipe declared `phases` (outputs then go in one folder per phase).
    public var hasExplicitPhases: Bool
    /// Corpus-wide dedup across all sources (`dedup:`), after each source's filters.
    public var dedup: DedupSpec? = nil
    /// With the `megatron` output: one sequence per document, or per packed window.
    var megatronSequences: MegatronWriter.Mode = .document

    /// What `outputs:` may list.
    public static let outputFormats = ["npy", "megatron", "nanogpt", "jsonl", "jsonl.gz", "jsonl.zst"]

    /// `output_dir` resolved against the recipe's folder, with `.` and `..` folded.
    public var outputDirectory: String {
        let joined = outputDir.hasPrefix("/") || baseDirectory.isEmpty ? outputDir : baseDirectory + "/" + outputDir
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        let folded = parts.joined(separator: "/")
        return joined.hasPrefix("/") ? "/" + folded : (folded.isEmpty ? "." : folded)
    }
}

public struct TokenizerSpec: Sendable, Equatable {
    public var name: String
    public var eosToken: String?
    public var bosToken: String?
    /// tiktoken special tokens encoded as specials when they occur in text.
    public var allowedSpecial: [String] = []
    /// tiktoken special tokens that make a document a reject (`nil`: all that are not allowed).
    public var disallowedSpecial: [String]? = nil

    public var loaderOptions: TokenizerLoader.Options {
        TokenizerLoader.Options(eosToken: eosToken, bosToken: bosToken, allowedSpecial: Set(allowedSpecial),
                                disallowedSpecial: disallowedSpecial.map(Set.init))
    }
}

/// `dedup: {exact: true, minhash: datatrove}`: the survivor of each group is the first document
/// in recipe order (sources in order, each in input order).
public struct DedupSpec: Sendable, Equatable {
    public var exact = false
    public var minhash: MinHashConfig?
    public var minhashPreset: String?

    public init() {}
}

public struct FilterSpec: Sendable, Equatable {
    /// A quality rule set and its options (datatrove's names), as in `filters.rules`.
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var options: [String: String]
    }

    /// Inclusive bounds on the number of characters (Unicode scalars) of a document.
    public var minChars: Int?
    public var maxChars: Int?
    /// Normalization before every filter, the tokenizer and dedup (`normalize:`; off by default).
    public var normalize: TextNormalizer?
    /// Drop degenerate text: `no_visible_text`, `no_letters` (`junk: true`).
    public var junk = false
    /// Inclusive bounds on white-space separated words and on UTF-8 bytes.
    public var minWords: Int?, maxWords: Int?, minBytes: Int?, maxBytes: Int?
    /// Quality rule sets, applied in order.
    public var rules: [Rule] = []
    /// A word/phrase blocklist file (absolute, or relative to the recipe's folder).
    public var blocklistWords: String?
    /// Keep this fraction of the documents, seeded by the recipe seed and the source.
    public var sample: Double?
    /// Language identification: keep these languages (`lang:`, empty: any) whose probability
    /// is at least `lang_threshold`; `lang_model` is a model file (default: the bundled one).
    public var languages: [String]?
    public var languageThreshold: Double?
    public var languageModel: String?

    /// True when language identification runs.
    public var identifiesLanguage: Bool { languages != nil || languageThreshold != nil }

    public init(minChars: Int? = nil, maxChars: Int? = nil) {
        self.minChars = minChars
        self.maxChars = maxChars
    }

    /// The per-document stages in the order they run (names as in rejects' `stage`).
    public var stages: [String] {
        var s = ["filter"]
        if junk { s.append("junk") }
        if minWords != nil || maxWords != nil || minBytes != nil || maxBytes != nil { s.append("length") }
        if blocklistWords != nil { s.append("blocklist") }
        if identifiesLanguage { s.append("language") }
        s += rules.map(\.name)
        if sample != nil { s.append("sample") }
        return s
    }

    /// True when a stage beyond the built-in character bounds is on.
    var curates: Bool {
        normalize != nil || junk || minWords != nil || maxWords != nil || minBytes != nil || maxBytes != nil || !rules.isEmpty
            || blocklistWords != nil || sample != nil || identifiesLanguage
    }
}

public struct SourceSpec: Sendable {
    public var name: String
    public var paths: [String]
    /// Folder that `paths` are relative to.
    public var pathBase: String
    public var reader: ReaderSpec
    public var maxRecords: Int?
    public var filters: FilterSpec
    /// Path of the per-source config file of a meta-config, as written.
    public var configPath: String?
}

public struct PhaseSpec: Sendable {
    public struct Allocation: Sendable {
        public var source: String
        public var targetTokens: Int64
        /// target_tokens / phase total.
        public var weight: Double
    }
    public var name: String
    public var targetTotalTokens: Int64
    public var allocations: [Allocation]
}

extension Recipe {
    /// A source's filters; the curation keys appear only when used, so older recipes hash as before.
    func filtersJSON(_ f: FilterSpec) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("min_chars", f.minChars.map { .int(Int64($0)) } ?? .null),
            ("max_chars", f.maxChars.map { .int(Int64($0)) } ?? .null),
        ]
        guard f.curates else { return .object(pairs) }
        if let n = f.normalize {
            pairs.append(("normalize", .object([("nfkc", .bool(n.nfkc)), ("remove_controls", .bool(n.removeControls)),
                                                ("repair_mojibake", .bool(n.repairMojibake)), ("clean_whitespace", .bool(n.cleanWhitespace)),
                                                ("strip_indentation", .bool(n.stripIndentation)), ("max_blank_lines", .int(Int64(n.maxBlankLines)))])))
        }
        pairs.append(("junk", .bool(f.junk)))
        for (k, v) in [("min_words", f.minWords), ("max_words", f.maxWords), ("min_bytes", f.minBytes), ("max_bytes", f.maxBytes)] {
            pairs.append((k, v.map { .int(Int64($0)) } ?? .null))
        }
        pairs.append(("blocklist_words", f.blocklistWords.map { .string($0) } ?? .null))
        pairs.append(("sample", f.sample.map { .double($0) } ?? .null))
        if f.identifiesLanguage {
            pairs.append(("lang", f.languages.map { .array($0.map { .string($0) }) } ?? .null))
            pairs.append(("lang_threshold", .double(f.languageThreshold ?? 0.65)))
            pairs.append(("lang_model", f.languageModel.map { .string($0) } ?? .null))
        }
        pairs.append(("rules", .array(f.rules.map { r in
            .object([(r.name, .object(r.options.keys.sorted().map { ($0, .string(r.options[$0]!)) }))])
        })))
        return .object(pairs)
    }

    /// The recipe with every default resolved, as persisted in the manifest and hashed.
    public var canonicalJSON: JSONValue {
        func source(_ s: SourceSpec) -> JSONValue {
            var pairs: [(String, JSONValue)] = [
                ("name", .string(s.name)),
                ("paths", .array(s.paths.map { .string($0) })),
                ("format", .string(s.reader.format.rawValue)),
                ("text_field", .string(s.reader.textField)),
                ("id_field", s.reader.idField.map { .string($0) } ?? .null),
                ("text_mode", .string(s.reader.textMode.rawValue)),
                ("max_records", s.maxRecords.map { .int(Int64($0)) } ?? .null),
                ("filters", filtersJSON(s.filters)),
            ]
            if let c = s.configPath { pairs.append(("config_path", .string(c))) }
            return .object(pairs)
        }
        let head: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("output_dir", .string(outputDir)),
            ("seed", .int(Int64(bitPattern: seed))),
            ("tokenizer", .object([
                ("name", .string(tokenizer.name)),
                ("eos_token", tokenizer.eosToken.map { .string($0) } ?? .null),
                ("bos_token", tokenizer.bosToken.map { .string($0) } ?? .null),
                ("allowed_special", .array(tokenizer.allowedSpecial.map { .string($0) })),
                ("disallowed_special", tokenizer.disallowedSpecial.map { .array($0.map { .string($0) }) } ?? .string("all")),
            ])),
            ("sequence_length", .int(Int64(sequenceLength))),
            ("target_total_tokens", .int(targetTotalTokens)),
            ("splits", .object(splits.map { ($0.name, .double($0.fraction)) })),
            ("outputs", .array(outputs.map { .string($0) })),
        ] + (outputs.contains("megatron") ? [("megatron_sequences", JSONValue.string(megatronSequences.rawValue))] : []) + [
            ("sequences_per_shard", .int(Int64(sequencesPerShard))),
            ("tail", .string(tail.rawValue)),
            ("add_bos", .bool(addBOS)),
            ("pad_id", padID.map { .int(Int64($0)) } ?? .null),
            ("strict", .bool(strict)),
            ("rejects", .bool(writeRejects)),
            ("sources", .array(sources.map(source))),
        ] + dedupJSON + [
            ("phases", .array(phases.map { p in
                .object([
                    ("name", .string(p.name)),
                    ("target_total_tokens", .int(p.targetTotalTokens)),
                    ("sources", .array(p.allocations.map {
                        .object([("name", .string($0.source)), ("target_tokens", .int($0.targetTokens)), ("weight", .double($0.weight))])
                    })),
                ])
            })),
        ]
        return .object(head)
    }

    /// `dedup` appears only when set, so recipes without it hash as before.
    var dedupJSON: [(String, JSONValue)] {
        guard let d = dedup else { return [] }
        var minhash: JSONValue = .null
        if let m = d.minhash {
            minhash = .object([("preset", d.minhashPreset.map { .string($0) } ?? .null), ("bands", .int(Int64(m.bands))),
                               ("rows", .int(Int64(m.rows))), ("seed", .string(String(m.seed)))])
        }
        return [("dedup", .object([("exact", .bool(d.exact)), ("minhash", minhash)]))]
    }

    public var sha256: String { SHA256Hasher.hex(canonicalJSON.serialized(pretty: false)) }
}
