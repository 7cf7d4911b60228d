import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillCuration
import TokenMillIO

struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize the text field of JSONL records (NFKC, controls, white space, optional mojibake repair); JSONL out.")

    @Argument(help: "JSONL files (.gz/.zst too; '-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @Flag(name: .customLong("no-nfkc"), help: "Skip NFKC.") var noNFKC = false
    @Flag(name: .customLong("keep-controls"), help: "Keep control characters.") var keepControls = false
    @Flag(name: .customLong("repair-mojibake"), help: "Decode UTF-8 that was read as Latin-1/Windows-1252 again.") var repairMojibake = false
    @Flag(name: .customLong("keep-whitespace"), help: "Leave spaces, tabs and blank lines as they are.") var keepWhitespace = false
    @Flag(name: .customLong("strip-indentation"), help: "Also drop leading spaces and tabs of each line.") var stripIndentation = false
    @Option(name: .customLong("max-blank-lines"), help: "At most this many blank lines in a row.") var maxBlankLines: Int = 2
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?

    func run() throws {
        let normalizer = TextNormalizer(nfkc: !noNFKC, removeControls: !keepControls, repairMojibake: repairMojibake,
                                        cleanWhitespace: !keepWhitespace, stripIndentation: stripIndentation, maxBlankLines: max(0, maxBlankLines))
        let workspace = TextNormalizer.Workspace()
        let input = try CurationRecords(inputs: inputs, field: field, idField: "id")
        var normalized: [UInt8] = []
        let texts = input.records.map { r -> String in
            normalized.removeAll(keepingCapacity: true)
            var copy = r.text
            copy.withUTF8 { normalizer.normalize(UnsafeRawBufferPointer($0), into: &normalized, workspace: workspace) }
            return String(decoding: normalized, as: UTF8.self)
        }
        try input.write(texts: texts, drops: [DropReason?](repeating: nil, count: texts.count), field: field, stage: "normalize",
                        output: output, rejects: nil)
    }
}

/// JSONL records in (with their line numbers, for errors), the text field's string checked.
struct CurationRecords {
    var records: [(record: [(String, JSONValue)], text: String, id: String)] = []

    init(inputs: [String], field: String, idField: String) throws {
        for input in inputs {
            let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try readFile(input)
            for (n, line) in [UInt8](data).split(separator: 0x0A).enumerated() {
                records.append(try Self.parse(Array(line), input: input, line: n + 1, field: field, idField: idField))
            }
        }
    }

    /// One JSONL line: its members, its text field (a string) and its id (string or integer).
    static func parse(_ line: [UInt8], input: String, line n: Int, field: String,
                      idField: String) throws -> (record: [(String, JSONValue)], text: String, id: String) {
        let value: JSONValue
        do { value = try JSONScanner.parse(line) } catch let f as JSONScanner.Failure {
            throw TokenMillError(.corruptInput, "\(input):\(n): \(f.description)")
        }
        guard case .object(let pairs) = value, case .string(let text)? = value[field] else {
            throw TokenMillError(.corruptInput, "\(input):\(n): no string field '\(field)'")
        }
        return (pairs, text, value[idField]?.stringValue ?? value[idField]?.intValue.map { String($0) } ?? "")
    }

