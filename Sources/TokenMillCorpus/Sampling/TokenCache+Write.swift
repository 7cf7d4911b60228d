import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

extension TokenCache {
    /// Encodes `manifestPath` with `tokenizer` (loaded from `tokenizerPath`) into `directory`.
    /// Every file is written under a temporary name and renamed; the meta file comes last.
    @discardableResult
    public static func encode(manifestPath: String, tokenizer: any Tokenizer, tokenizerPath: String,
                              directory: String, options: Options = Options(), force: Bool = false) throws -> Summary {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory + "/" + metaFile) && !force {
            throw TokenMillError(.outputExists, "\(directory) holds a token cache (\(metaFile)); pass --force to encode again, or choose another directory")
        }
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let manifest = try readManifest(manifestPath)
        let (manifestSHA, _) = try Verifier.hashFile(manifestPath)
        let dtype = NpyFormat.DType.forVocabulary(tokenizer.vocabularySize)

        // Tokens stream to their files in batches; offsets are kept (8 bytes a row) and written last.
        let writers = try manifest.sides.map { try AtomicFileWriter(path: directory + "/\($0).tokens.npy", hashing: false) }
        for w in writers { try w.write(NpyFormat.header(dtype: dtype, shape: [0])) }
        var offsets = [[Int64]](repeating: [0], count: manifest.sides.count)
        var bytes: [UInt8] = []
        let batch = 4096
        var start = 0
        while start < manifest.rows.count {
            let end = min(start + batch, manifest.rows.count)
            let (ids, failure) = encodeRows(manifest.rows[start..<end], sides: manifest.sides.count, tokenizer: tokenizer, options: options)
            if let failure {
                throw TokenMillError(.invalidConfiguration, "\(manifestPath): row \(failure.row + 1) contains the special token '\(failure.special)', which \(tokenizer.name) refuses in plain text; allow it (--allowed-special) or clean the source and sample again")
            }
            for s in manifest.sides.indices {
                bytes.removeAll(keepingCapacity: true)
                for row in ids {
                    append(row[s], dtype: dtype, to: &bytes)
                    offsets[s].append(offsets[s].last! + Int64(row[s].count))
                }
                try writers[s].write(bytes)
            }
            start = end
        }
        var sideMeta: [JSONValue] = []
        var summary = Summary(rows: manifest.rows.count)
        for (s, side) in manifest.sides.enumerated() {
            let total = offsets[s].last!
            try writers[s].overwrite(NpyFormat.header(dtype: dtype, shape: [Int(total)]), at: 0)
            _ = try writers[s].commit()
            let offsetsPath = directory + "/\(side).offsets.npy"
            var offsetBytes = NpyFormat.header(descr: "<i8", shape: [offsets[s].count])
            offsets[s].withUnsafeBytes { offsetBytes.append(contentsOf: $0) }  // little-endian hosts only (x86-64, arm64)
            try AtomicFileWriter.write(offsetBytes, to: offsetsPath)
            summary.tokens[side] = Int(total)
            let (tokSHA, _) = try Verifier.hashFile(directory + "/\(side).tokens.npy")
            let (offSHA, _) = try Verifier.hashFile(offsetsPath)
            sideMeta.append(.object([
                ("name", .string(side)),
                ("tokens_file", .string("\(side).tokens.npy")), ("tokens_sha256", .string(tokSHA)),
                ("offsets_file", .string("\(side).offsets.npy")), ("offsets_sha256", .string(offSHA)),
                ("tokens", .int(total)),
                ("max_length", .int(Int64(zip(offsets[s].dropFirst(), offsets[s]).map { $0 - $1 }.max() ?? 0))),
            ]))
        }
        let tokenizerSHA = tokenizer.fingerprint
        summary.experimentID = experimentID(manifestSHA256: manifestSHA, tokenizerSHA256: tokenizerSHA, options: options)
        let spec = tokenizer.spec
        let meta: JSONValue = .object([
            ("format", .string(format)),
            ("format_version", .int(formatVersion)),
            ("tool", .object([("name", .string("tokenmill")), ("version", .string(TokenMillVersion.string))])),
            ("experiment_id", .string(summary.experimentID)),
            ("manifest", .object([("path", .string(manifestPath)), ("sha256", .string(manifestSHA)), ("rows", .int(Int64(manifest.rows.count)))])),
            ("tokenizer", .object([
                ("path", .string(tokenizerPath)),
                ("sha256", .string(tokenizerSHA)),
                ("name", .string(tokenizer.name)),
                ("vocab_size", .int(Int64(tokenizer.vocabularySize))),
                ("eos_id", .int(Int64(tokenizer.eosID))),
                ("bos_id", tokenizer.bosID.map { .int(Int64($0)) } ?? .null),
                ("normalization", spec["normalizer"] ?? spec["normalizers"] ?? .null),
                ("byte_fallback", spec["byte_fallback"] ?? .bool(false)),
                ("spec", spec),
            ])),
            ("add_bos", .bool(options.addBOS)),
            ("add_eos", .bool(options.addEOS)),
            ("dtype", .string(dtype.name)),
            ("sides", .array(sideMeta)),
            ("splits", .array(manifest.splits.map { .object([("name", .string($0.name)), ("start", .int(Int64($0.start))), ("rows", .int(Int64($0.rows)))]) })),
            ("created_at", .string(Manifest.creationTime())),
        ])
        try AtomicFileWriter.write(meta.serialized(), to: directory + "/" + metaFile)
        return summary
    }

    /// Ties a manifest and its encoding: the first 16 hex digits of
    /// `sha256("manifest:<sha>\ntokenizer:<sha>\nadd_bos:<b>\nadd_eos:<b>\n")`.
    static func experimentID(manifestSHA256: String, tokenizerSHA256: String, options: Options) -> String {
        String(SHA256Hasher.hex("manifest:\(manifestSHA256)\ntokenizer:\(tokenizerSHA256)\nadd_bos:\(options.addBOS)\nadd_eos:\(options.addEOS)\n").prefix(16))
    }

    static func append(_ ids: [UInt32], dtype: NpyFormat.DType, to bytes: inout [UInt8]) {
        for id in ids {
            bytes.append(UInt8(truncatingIfNeeded: id))
            bytes.append(UInt8(truncatingIfNeeded: id >> 8))
            if dtype == .uint32 {
                bytes.append(UInt8(truncatingIfNeeded: id >> 16))
                bytes.append(UInt8(truncatingIfNeeded: id >> 24))
            }
        }
    }
}
