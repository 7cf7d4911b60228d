import Foundation
import TokenMillCore
import TokenMillIO

extension BuildPipeline {
    /// Stage 3: for each phase and split, interleave the sources' selected documents and write
    /// them as shards.
    ///
    /// The schedule: each source `i` has `T_i` tokens in this split and has emitted `e_i`; the
    /// next document comes from the source with the smallest `(e_i + u · c_i) / T_i`, where `c_i` is
    /// the cost of its next document and `u` a seeded uniform draw. Every prefix of the stream —
    /// so every shard — then holds the sources close to their shares, in a seeded order.
    func pack(_ selected: [SelectedDocument], unitSources: [Int]) throws
        -> ([BuildReport.SplitReport], [BuildReport.ShardEntry], [WrittenFile])
    {
        var streamFiles: [WrittenFile] = []
        let jsonlFormat = recipe.outputs.first { $0.hasPrefix("jsonl") }
        let texts = try jsonlFormat.map { _ in try TextSpill.Reader(bases: (0..<unitSources.count).map { unitBase($0) }) }
        let spill = try SpillReader(paths: (0..<unitSources.count).map { unitBase($0) + ".tok" }, dtype: dtype)
        let sourceCount = recipe.sources.count
        var splitReports: [BuildReport.SplitReport] = []
        var shardEntries: [BuildReport.ShardEntry] = []
        var eos: [UInt8] = [], bos: [UInt8] = []
        TokenEncoding.append([tokenizer.eosID], dtype: dtype, to: &eos)
        if let b = tokenizer.bosID { TokenEncoding.append([b], dtype: dtype, to: &bos) }
        let padID = recipe.padID ?? tokenizer.eosID
        var crashArmed = true
        let totalTokens = selected.reduce(Int64(0)) { $0 + $1.cost }
        options.progress.begin("pack+write", tokensTotal: totalTokens)

        for (pi, phase) in recipe.phases.enumerated() {
            let prefix = recipe.hasExplicitPhases ? phase.name + "/" : ""
            let directory = out + (recipe.hasExplicitPhases ? "/" + phase.name : "")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var nanoWriters: [NanoGPTWriter] = [], nanoFiles: [WrittenFile] = []
            for (si, split) in recipe.splits.enumerated() {
                var queues = [[Int]](repeating: [], count: sourceCount)
                for (k, d) in selected.enumerated() where d.phase == pi && d.split == si {
                    queues[unitSources[Int(d.unit)]].append(k)
                }
                let totals = queues.map { $0.reduce(Int64(0)) { $0 + selected[$1].cost } }
                let total = totals.reduce(0, +)
                let writer = ShardSetWriter(
                    directory: directory, relativePrefix: prefix, phase: phase.name, split: split.name, dtype: dtype,
                    sequenceLength: recipe.sequenceLength, sequencesPerShard: recipe.sequencesPerShard,
                    tail: recipe.tail, padID: padID, totalTokens: total, sourceCount: sourceCount,
                    writesFiles: recipe.outputs.contains("npy"),
                    crashHook: crashArmed && total > 0 ? { CrashPoint.hit("mid-shard") } : nil)
                let megatron = recipe.outputs.contains("megatron")
                    ? try MegatronWriter(directory: directory, relativeDirectory: prefix, split: split.name, vocabularySize: tokenizer.vocabularySize,
                                         mode: recipe.megatronSequences, sequenceLength: recipe.sequenceLength, tail: recipe.tail, padID: padID)
                    : nil
                let jsonl = try jsonlFormat.map {
                    try JSONLDocumentWriter(directory: directory, relativeDirectory: prefix, split: split.name, format: $0)
                }
                let nano = recipe.outputs.contains("nanogpt")
                    ? try NanoGPTWriter(directory: directory, relativeDirectory: prefix, split: split.name, vocabularySize: tokenizer.vocabularySize)
                    : nil
                if total > 0 { crashArmed = false }
                var rng = SplitMix64(seed: StableHash.combine(recipe.seed, StableHash.xxh64("\(phase.name)/\(split.name)")))
                var heads = [Int](repeating: 0, count: sourceCount)
                var emitted = [Int64](repeating: 0, count: sourceCount)
                var buffer: [UInt8] = []
                var documents = 0
                while true {
                    var best = -1
                    var bestScore = Double.infinity
                    for s in 0..<sourceCount where heads[s] < queues[s].count {
                        let u = StableHash.unitInterval(rng.next())
                        let score = (Double(emitted[s]) + u * Double(selected[queues[s][heads[s]]].cost)) / Double(totals[s])
                        if score < bestScore { bestScore = score; best = s }
                    }
                    if best < 0 { break }
                    let doc = selected[queues[best][heads[best]]]
                    heads[best] += 1
                    buffer.removeAll(keepingCapacity: true)
                    if recipe.addBOS && doc.cost > 1 { buffer.append(contentsOf: bos) }
                    try spill.append(unit: Int(doc.unit), offset: doc.tokenOffset, count: Int(doc.contentTokens), to: &buffer)
                    buffer.append(contentsOf: eos)
                    precondition(Int64(buffer.count / dtype.size) == doc.cost, "document cost mismatch")
                    try writer.write(buffer, source: best)
                    try megatron?.document(buffer, dtype: dtype)
                    try nano?.document(buffer, dtype: dtype)
                    if let jsonl, let texts {
                        let d = try texts.document(unit: Int(doc.unit), tokenOffset: doc.tokenOffset)
                        try jsonl.document(id: d.id, source: recipe.sources[best].name, text: d.text, truncated: doc.truncated)
                    }
                    emitted[best] += doc.cost
                    documents += 1
                    options.progress.addDocuments(1, tokens: Int(doc.cost))
                }
                shardEntries += try writer.finish()
                if let megatron { streamFiles += try megatron.finish() }
                if let jsonl { streamFiles.append(try jsonl.finish()) }
                if let nano {
                    nanoWriters.append(nano)
                    nanoFiles.append(try nano.finish())
                }
                splitReports.append(BuildReport.SplitReport(
                    phase: phase.name, name: split.name, documents: documents, tokens: total, sequences: writer.rows,
                    tokensWritten: total - writer.tokensDropped, tokensDropped: writer.tokensDropped,
                    tokensPadded: writer.tokensPadded, sourceTokens: totals))
            }
            if !nanoWriters.isEmpty {
                let meta = Array(NanoGPTWriter.meta(nanoWriters, files: nanoFiles, vocabularySize: tokenizer.vocabularySize, eos: tokenizer.eosID).serialized().utf8)
                try AtomicFileWriter.write(meta, to: directory + "/nanogpt/meta.json")
                streamFiles += nanoFiles + [WrittenFile(path: prefix + "nanogpt/meta.json", sha256: SHA256Hasher.hex(meta), bytes: Int64(meta.count))]
            }
        }
        options.progress.end()
        return (splitReports, shardEntries, streamFiles)
    }
}