    /// Kept records to `output`, dropped ones (with `filter_reason` and `stage`) to `rejects`,
    /// and the counts by reason on standard error as one JSON line.
    func write(texts: [String], drops: [DropReason?], field: String, stage: String, output: String?, rejects: String?,
               stages: [String]? = nil, languages: [(language: String, score: Double)?]? = nil) throws {
        var kept = "", rejected = ""
        var counts = ReasonCounts()
        for (i, r) in records.enumerated() {
            var pairs = r.record
            if let k = pairs.lastIndex(where: { $0.0 == field }) { pairs[k].1 = .string(texts[i]) }
            if let l = languages?[i] { pairs = Self.withLanguage(pairs, l.language, l.score) }
            if let reason = drops[i] {
                counts.add(reason.rawValue)
                rejected += JSONValue.object(pairs + [("filter_reason", .string(reason.rawValue)), ("stage", .string(stages?[i] ?? stage))])
                    .serialized(pretty: false, trailingNewline: false) + "\n"
            } else {
                kept += JSONValue.object(pairs).serialized(pretty: false, trailingNewline: false) + "\n"
            }
        }
        if let output { try AtomicFileWriter.write(kept, to: output) } else { FileHandle.standardOutput.write(Data(kept.utf8)) }
        if let rejects { try AtomicFileWriter.write(rejected, to: rejects) }
        let summary: JSONValue = .object([("stage", .string(stage)), ("in", .int(Int64(records.count))),
                                          ("kept", .int(Int64(records.count - counts.total))), ("dropped", counts.json)])
        FileHandle.standardError.write(Data((summary.serialized(pretty: false, trailingNewline: false) + "\n").utf8))
    }
}

struct NormalizationOptions: ParsableArguments {
    @Flag(name: .customLong("no-normalize"), help: "Use the text as it is (no NFKC, control or white-space cleanup).") var raw = false
    @Flag(name: .customLong("repair-mojibake"), help: "Decode UTF-8 that was read as Latin-1/Windows-1252 again.") var repairMojibake = false

    var normalizer: TextNormalizer? { raw ? nil : TextNormalizer(repairMojibake: repairMojibake) }

    func apply(_ text: String, _ w: TextNormalizer.Workspace) -> String {
        guard let n = normalizer else { return text }
        var out: [UInt8] = []
        var copy = text
        copy.withUTF8 { n.normalize(UnsafeRawBufferPointer($0), into: &out, workspace: w) }
        return String(decoding: out, as: UTF8.self)
    }
}

struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Normalize and filter JSONL records: degenerate text and length bounds (inclusive); kept records out, rejects with their reason.")

    @Argument(help: "JSONL files ('-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @OptionGroup var normalization: NormalizationOptions
    @Flag(name: .customLong("keep-junk"), help: "Keep documents without visible text or without a letter.") var keepJunk = false
    @Option(name: .customLong("min-chars"), help: "Fewer characters (after normalization) are dropped.") var minChars: Int?
    @Option(name: .customLong("max-chars"), help: "More characters are dropped.") var maxChars: Int?
    @Option(name: .customLong("min-words"), help: "Fewer white-space separated words are dropped.") var minWords: Int?
    @Option(name: .customLong("max-words"), help: "More words are dropped.") var maxWords: Int?
    @Option(name: .customLong("min-bytes"), help: "Fewer UTF-8 bytes are dropped.") var minBytes: Int?
    @Option(name: .customLong("max-bytes"), help: "More UTF-8 bytes are dropped.") var maxBytes: Int?
    @Option(name: .customLong("blocklist-words"), help: "Drop documents with a word or phrase of this file (one a line; C4-style whole-word match).")
    var blocklistWords: String?
    @Option(name: .customLong("blocklist-urls"), help: "Drop documents whose URL (--url-field) is on a domain or under a prefix of this file.")
    var blocklistURLs: String?
    @Option(name: .customLong("url-field"), help: "The URL field (for --blocklist-urls).") var urlField: String = "url"
    @Option(help: "Keep this fraction of the documents (seeded by --seed, decided by id): datatrove's sampler.") var sample: Double?
    @Option(help: "The sampler's seed.") var seed: UInt64 = 0
    @Option(help: "Keep only these languages (comma-separated codes of the language-ID model; see `tokenmill langid --languages`).")
    var lang: String?
    @Option(name: .customLong("lang-threshold"), help: "With --lang (or alone): drop documents whose top language is less probable than this.")
    var langThreshold: Double?
    @Option(name: .customLong("langid-model"), help: "A language-ID model file (default: the bundled model).") var langidModel: String?
    @Option(help: "Quality rule sets to apply after those, in order: \(QualityRules.names.joined(separator: ", ")) (comma-separated).")
    var rules: String?
    @Option(name: .customLong("rule-option"), help: "A rule set's threshold, datatrove's name: gopher_quality.min_doc_words=100 (repeatable).")
    var ruleOptions: [String] = []
    @Option(name: .shortAndLong, help: "Kept records (default: standard output).") var output: String?
    @Option(help: "Dropped records, each with filter_reason and stage.") var rejects: String?
    @Option(help: "Threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        var options: [String: [String: String]] = [:]
        for o in ruleOptions {
            guard let eq = o.firstIndex(of: "="), let dot = o[..<eq].firstIndex(of: ".") else {
                throw TokenMillError(.invalidConfiguration, "--rule-option \(o): write RULE.OPTION=VALUE, e.g. c4.min_num_sentences=3")
            }
            options[String(o[..<dot]), default: [:]][String(o[o.index(after: dot)..<eq])] = String(o[o.index(after: eq)...])
        }
        let names = rules.map { $0.split(separator: ",").map { String($0) } } ?? []
        let quality = try names.map { try QualityRules.make($0, options: options[$0] ?? [:]) }
        if let unused = options.keys.sorted().first(where: { !names.contains($0) }) {
            throw TokenMillError(.invalidConfiguration, "--rule-option \(unused).…: rule set \(unused) is not in --rules")
        }
        let input = try CurationRecords(inputs: inputs, field: field, idField: "id")
        let bounds = LengthFilter(minChars: minChars, maxChars: maxChars, minWords: minWords, maxWords: maxWords,
                                  minBytes: minBytes, maxBytes: maxBytes)
        let words = try blocklistWords.map { try WordBlocklist(contentsOf: $0) }
        let urls = try blocklistURLs.map { try URLBlocklist(contentsOf: $0) }
        if let r = sample, !(r >= 0 && r <= 1) { throw TokenMillError(.invalidConfiguration, "--sample \(r): a fraction from 0 to 1") }
        let sampler = sample.map { SeededSampler(rate: $0, seed: seed) }
        let languageFilter = lang != nil || langThreshold != nil
            ? try LanguageFilter(model: try loadLanguageModel(langidModel), languages: lang.map { $0.split(separator: ",").map { String($0) } } ?? [],
                                 threshold: langThreshold ?? 0.65)
            : nil
        let urlField = urlField
        let n = input.records.count
        var results = [(text: String, drop: DropReason?, stage: String, language: (language: String, score: Double)?)](
            repeating: ("", nil, "", nil), count: n)
        let workers = max(1, min(jobs, n))
        let records = input.records, keepJunk = keepJunk, normalization = normalization
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            // Records are dealt round-robin; each result lands at its record's place.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let w = TextNormalizer.Workspace()
                for i in stride(from: worker, to: n, by: workers) {
                    var text = normalization.apply(records[i].text, w)
                    var drop = (keepJunk ? nil : JunkFilter().decide(text)) ?? bounds.decide(text)
                        ?? urls?.decide(url: records[i].record.last(where: { $0.0 == urlField })?.1.stringValue)
                        ?? words?.decide(text)
                    var stage = "filter"
                    var language: (language: String, score: Double)?
                    if drop == nil, let languageFilter {
                        let d = languageFilter.decide(text)
                        language = (d.language, d.score)
                        if let reason = d.drop { (drop, stage) = (reason, "language") }
                    }
                    if drop == nil && !quality.isEmpty {
                        var doc = QualityText(text)
                        for rule in quality {
                            if let d = rule.apply(&doc) { drop = d; stage = rule.name; break }
                        }
                        text = doc.text
                    }
                    if drop == nil, let sampler, let d = sampler.decide(key: records[i].id.isEmpty ? text : records[i].id) {
                        (drop, stage) = (d, "sample")
                    }
                    out[i] = (text, drop, stage, language)
                }
            }
        }
        try input.write(texts: results.map(\.text), drops: results.map(\.drop), field: field, stage: "filter", output: output,
                        rejects: rejects, stages: results.map(\.stage), languages: languageFilter == nil ? nil : results.map(\.language))
    }
}

