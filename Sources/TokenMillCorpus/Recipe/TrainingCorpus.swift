import TokenMillCore
import TokenMillIO

/// The documents a tokenizer is trained on: files given on the command line, or a recipe's
/// sources with an optional per-source limit. With a limit, a source contributes the first N
/// documents of its seeded order (the order `build` selects in), so the sample is uniform and
/// reproducible; without one, every document in input order.
public struct TrainingCorpus {
    public struct Source {
        public var name: String
        public var units: [WorkUnit]
        public var reader: ReaderSpec
        public var orderSeed: UInt64
        public var limit: Int?
    }

    public var sources: [Source]

    public init(recipe: Recipe, perSourceLimit: Int?) throws {
        sources = try recipe.sources.enumerated().map { i, s in
            let files = try PathResolver.resolve(s.paths, baseDirectory: s.pathBase, keyPath: "sources[\(i)].paths")
            return Source(name: s.name, units: try WorkUnitPlanner.plan(files: files, spec: s.reader), reader: s.reader,
                          orderSeed: StableHash.combine(recipe.seed, StableHash.xxh64(s.name)), limit: perSourceLimit ?? s.maxRecords)
        }
    }

    public init(files: [String], field: String, textMode: ReaderSpec.TextMode) throws {
        let resolved = try PathResolver.resolve(files, baseDirectory: "", keyPath: "files")
        let format = RecipeLoader.inferFormat(files)
        let spec = ReaderSpec(format: format == "text" ? .text : .jsonl, textField: field, textMode: textMode)
        sources = [Source(name: "files", units: try WorkUnitPlanner.plan(files: resolved, spec: spec), reader: spec, orderSeed: 0, limit: nil)]
    }

    /// Streams the documents in batches of about `batchBytes` (bounded memory).
    public func forEachBatch(batchBytes: Int = 64 << 20, _ body: ([[UInt8]]) throws -> Void) throws {
        var batch: [[UInt8]] = []
        var size = 0
        func flush() throws {
            if !batch.isEmpty { try body(batch) }
            batch.removeAll(keepingCapacity: true)
            size = 0
        }
        for source in sources {
            let reader = DocumentReader(spec: source.reader)
            var keep: Set<UInt64>?
            if let limit = source.limit {
                var keys: [UInt64] = []
                for u in source.units {
                    _ = try reader.read(u, onDocument: { keys.append(StableHash.xxh64($0.id, seed: source.orderSeed)) }, onReject: { _ in })
                }
                keep = Set(keys.sorted().prefix(limit))
            }
            for u in source.units {
                _ = try reader.read(u, onDocument: { doc in
                    if let keep, !keep.contains(StableHash.xxh64(doc.id, seed: source.orderSeed)) { return }
                    batch.append(doc.text)
                    size += doc.text.count
                    if size >= batchBytes { try flush() }
                }, onReject: { _ in })
            }
        }
        try flush()
    }
}
