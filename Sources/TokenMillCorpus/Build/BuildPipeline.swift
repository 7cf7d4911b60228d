import Foundation
import Synchronization
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// Options of one `tokenmill build` run (not part of the recipe: they never change the output).
public struct BuildOptions: Sendable {
    public var jobs: Int
    public var force: Bool
    /// Overrides the recipe's `strict` when set.
    public var strict: Bool?
    public var progress: BuildProgress

    public init(jobs: Int = 1, force: Bool = false, strict: Bool? = nil, progress: BuildProgress = BuildProgress(mode: .quiet)) {
        self.jobs = max(1, jobs)
        self.force = force
        self.strict = strict
        self.progress = progress
    }
}

public struct BuildSummary: Sendable {
    public var outputDirectory: String
    public var targetTokens: Int64
    public var actualTokens: Int64
    public var shards: Int
    public var documents: Int
    public var inputBytes: Int64
    public var resumed: Bool
    public var alreadyComplete: Bool
    public var seconds: Double
}

/// `tokenmill build`: sources → exact budgets → packed `.npy` shards + stats + data card + manifest.
///
/// Stages: (1) index — each work unit is read, filtered, tokenized and spilled to the work folder,
/// in parallel over `--jobs` threads; (2) select — exact budgets in a seeded order; (3) pack —
/// per phase and split, sources interleaved by a seeded schedule into shards; (4) report —
/// rejects, meta_stats.json, data card, charts, and `manifest.json` last. Every file is written
/// under a temporary name and renamed. Work folder `.tokenmill-work/` keeps finished units, so a
/// killed build resumes where it stopped and ends byte-identical to an uninterrupted one.
public final class BuildPipeline: @unchecked Sendable {
    public let recipe: Recipe
    public let options: BuildOptions
    let tokenizer: any Tokenizer
    let dtype: NpyFormat.DType
    let out: String
    let work: String

    public init(recipe: Recipe, options: BuildOptions) throws {
        self.recipe = recipe
        self.options = options
        tokenizer = try TokenizerLoader.load(recipe.tokenizer.name, options: recipe.tokenizer.loaderOptions,
                                             baseDirectory: recipe.baseDirectory)
        if recipe.addBOS && tokenizer.bosID == nil {
            throw TokenMillError(.invalidConfiguration, "add_bos: the tokenizer has no BOS token; set tokenizer.bos_token")
        }
        dtype = .forVocabulary(tokenizer.vocabularySize)
        // Refused here, before any work, rather than when the first shard is packed.
        if recipe.outputs.contains("nanogpt") { try NanoGPTWriter.checkVocabulary(tokenizer.vocabularySize) }
        out = recipe.outputDirectory
        work = recipe.outputDirectory + "/.tokenmill-work"
    }

