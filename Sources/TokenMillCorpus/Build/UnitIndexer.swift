import TokenMillCore
import TokenMillCuration
import TokenMillIO
import TokenMillTokenizers

/// Pass 1 of a build, for one work unit: read → filter → tokenize → spill.
///
/// Writes, each atomically, `uNNNNN.tok` (the tokens of every kept document, in the shard dtype),
/// `uNNNNN.docs` (one `DocRecord` per document), `uNNNNN.rejects.jsonl` and, last, `uNNNNN.json`
/// (its statistics). A unit whose `.json` exists is complete: a resumed build skips it.
struct UnitIndexer {
    struct Result {
        var read: ReadStats
        var filtered: ReasonCounts
        var documents: Int
        var tokens: Int64
        var rejects: Int
        /// Drops by "stage/reason", and the UTF-8 bytes dropped by stage.
        var stageDrops = ReasonCounts()
        var stageBytes = ReasonCounts()

        var json: JSONValue {
            .object([("read", read.json), ("filtered", filtered.json), ("documents", .int(Int64(documents))),
                     ("tokens", .int(tokens)), ("rejects", .int(Int64(rejects))),
                     ("stage_drops", stageDrops.json), ("stage_bytes", stageBytes.json)])
        }

        init(read: ReadStats, filtered: ReasonCounts, documents: Int, tokens: Int64, rejects: Int) {
            self.read = read
            self.filtered = filtered
            self.documents = documents
            self.tokens = tokens
            self.rejects = rejects
        }

        init(json: JSONValue) {
            read = ReadStats(json: json["read"] ?? .null)
            filtered = ReasonCounts(json: json["filtered"])
            documents = Int(json["documents"]?.intValue ?? 0)
            tokens = json["tokens"]?.intValue ?? 0
            rejects = Int(json["rejects"]?.intValue ?? 0)
            stageDrops = ReasonCounts(json: json["stage_drops"])
            stageBytes = ReasonCounts(json: json["stage_bytes"])
        }
    }

    let source: SourceSpec
    let tokenizer: any Tokenizer
    let dtype: NpyFormat.DType
    let orderSeed: UInt64
    let writeRejects: Bool
    /// Corpus-wide dedup: each kept document's keys go to `uNNNNN.dedup` (see `DedupKeys`).
    var dedup: DedupSpec? = nil
    /// The `jsonl` output: each kept document's id and cleaned text go to `uNNNNN.text` (`TextSpill`).
    var keepTexts = false

    /// A document holding a special token that the tokenizer refuses in plain text.
    static let disallowedSpecial = DropReason("disallowed_special_token")

    static let splitSalt: UInt64 = 0x746F_6B65_6E6D_696C  // "tokenmil": the split key ignores the recipe seed