struct WordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "words",
        abstract: "Print the English words (and sentence counts) the quality rule sets see, one JSON line per record.")

    @Argument(help: "JSONL files ('-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @Flag(help: "Also count sentences per line, as the C4 rule set does.") var sentences = false
    @Flag(name: .customLong("special-cases"), help: "Print the tokenizer's special cases as one JSON object instead.") var specialCases = false

    func run() throws {
        if specialCases {
            let table = EnglishTokenizerExceptions.table()
            let json = JSONValue.object(table.keys.sorted().map { ($0, .array(table[$0]!.map { .string($0) })) })
            print(json.serialized(pretty: false, trailingNewline: false))
            return
        }
        let input = try CurationRecords(inputs: inputs, field: field, idField: "id")
        var out = ""
        for r in input.records {
            var pairs: [(String, JSONValue)] = [("id", .string(r.id)), ("words", .array(EnglishWordTokenizer.shared.words(r.text).map { .string($0) }))]
            if sentences {
                let t = Array(r.text.unicodeScalars)
                let counts = PyText.splitLines(t).map { l -> JSONValue in
                    let s = PyText.strip(t, l)
                    return .int(Int64(EnglishWordTokenizer.shared.sentenceCount(t, s)))
                }
                pairs.append(("sentences", .array(counts)))
            }
            out += JSONValue.object(pairs).serialized(pretty: false, trailingNewline: false) + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Exact dedup of JSONL records by their normalized text, or MinHash LSH near-dup removal (--minhash); one survivor per cluster.")

    @Argument(help: "JSONL files ('-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @Option(name: .customLong("id-field"), help: "The id field (for --survivor smallest_id).") var idField: String = "id"
    @OptionGroup var normalization: NormalizationOptions
    @Option(help: "Which copy survives: first (in input order) or smallest_id.") var survivor: String = "first"
    @Option(help: "Remove lines or paragraphs (line, paragraph) that repeat across the corpus, instead of whole documents.")
    var spans: String?
    @Option(name: .customLong("max-occurrences"), help: "With --spans: a span seen more often than this is removed.") var maxOccurrences: Int = 1
    @Flag(name: .customLong("keep-first"), help: "With --spans: keep a repeated span in the first document that has it.") var keepFirst = false
    @Option(name: .customLong("min-chars-after"), help: "With --spans: drop documents left with fewer non-space characters.") var minCharsAfter: Int = 50
    @Option(help: "Near-duplicates instead: a MinHash preset (datatrove, nemo, redpajama).") var minhash: String?
    @Option(help: "With --minhash: the Jaccard threshold to choose bands × rows for (redpajama: 0.7, 0.8 or 0.9).") var threshold: Double?
    @Option(help: "With --minhash: bands (overrides the preset; with --rows).") var bands: Int?
    @Option(help: "With --minhash: rows per band (overrides the preset; with --bands).") var rows: Int?
    @Option(name: .customLong("verify-jaccard"), help: "With --minhash: keep a candidate pair only if its exact Jaccard similarity is at least this.")
    var verifyJaccard: Double?
    @Option(help: "With --minhash: a persistent index folder; new data is deduplicated against it, and it grows by the survivors.")
    var index: String?
    @Flag(name: .customLong("index-read-only"), help: "Do not add to the index (decontamination against an eval set).") var indexReadOnly = false
    @Option(help: "With --minhash: signing threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("memory-entries"), help: "With --minhash: band entries held in memory before a sorted run spills to disk.")
    var memoryEntries: Int = 1 << 24
    @Option(name: .shortAndLong, help: "Kept records (default: standard output).") var output: String?
    @Option(help: "Dropped records, each with filter_reason and stage.") var rejects: String?

    func run() throws {
        if spans != nil && minhash != nil {
            throw TokenMillError(.invalidConfiguration, "--spans and --minhash are two different dedups: run them one after the other")
        }
        if survivor != "first" && (spans != nil || minhash != nil) {
            throw TokenMillError(.invalidConfiguration, "--survivor is for exact dedup; --spans and --minhash keep the first in input order")
        }
        if let preset = minhash {
            var config = try MinHashConfig.preset(preset, threshold: preset == "redpajama" ? threshold : nil)
            if let t = threshold, preset != "redpajama" {
                (config.bands, config.rows) = MinHashConfig.optimalBandsRows(permutations: config.permutations, threshold: t)
            }
            if bands != nil || rows != nil {
                guard let b = bands, let r = rows, b > 0, r > 0 else {
                    throw TokenMillError(.invalidConfiguration, "--bands and --rows go together, both positive")
                }
                (config.bands, config.rows) = (b, r)
            }
            config.verifyJaccard = verifyJaccard
            var files = inputs
            if files == ["-"] {
                // Two passes need a file: standard input is saved to one first.
                let path = NSTemporaryDirectory() + "tokenmill-stdin-\(getpid()).jsonl"
                try FileHandle.standardInput.readDataToEndOfFile().write(to: URL(fileURLWithPath: path))
                files = [path]
            }
            defer { if files != inputs { try? FileManager.default.removeItem(atPath: files[0]) } }
            try MinHashDedupRun(inputs: files, field: field, idField: idField, normalization: normalization, config: config, jobs: jobs,
                                maxBufferedEntries: memoryEntries, indexDirectory: index, indexReadOnly: indexReadOnly,
                                output: output, rejects: rejects).run()
            return
        }
        if let unit = spans {
            guard let u = SpanDeduplicator.Unit(rawValue: unit) else {
                throw TokenMillError(.invalidConfiguration, "--spans \(unit): use line or paragraph")
            }
            let input = try CurationRecords(inputs: inputs, field: field, idField: idField)
            let w = TextNormalizer.Workspace()
            let texts = input.records.map { normalization.apply($0.text, w) }
            let dedup = SpanDeduplicator(unit: u, maxOccurrences: maxOccurrences, keepFirst: keepFirst, minChars: minCharsAfter)
            for t in texts { dedup.count(t) }
            let results = texts.map { dedup.apply($0) }
            try input.write(texts: results.map(\.text), drops: results.map(\.drop), field: field, stage: "dedup_\(u.rawValue)s",
                            output: output, rejects: rejects)
            FileHandle.standardError.write(Data("{\"spans_removed\":\(dedup.removedSpans)}\n".utf8))
            return
        }
        if index != nil || bands != nil || rows != nil || verifyJaccard != nil || threshold != nil {
            throw TokenMillError(.invalidConfiguration, "--index, --bands, --rows, --threshold and --verify-jaccard need --minhash PRESET")
        }
        guard let policy = ExactDeduplicator.Survivor(rawValue: survivor) else {
            throw TokenMillError(.invalidConfiguration, "--survivor \(survivor): use first or smallest_id")
        }
        let input = try CurationRecords(inputs: inputs, field: field, idField: idField)
        let w = TextNormalizer.Workspace()
        let texts = input.records.map { normalization.apply($0.text, w) }
        let keys = texts.map { t in Array(t.utf8).withUnsafeBytes { ExactDeduplicator.key($0) } }
        var drops = [DropReason?](repeating: nil, count: texts.count)
        for i in ExactDeduplicator.duplicates(keys: keys, ids: input.records.map(\.id), survivor: policy) { drops[i] = .exactDuplicate }
        try input.write(texts: texts, drops: drops, field: field, stage: "dedup_exact", output: output, rejects: rejects)
    }
}