    public func run() throws -> BuildSummary {
        let started = Date()
        let fm = FileManager.default
        let manifestPath = out + "/manifest.json"
        if fm.fileExists(atPath: manifestPath) {
            if fm.fileExists(atPath: work) && !options.force {
                // Killed after the manifest was written, while cleaning up: the build is complete.
                try? fm.removeItem(atPath: work)
                return try completeSummary(started: started)
            }
            guard options.force else {
                throw TokenMillError(.outputExists, "\(out): holds a finished build (manifest.json); pass --force to rebuild it, or choose another output_dir")
            }
            try removePreviousOutputs()
        }
        try fm.createDirectory(atPath: work + "/units", withIntermediateDirectories: true)

        // Plan work units.
        var units: [(source: Int, unit: WorkUnit)] = []
        for (si, source) in recipe.sources.enumerated() {
            let files = try PathResolver.resolve(source.paths, baseDirectory: source.pathBase, keyPath: "sources[\(si)].paths")
            for u in try WorkUnitPlanner.plan(files: files, spec: source.reader) { units.append((si, u)) }
        }
        let resumed = try prepareWorkState(units: units.map(\.unit))

        // 1. Index.
        let results = try indexUnits(units)
        CrashPoint.hit("after-index")
        try enforceStrict(results, units: units)
        for r in results {
            for e in r.read.errors { options.progress.message("warning: \(e)") }
        }
        let readDrops = results.reduce(0) { $0 + $1.read.drops.total }
        if readDrops > 0 {
            options.progress.message("note: \(readDrops) record(s) not used (reasons in meta_stats.json, records in rejects.jsonl)")
        }

        // 1b. Corpus-wide dedup.
        let dedupDrops = try dedupUnits(units)
        if recipe.writeRejects && recipe.dedup != nil { try writeDedupRejects(dedupDrops, units: units) }

        // 2. Select.
        var selected: [SelectedDocument] = []
        var sourceReports: [BuildReport.SourceReport] = []
        let selector = BudgetSelector(splits: recipe.splits, addBOS: recipe.addBOS)
        for (si, source) in recipe.sources.enumerated() {
            let unitIndices = units.indices.filter { units[$0].source == si }
            var docs: [(unit: Int32, record: DocRecord)] = []
            for ui in unitIndices {
                let data = try Data(contentsOf: URL(fileURLWithPath: unitBase(ui) + ".docs"))
                let drops = dedupDrops[ui] ?? [:]
                data.withUnsafeBytes { raw in
                    for i in 0..<(raw.count / DocRecord.size) where drops[UInt32(i)] == nil {
                        docs.append((Int32(ui), DocRecord.decode(raw, at: i)))
                    }
                }
            }
            let budgets = recipe.phases.map { p in p.allocations.first(where: { $0.source == source.name })?.targetTokens ?? 0 }
            let outcome = selector.select(docs: docs, maxRecords: source.maxRecords, budgets: budgets, into: &selected)
            var read = ReadStats()
            var filtered = ReasonCounts()
            var stageDrops = ReasonCounts(), stageBytes = ReasonCounts()
            for ui in unitIndices {
                read.merge(results[ui].read)
                filtered.merge(results[ui].filtered)
                stageDrops.merge(results[ui].stageDrops)
                stageBytes.merge(results[ui].stageBytes)
                for d in (dedupDrops[ui] ?? [:]).values {
                    filtered.add(d.reason.rawValue)
                    stageDrops.add("dedup/" + d.reason.rawValue)
                    stageBytes.add("dedup", d.bytes)
                }
            }
            sourceReports.append(BuildReport.SourceReport(
                name: source.name, target: budgets.reduce(0, +), actual: outcome.perPhase.reduce(0) { $0 + $1.actual },
                documents: outcome.perPhase.reduce(0) { $0 + $1.documents },
                truncatedLast: outcome.perPhase.contains { $0.truncated },
                availableDocuments: outcome.availableDocuments, availableTokens: outcome.availableTokens,
                read: read, filtered: filtered, stageDrops: stageDrops, stageBytes: stageBytes, stages: source.filters.stages + ["tokenizer"] + (recipe.dedup == nil ? [] : ["dedup"]),
                lengths: outcome.selectedLengths,
                perPhase: outcome.perPhase.enumerated().map { (recipe.phases[$0.offset].name, $0.element.target, $0.element.actual, $0.element.documents, $0.element.truncated) }))
        }
        for s in sourceReports where s.shortfall > 0 {
            options.progress.message("warning: source '\(s.name)' ran dry: \(s.actual) of \(s.target) tokens (shortfall \(s.shortfall))")
        }

        // 3. Pack.
        let (splitReports, shards, streamFiles) = try pack(selected, unitSources: units.map(\.source))

        // 4. Report: rejects, stats, card, charts, then the manifest.
        var extra: [(path: String, sha256: String, bytes: Int64)] = streamFiles.map { ($0.path, $0.sha256, $0.bytes) }
        if recipe.writeRejects { extra.append(try mergeRejects(unitCount: units.count)) }
        var report = BuildReport(recipe: recipe, recipeSHA: recipe.sha256, tokenizer: tokenizer, dtype: dtype,
                                 sources: sourceReports, splits: splitReports, shards: shards, extraFiles: [])
        for (name, contents) in [("meta_stats.json", MetaStats.json(report).serialized()),
                                 ("doc_length_histogram.svg", Charts.lengthHistogram(report)),
                                 ("split_composition.svg", Charts.splitComposition(report)),
                                 ("META_DATA_CARD.md", DataCard.markdown(report))] {
            let bytes = Array(contents.utf8)
            try AtomicFileWriter.write(bytes, to: out + "/" + name)
            extra.append((name, SHA256Hasher.hex(bytes), Int64(bytes.count)))
        }
        report.extraFiles = extra
        CrashPoint.hit("before-manifest")
        try AtomicFileWriter.write(Manifest.json(report, createdAt: Manifest.creationTime()).serialized(), to: manifestPath)
        try? fm.removeItem(atPath: work)
        return BuildSummary(outputDirectory: out, targetTokens: recipe.targetTotalTokens,
                            actualTokens: sourceReports.reduce(0) { $0 + $1.actual }, shards: shards.count,
                            documents: sourceReports.reduce(0) { $0 + $1.documents },
                            inputBytes: results.reduce(0) { $0 + $1.read.inputBytes }, resumed: resumed,
                            alreadyComplete: false, seconds: Date().timeIntervalSince(started))
    }

