import Foundation
import TokenMillCore
import TokenMillIO

/// A written file for the manifest's `files` list.
struct WrittenFile {
    var path: String
    var sha256: String
    var bytes: Int64
}

/// Token ids of one document in the build's dtype, decoded to integers.
@inline(__always)
func decodeIDs(_ bytes: [UInt8], dtype: NpyFormat.DType, into out: inout [UInt32]) {
    out.removeAll(keepingCapacity: true)
    bytes.withUnsafeBytes { raw in
        if dtype == .uint16 {
            for i in 0..<(raw.count / 2) { out.append(UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
        } else {
            for i in 0..<(raw.count / 4) { out.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        }
    }
}

/// Megatron-LM's indexed dataset (`MMIDIDX`), as `megatron/core/datasets/indexed_dataset.py`
/// reads it: `PREFIX.bin` holds the tokens, `PREFIX.idx` the header and three arrays.
///
/// `.idx` (little-endian): magic `MMIDIDX\0\0` (9 bytes), u64 version 1, u8 dtype code (8 uint16,
/// 4 int32), u64 sequence count S, u64 document-index count D, then S int32 sequence lengths, S
/// int64 byte offsets of the sequences in `.bin`, and D int64 document indices (0, then the
/// sequence count at each document's end). The dtype is uint16 for vocabularies below 65,500
/// ids and int32 above, as Megatron's `DType.optimal_dtype` chooses.
///
/// A sequence is a document (with its BOS/EOS), or with `window` a packed row of
/// `sequence_length` tokens, each its own document (the tail as the recipe's `tail` says).
final class MegatronWriter {
    enum Mode: String, Sendable, CaseIterable { case document, window }

    static let magic: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]
    let prefix: String
    let relativePrefix: String
    let wide: Bool
    let mode: Mode
    let sequenceLength: Int
    let tail: Recipe.TailPolicy
    let padID: UInt32
    private let bin: AtomicFileWriter
    private var lengths: [Int32] = []
    private var pointers: [Int64] = []
    private var offset: Int64 = 0
    private var window: [UInt32] = []
    private var ids: [UInt32] = []
    private var out: [UInt8] = []

    init(directory: String, relativeDirectory: String, split: String, vocabularySize: Int, mode: Mode, sequenceLength: Int,
         tail: Recipe.TailPolicy, padID: UInt32) throws {
        try FileManager.default.createDirectory(atPath: directory + "/megatron", withIntermediateDirectories: true)
        prefix = directory + "/megatron/\(split)_text_document"
        relativePrefix = relativeDirectory + "megatron/\(split)_text_document"
        wide = vocabularySize >= 65_500
        self.mode = mode
        self.sequenceLength = sequenceLength
        self.tail = tail
        self.padID = padID
        bin = try AtomicFileWriter(path: prefix + ".bin", hashing: true)
    }

    private func emit(_ tokens: ArraySlice<UInt32>) throws {
        out.removeAll(keepingCapacity: true)
        if wide {
            for t in tokens { withUnsafeBytes(of: Int32(bitPattern: t).littleEndian) { out.append(contentsOf: $0) } }
        } else {
            for t in tokens { withUnsafeBytes(of: UInt16(truncatingIfNeeded: t).littleEndian) { out.append(contentsOf: $0) } }
        }
        try bin.write(out)
        lengths.append(Int32(tokens.count))
        pointers.append(offset)
        offset += Int64(out.count)
    }

    /// One document's tokens, encoded in the build's dtype.
    func document(_ bytes: [UInt8], dtype: NpyFormat.DType) throws {
        decodeIDs(bytes, dtype: dtype, into: &ids)
        switch mode {
        case .document:
            try emit(ids[...])
        case .window:
            window.append(contentsOf: ids)
            var start = 0
            while window.count - start >= sequenceLength {
                try emit(window[start..<(start + sequenceLength)])
                start += sequenceLength
            }
            window.removeFirst(start)
        }
    }

    func finish() throws -> [WrittenFile] {
        if mode == .window && !window.isEmpty {
            switch tail {
            case .drop: break
            case .keep: try emit(window[...])
            case .pad:
                window.append(contentsOf: repeatElement(padID, count: sequenceLength - window.count))
                try emit(window[...])
            }
            window.removeAll()
        }
        let binSHA = try bin.commit()!
        var idx = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { idx.append(contentsOf: $0) } }
        put(UInt64(1))
        put(UInt8(wide ? 4 : 8))
        put(UInt64(lengths.count))
        put(UInt64(lengths.count + 1))
        idx.reserveCapacity(idx.count + lengths.count * 20 + 8)
        for l in lengths { put(l) }
        for p in pointers { put(p) }
        for d in 0...lengths.count { put(Int64(d)) }
        try AtomicFileWriter.write(idx, to: prefix + ".idx")
        return [WrittenFile(path: relativePrefix + ".bin", sha256: binSHA, bytes: bin.bytesWritten),
                WrittenFile(path: relativePrefix + ".idx", sha256: SHA256Hasher.hex(idx), bytes: Int64(idx.count))]
    }
}

/// nanoGPT's data files: `nanogpt/SPLIT.bin`, the split's token stream as raw little-endian
/// uint16 (each document followed by its EOS, nanoGPT's EOT), which `np.memmap(path,
/// dtype=np.uint16)` reads; `nanogpt/meta.json` describes them (vocabulary, EOT, tokens).
final class NanoGPTWriter {
    let relativePath: String
    let split: String
    private let bin: AtomicFileWriter
    private var ids: [UInt32] = []
    private var out: [UInt8] = []
    private(set) var tokens: Int64 = 0
    private(set) var documents = 0

    /// nanoGPT's files hold uint16 ids: a larger vocabulary is refused.
    static func checkVocabulary(_ vocabularySize: Int) throws {
        guard vocabularySize <= 65_536 else {
            throw TokenMillError(.invalidConfiguration, "outputs: nanogpt stores uint16 ids, and this tokenizer has \(vocabularySize); use npy or megatron")
        }
    }

    init(directory: String, relativeDirectory: String, split: String, vocabularySize: Int) throws {
        try Self.checkVocabulary(vocabularySize)
        try FileManager.default.createDirectory(atPath: directory + "/nanogpt", withIntermediateDirectories: true)
        self.split = split
        relativePath = relativeDirectory + "nanogpt/\(split).bin"
        bin = try AtomicFileWriter(path: directory + "/nanogpt/\(split).bin", hashing: true)
    }

    func document(_ bytes: [UInt8], dtype: NpyFormat.DType) throws {
        documents += 1
        if dtype == .uint16 {
            try bin.write(bytes)
            tokens += Int64(bytes.count / 2)
            return
        }
        decodeIDs(bytes, dtype: dtype, into: &ids)
        out.removeAll(keepingCapacity: true)
        for t in ids { withUnsafeBytes(of: UInt16(truncatingIfNeeded: t).littleEndian) { out.append(contentsOf: $0) } }
        try bin.write(out)
        tokens += Int64(ids.count)
    }

    func finish() throws -> WrittenFile {
        let sha = try bin.commit()!
        return WrittenFile(path: relativePath, sha256: sha, bytes: bin.bytesWritten)
    }

    /// `meta.json` for the splits written in one folder.
    static func meta(_ writers: [NanoGPTWriter], files: [WrittenFile], vocabularySize: Int, eos: UInt32) -> JSONValue {
        .object([
            ("format", .string("nanogpt")), ("dtype", .string("uint16")), ("vocab_size", .int(Int64(vocabularySize))),
            ("eot_token", .int(Int64(eos))),
            ("splits", .object(zip(writers, files).map { w, f in
                (w.split, .object([("file", .string(String(f.path.split(separator: "/").last!))), ("tokens", .int(w.tokens)),
                                   ("documents", .int(Int64(w.documents))), ("sha256", .string(f.sha256))]))
            })),
        ])
    }
}

/// The cleaned documents of a split as JSONL (`jsonl/SPLIT.jsonl`, `.jsonl.gz` or `.jsonl.zst`),
/// in packing order: `{"id", "source", "text"}`, the text after normalization and filters
/// (whole, also for the document cut at a budget, which is marked `"truncated": true`).
final class JSONLDocumentWriter {
    let relativePath: String
    private let writer: CompressingWriter

    init(directory: String, relativeDirectory: String, split: String, format: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/jsonl", withIntermediateDirectories: true)
        let compression: Compression = format.hasSuffix(".gz") ? .gzip : format.hasSuffix(".zst") ? .zstd : .none
        let name = "jsonl/\(split).jsonl" + (compression == .gzip ? ".gz" : compression == .zstd ? ".zst" : "")
        relativePath = relativeDirectory + name
        writer = try CompressingWriter(path: directory + "/" + name, compression: compression)
    }

    func document(id: String, source: String, text: [UInt8], truncated: Bool) throws {
        var pairs: [(String, JSONValue)] = [("id", .string(id)), ("source", .string(source)), ("text", .string(String(decoding: text, as: UTF8.self)))]
        if truncated { pairs.append(("truncated", .bool(true))) }
        try writer.write(JSONValue.object(pairs).serialized(pretty: false, trailingNewline: false) + "\n")
    }

    func finish() throws -> WrittenFile {
        let sha = try writer.commit()
        return WrittenFile(path: relativePath, sha256: sha, bytes: writer.bytesWritten)
    }
}
