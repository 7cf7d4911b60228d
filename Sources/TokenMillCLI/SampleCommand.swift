import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillCorpus

/// `tokenmill sample`: a frozen, split manifest drawn by reservoir sampling.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw k records from JSONL inputs in one streaming pass (seeded reservoir), shuffle once, split, and write manifest.jsonl + MANIFEST.meta.json.")

    @Argument(help: "Inputs, read in this order: JSONL (.jsonl, .gz, .zst) or Parquet (.parquet).") var inputs: [String]
    @Option(name: .short, help: "Records to draw.") var k: Int
    @Option(help: "Seed of the reservoir and the shuffle.") var seed: UInt64 = 0
    @Option(help: "Split sizes: counts (96,12,12) or ratios (0.8,0.1,0.1). Default: one split, train.") var splits: String?
    @Option(name: .customLong("split-names"), help: "Names of the splits, in order.") var splitNames = "train,val,test"
    @Option(name: .customLong("text-field"), help: "Dotted path of the text.") var textField = "text"
    @Option(help: "A translation pair SRC-TGT (e.g. en-fr): sides from translation.SRC/translation.TGT, else SRC/TGT.") var pair: String?
    @Option(name: .customLong("id-field"), help: "Field copied to the manifest as id when present.") var idField = "id"
    @Option(help: "Weighted sampling (A-ES): 'length' (NFKC characters) or a numeric field.") var weight: String?
    @Option(name: .customLong("min-chars"), help: "Minimum NFKC characters per side.") var minChars = 1
    @Option(name: .customLong("max-chars"), help: "Maximum NFKC characters per side.") var maxChars: Int?
    @Flag(name: .customLong("keep-punctuation-only"), help: "Keep sides with no letter or digit.") var keepPunctuationOnly = false
    @Flag(name: .customLong("keep-identical-pairs"), help: "Keep pairs whose sides are equal after NFKC.") var keepIdenticalPairs = false
    @Flag(name: .customLong("keep-duplicates"), help: "Keep exact duplicates (same uid).") var keepDuplicates = false
    @Option(help: "Source name written on every row (default: the first input's name).") var source: String?
    @Option(name: .shortAndLong, help: "The manifest to write; MANIFEST.meta.json goes beside it.") var output: String
    @Flag(help: "Sample again over an existing manifest.") var force = false
    @Flag(help: "Fail on a malformed line instead of counting it.") var strict = false

    func run() throws {
        let fields: SampleOptions.Fields
        if let pair {
            let langs = pair.split(separator: "-").map(String.init)
            guard langs.count == 2, !langs[0].isEmpty, !langs[1].isEmpty else {
                throw TokenMillError(.invalidConfiguration, "--pair '\(pair)': write SRC-TGT, e.g. en-fr")
            }
            fields = .pair(source: langs[0], target: langs[1])
        } else {
            fields = .text(textField)
        }
        let name = source ?? inputs.first.map { file in
            var base = (file as NSString).lastPathComponent
            for ext in [".gz", ".zst", ".jsonl", ".json"] where base.hasSuffix(ext) { base.removeLast(ext.count) }
            return base
        } ?? "input"
        var o = SampleOptions(inputs: inputs, fields: fields, sourceName: name, k: k, seed: seed)
        o.idField = idField.isEmpty ? nil : idField
        switch weight {
        case nil: o.weighting = .uniform
        case "length": o.weighting = .length
        case let field?: o.weighting = .field(field)
        }
        o.minChars = minChars
        o.maxChars = maxChars
        o.dropPunctuationOnly = !keepPunctuationOnly
        o.dropIdenticalPairs = !keepIdenticalPairs
        o.dropDuplicates = !keepDuplicates
        o.splitNames = splitNames.split(separator: ",").map(String.init)
        o.splitSizes = try splits.map(SampleOptions.parseSplitSizes)
        o.strict = strict
        let summary = try ManifestSampler(options: o).run(manifestPath: output, force: force)
        let dropped = summary.dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("\(summary.records) records, \(summary.eligible) eligible\(dropped.isEmpty ? "" : " (dropped: \(dropped))")")
        print("wrote \(output): " + summary.splits.map { "\($0.name) \($0.rows)" }.joined(separator: ", ") + "; sha256 \(summary.manifestSHA256)")
    }
}

/// `tokenmill encode-manifest`: the token cache of a frozen manifest, or a check of one.
struct EncodeManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-manifest",
        abstract: "Encode a manifest's rows into a memory-mappable token cache (<side>.tokens.npy + <side>.offsets.npy + ENCODE.meta.json), or --check one.")

    @Argument(help: "The manifest (manifest.jsonl); with --check it may be left out (the one the cache names).") var manifest: String?
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(name: .shortAndLong, help: "The cache directory.") var output: String
    @Flag(name: .customLong("add-bos"), help: "Prepend the tokenizer's BOS to every example.") var addBOS = false
    @Flag(name: .customLong("add-eos"), help: "Append the tokenizer's EOS to every example.") var addEOS = false
    @Option(help: "Re-encode this many rows (spread over the manifest) and compare them with the cache instead of encoding.") var check: Int?
    @Option(name: .shortAndLong, help: "Threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Encode over an existing cache.") var force = false

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        if let rows = check {
            let report = try TokenCache.check(directory: output, tokenizer: tokenizer, manifestPath: manifest, rows: rows)
            for m in report.mismatches.prefix(20) { print("mismatch: \(m)") }
            guard report.mismatches.isEmpty else {
                throw TokenMillError(.integrity, "\(output): \(report.mismatches.count) of \(report.rowsChecked) re-encoded rows differ from the cache; encode again")
            }
            print("ok: \(report.rowsChecked) rows re-encoded, all equal to the cache")
            return
        }
        guard let manifest else { throw ValidationError("give the manifest to encode") }
        let summary = try TokenCache.encode(manifestPath: manifest, tokenizer: tokenizer, tokenizerPath: tokenizerOptions.tokenizer, directory: output,
                                            options: .init(addBOS: addBOS, addEOS: addEOS, jobs: jobs), force: force)
        let tokens = summary.tokens.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("encoded \(summary.rows) rows (\(tokens) tokens) into \(output); experiment \(summary.experimentID)")
    }
}