    func unitBase(_ index: Int) -> String {
        let digits = String(index)
        return work + "/units/u" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    // MARK: Work state

    /// Keeps the work folder when it belongs to this recipe and these inputs (a resume), else
    /// starts it afresh. Returns true when resuming.
    private func prepareWorkState(units: [WorkUnit]) throws -> Bool {
        var inputs: [JSONValue] = []
        for u in units {
            let attrs = try? FileManager.default.attributesOfItem(atPath: u.path)
            let size = (attrs?[.size] as? NSNumber)?.int64Value ?? -1
            let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            inputs.append(.object([("unit", .string(u.key)), ("size", .int(size)), ("mtime", .double(mtime))]))
        }
        let state = JSONValue.object([
            ("recipe_sha256", .string(recipe.sha256)), ("tokenizer_sha256", .string(tokenizer.fingerprint)),
            ("tool_version", .string(TokenMillVersion.string)), ("inputs", .array(inputs)),
        ]).serialized()
        let statePath = work + "/state.json"
        if let existing = FileManager.default.contents(atPath: statePath), String(decoding: existing, as: UTF8.self) == state {
            options.progress.message("resuming the unfinished build in \(out)")
            return true
        }
        if FileManager.default.fileExists(atPath: statePath) {
            options.progress.message("the recipe or its inputs changed since the unfinished build in \(out): starting over")
        }
        try? FileManager.default.removeItem(atPath: work + "/units")
        try FileManager.default.createDirectory(atPath: work + "/units", withIntermediateDirectories: true)
        try AtomicFileWriter.write(state, to: statePath)
        return false
    }

    private func removePreviousOutputs() throws {
        let fm = FileManager.default
        if let data = fm.contents(atPath: out + "/manifest.json"), let m = try? JSONScanner.parse([UInt8](data)) {
            for f in (m["shards"]?.arrayValue ?? []) + (m["files"]?.arrayValue ?? []) {
                if let p = f["path"]?.stringValue { try? fm.removeItem(atPath: out + "/" + p) }
            }
        }
        try? fm.removeItem(atPath: out + "/manifest.json")
        try? fm.removeItem(atPath: work)
    }

    private func completeSummary(started: Date) throws -> BuildSummary {
        let data = FileManager.default.contents(atPath: out + "/manifest.json") ?? Data()
        let m = try JSONScanner.parse([UInt8](data))
        return BuildSummary(outputDirectory: out, targetTokens: recipe.targetTotalTokens,
                            actualTokens: m["totals"]?["tokens"]?.intValue ?? 0,
                            shards: m["shards"]?.arrayValue?.count ?? 0, documents: Int(m["totals"]?["documents"]?.intValue ?? 0),
                            inputBytes: 0, resumed: true, alreadyComplete: true, seconds: Date().timeIntervalSince(started))
    }

    // MARK: Strict mode

    private func enforceStrict(_ results: [UnitIndexer.Result], units: [(source: Int, unit: WorkUnit)]) throws {
        guard options.strict ?? recipe.strict else { return }
        for (i, r) in results.enumerated() {
            let problems = r.read.problemCount
            guard problems > 0 else { continue }
            let first = r.read.errors.first ?? firstReject(unit: i) ?? "see the counts in meta_stats.json"
            let reasons = (r.read.drops.counts.merging(r.read.repairs.counts) { $0 + $1 })
                .filter { $0.key != "replacement_characters" }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            throw TokenMillError(.strict, "\(units[i].unit.displayPath): \(problems) data problem(s) in strict mode (\(reasons)); first: \(first). Fix the input or drop --strict to count and skip them")
        }
    }

    private func firstReject(unit: Int) -> String? {
        guard let data = FileManager.default.contents(atPath: unitBase(unit) + ".rejects.jsonl"),
              let line = data.split(separator: 0x0A).first,
              let v = try? JSONScanner.parse([UInt8](line)) else { return nil }
        return v["detail"]?.stringValue ?? v["reason"]?.stringValue
    }
}