    func index(_ unit: WorkUnit, into base: String, progress: BuildProgress?) throws -> Result {
        let tokWriter = try AtomicFileWriter(path: base + ".tok")
        let docWriter = try AtomicFileWriter(path: base + ".docs")
        let rejectWriter = try AtomicFileWriter(path: base + ".rejects.jsonl")
        let reader = DocumentReader(spec: source.reader)
        let filters = DocumentFilters(spec: source.filters)
        let curation = source.filters.curates ? try SourceCuration(spec: source.filters, seed: orderSeed) : nil
        var filtered = ReasonCounts()
        var stageDrops = ReasonCounts(), stageBytes = ReasonCounts()
        var ids: [UInt32] = []
        var tokenBytes: [UInt8] = []
        var recordBytes: [UInt8] = []
        var tokenOffset: UInt64 = 0
        var row: UInt32 = 0
        var rejects = 0
        let encoder = tokenizer.makeEncoder()
        let dedupWriter = try dedup.map { _ in try AtomicFileWriter(path: base + ".dedup") }
        let hasher = dedup?.minhash.map { MinHasher($0) }
        let textWriter = keepTexts ? try AtomicFileWriter(path: base + ".text") : nil
        let textIndexWriter = keepTexts ? try AtomicFileWriter(path: base + ".textidx") : nil
        var textBytes: [UInt8] = []
        var dedupBytes: [UInt8] = []

        let stats = try reader.read(unit, onDocument: { original in
            var doc = original
            curation?.normalize(&doc.text)
            var (reason, chars) = filters.decide(doc.text)
            var stage = "filter"
            var language: (language: String, score: Double)?
            if reason == nil, let c = curation, let d = c.decide(&doc.text, id: doc.id, language: &language) {
                (reason, stage) = (d.reason, d.stage)
            }
            if reason == nil, doc.text.withUnsafeBytes({ encoder.disallowedSpecial(in: $0) }) != nil {
                reason = Self.disallowedSpecial
                stage = "tokenizer"
            }
            if let reason {
                filtered.add(reason.rawValue)
                stageDrops.add(stage + "/" + reason.rawValue)
                stageBytes.add(stage, doc.text.count)
                if writeRejects {
                    rejects += 1
                    var pairs: [(String, JSONValue)] = [
                        ("source", .string(source.name)), ("id", .string(doc.id)),
                        ("file", .string(unit.displayPath)), ("line", .int(Int64(doc.line))),
                        ("reason", .string(reason.rawValue)),
                    ]
                    if curation != nil { pairs.append(("stage", .string(stage))) }
                    if let language {
                        pairs.append(("language", .string(language.language)))
                        pairs.append(("language_score", .double(LanguageFilter.rounded(language.score))))
                    }
                    pairs.append(("text", .string(doc.textString)))
                    try rejectWriter.write(JSONValue.object(pairs).serialized(pretty: false) + "\n")
                }
                return
            }
            if curation != nil { chars = DocumentFilters.scalarCount(doc.text) }
            ids.removeAll(keepingCapacity: true)
            doc.text.withUnsafeBytes { encoder.encode($0, into: &ids) }
            tokenBytes.removeAll(keepingCapacity: true)
            TokenEncoding.append(ids, dtype: dtype, to: &tokenBytes)
            try tokWriter.write(tokenBytes)
            let record = DocRecord(orderKey: StableHash.xxh64(doc.id, seed: orderSeed),
                                   splitKey: StableHash.xxh64(doc.text, seed: Self.splitSalt),
                                   tokenOffset: tokenOffset, tokenCount: UInt32(ids.count),
                                   charCount: UInt32(chars), row: row)
            recordBytes.removeAll(keepingCapacity: true)
            record.append(to: &recordBytes)
            try docWriter.write(recordBytes)
            if let dedup, let dedupWriter {
                dedupBytes.removeAll(keepingCapacity: true)
                DedupKeys.append(line: doc.line, text: doc.text, spec: dedup, hasher: hasher, to: &dedupBytes)
                try dedupWriter.write(dedupBytes)
            }
            if let textWriter, let textIndexWriter {
                try textIndexWriter.write(TextSpill.index(tokenOffset: tokenOffset, byteOffset: UInt64(textWriter.bytesWritten)))
                textBytes.removeAll(keepingCapacity: true)
                TextSpill.append(id: doc.id, text: doc.text, to: &textBytes)
                try textWriter.write(textBytes)
            }
            tokenOffset += UInt64(ids.count)
            row += 1
            progress?.addDocuments(1, tokens: ids.count)
        }, onReject: { reject in
            guard writeRejects else { return }
            rejects += 1
            try rejectWriter.write(JSONValue.object([
                ("source", .string(source.name)), ("file", .string(unit.displayPath)),
                ("line", .int(Int64(reject.line))), ("reason", .string(reject.reason.rawValue)),
                ("detail", .string(reject.detail)), ("raw", .string(reject.raw)),
            ]).serialized(pretty: false) + "\n")
        })
        progress?.addBytes(stats.inputBytes)
        try tokWriter.commit()
        try docWriter.commit()
        try dedupWriter?.commit()
        try textWriter?.commit()
        try textIndexWriter?.commit()
        try rejectWriter.commit()
        var result = Result(read: stats, filtered: filtered, documents: Int(row), tokens: Int64(tokenOffset), rejects: rejects)
        result.stageDrops = stageDrops
        result.stageBytes = stageBytes
        try AtomicFileWriter.write(result.json.serialized(), to: base + ".json")
        return result
    }
}

/// Token ids as stored in spill files and shards: little-endian `uint16` or `uint32`.
enum TokenEncoding {
    /// Appends `ids` as little-endian dtype bytes, writing into preallocated storage.
    @inline(__always)
    static func append(_ ids: [UInt32], dtype: NpyFormat.DType, to out: inout [UInt8]) {
        let start = out.count
        let size = dtype.size
        out.append(contentsOf: repeatElement(0, count: ids.count * size))
        ids.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { raw in
                let dst = raw.baseAddress! + start
                if size == 2 {
                    for i in 0..<src.count { dst.storeBytes(of: UInt16(truncatingIfNeeded: src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
                } else {
                    for i in 0..<src.count { dst.storeBytes(of: src[i].littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
                }
            }
        }
    }

    static func decode(_ bytes: [UInt8], dtype: NpyFormat.DType) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count / dtype.size)
        var i = 0
        while i + dtype.size <= bytes.count {
            if dtype == .uint16 { out.append(UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8) }
            else { out.append(UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24) }
            i += dtype.size
        }
        return out
    }
}
