import Foundation
import Synchronization
import Testing
@testable import TokenMillCore
@testable import TokenMillIO
@testable import TokenMillTokenizers

/// Parity with Hugging Face `tokenizers` 0.23.3 and tiktoken 0.14.0 through committed goldens
/// (scripts/goldens/make_bpe_goldens.py): every document of the shared English and Italian
/// corpora and 100,000 seeded random strings, for the Claude tokenizer.json, a tokenizer trained
/// by HF on the English corpus, and cl100k_base; plus 5,000 byte strings with invalid UTF-8
/// through tiktoken's byte path. A golden line is the hash of 16 consecutive id sequences.
@Suite struct BPEParityTests {
    static let fixtures = repositoryRoot + "/Tests/Fixtures/tokenizers"
    static let shared = URL(fileURLWithPath: repositoryRoot + "/../shared/corpora").standardized.path

    static func tokenizer(_ name: String) throws -> BPETokenizer {
        switch name {
        case "claude": return try HFTokenizerLoader.load(path: sharedTokenizers + "/anthropic_claude_v1_tokenizer.json")
        case "hf_en_8k": return try HFTokenizerLoader.load(path: fixtures + "/hf_bpe_en_8k.json")
        default: return try TiktokenLoader.load(path: sharedTokenizers + "/cl100k_base.tiktoken", disallowedSpecial: [])
        }
    }

    static func texts(_ set: String) throws -> [[UInt8]] {
        switch set {
        case "random":
            return try readJSONLines(fixtures + "/random_strings.jsonl.gz").map { Array($0.stringValue!.utf8) }
        case "bytes":
            let lines = try readTextLines(fixtures + "/random_bytes.hex.gz")
            return lines.map { Hex.decode(Array($0.utf8))! }
        default:
            let path = shared + (set == "en" ? "/en/python_docs.jsonl.gz" : "/it/debian_docs_it.jsonl.gz")
            var out: [[UInt8]] = []
            _ = try DocumentReader(spec: ReaderSpec(format: .jsonl)).read(
                WorkUnit(path: path, displayPath: set, compression: .gzip), onDocument: { out.append($0.text) }, onReject: { _ in })
            return out
        }
    }

    /// Our ids, hashed in chunks of 16 items, against the committed golden `goldens/NAME.txt.gz`.
    static func expectGolden(_ ids: [[UInt32]], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let golden = try readTextLines(fixtures + "/goldens/\(name).txt.gz")
        let ours = chunkHashes(ids)
        #expect(ours.count == golden.count, sourceLocation: sourceLocation)
        let bad = zip(ours, golden).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(bad.isEmpty, "\(bad.count) of \(golden.count) chunks differ; first items: \(bad.prefix(5).map { $0 * 16 })", sourceLocation: sourceLocation)
    }

    static func chunkHashes(_ ids: [[UInt32]]) -> [String] {
        stride(from: 0, to: ids.count, by: 16).map { start in
            let h = SHA256Hasher()
            for seq in ids[start..<min(start + 16, ids.count)] {
                var bytes: [UInt8] = []
                for v in [UInt32(seq.count)] + seq { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
                h.update(bytes)
            }
            return String(h.finalizeHex().prefix(16))
        }
    }

    @Test(arguments: [
        ("claude", "en"), ("claude", "it"), ("claude", "random"),
        ("hf_en_8k", "en"), ("hf_en_8k", "it"), ("hf_en_8k", "random"),
        ("cl100k", "en"), ("cl100k", "it"), ("cl100k", "random"), ("cl100k", "bytes"),
    ])
    func idsEqualTheReferenceLibrary(_ name: String, _ set: String) throws {
        let tok = try Self.tokenizer(name)
        let texts = try Self.texts(set)
        let ids = BatchEncoder.encode(texts, tokenizer: tok, jobs: 2, bytePath: set == "bytes")
        try Self.expectGolden(ids, "\(name).\(set)")
        if set == "bytes" || set == "random" {
            // Byte-level decoding is exact (NFKC aside).
            for (t, i) in zip(texts, ids).prefix(2000) where !tok.normalizers.contains(.unicode(.nfkc)) {
                #expect(tok.decode(i) == t)
            }
        }
    }

    /// The batch API hands texts out in runs: every job count gives the one-thread ids and
    /// counts, in input order, also for a few texts, very uneven sizes and none at all.
    @Test func batchesGiveTheSameIDsForAnyJobCount() throws {
        let tok = try Self.tokenizer("cl100k")
        let english = try Self.texts("en")
        let texts = [Array(String(repeating: "word ", count: 40_000).utf8)] + english.prefix(300) + [[], Array("x".utf8)]
        let serial = texts.map { t in t.withUnsafeBytes { raw in var ids: [UInt32] = []; tok.makeEncoder().encode(raw, into: &ids); return ids } }
        for jobs in [1, 2, 3, 8] {
            #expect(BatchEncoder.encode(texts, tokenizer: tok, jobs: jobs) == serial)
            #expect(BatchEncoder.count(texts, tokenizer: tok, jobs: jobs) == serial.map(\.count))
            #expect(BatchEncoder.encode(Array(texts.prefix(3)), tokenizer: tok, jobs: jobs) == Array(serial.prefix(3)))
        }
        #expect(BatchEncoder.encode([], tokenizer: tok, jobs: 2).isEmpty)
        #expect(BatchEncoder.runStarts([5, 1, 1, 1, 5, 1], runs: 3) == [0, 1, 5, 6])
        #expect(BatchEncoder.runStarts([], runs: 4) == [0, 0])
    }
}

func readTextLines(_ path: String) throws -> [String] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "zcat '\(path)'"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// The piece cache that every encoder of a model shares across threads.
@Suite struct SharedPieceCacheTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Short and long keys, one and several ids; lookups find exactly what was stored.
    @Test func storesAndFindsPieces() {
        let cache = SharedPieceCache(entries: 64, keyBytes: 1 << 12, idCount: 1 << 10)
        let pieces = ["a", " the", "12345678", "123456789", String(repeating: "long", count: 40), " über"]
        for (k, p) in pieces.enumerated() {
            let key = Self.bytes(p)
            let ids = (0...k).map { UInt32(1000 * k + $0) }
            key.withUnsafeBytes { raw in #expect(cache.insert(raw, hash: PieceCache.hash(raw), ids: ids[...])) }
        }
        for (k, p) in pieces.enumerated() {
            var out: [UInt32] = [7]
            let found = Self.bytes(p).withUnsafeBytes { cache.view.appendCached($0, hash: PieceCache.hash($0), to: &out) }
            #expect(found)
            #expect(out == [7] + (0...k).map { UInt32(1000 * k + $0) })
        }
        for missing in ["b", " th", "123456780", "1234567890", ""] {
            var out: [UInt32] = []
            #expect(!Self.bytes(missing).withUnsafeBytes { cache.view.appendCached($0, hash: PieceCache.hash($0), to: &out) })
            #expect(out.isEmpty)
        }
        #expect(!cache.isFull)
    }

    /// Full — by entries or by an arena — it takes no more pieces and keeps the ones it has.
    @Test func stopsTakingPiecesWhenFull() {
        let cache = SharedPieceCache(entries: 4, keyBytes: 1 << 12, idCount: 1 << 10)
        let stored = (0..<4).map { Self.bytes("p\($0)") }
        for (i, key) in stored.enumerated() {
            key.withUnsafeBytes { raw in #expect(cache.insert(raw, hash: PieceCache.hash(raw), ids: [UInt32(i)][...])) }
        }
        Self.bytes("p4").withUnsafeBytes { raw in #expect(!cache.insert(raw, hash: PieceCache.hash(raw), ids: [4][...])) }
        #expect(cache.isFull)
        for (i, key) in stored.enumerated() {
            var out: [UInt32] = []
            #expect(key.withUnsafeBytes { cache.view.appendCached($0, hash: PieceCache.hash($0), to: &out) })
            #expect(out == [UInt32(i)])
        }
        let small = SharedPieceCache(entries: 64, keyBytes: 16, idCount: 4)
        Self.bytes("0123456789ab").withUnsafeBytes { raw in #expect(small.insert(raw, hash: PieceCache.hash(raw), ids: [1][...])) }
        Self.bytes("0123456789abcd").withUnsafeBytes { raw in #expect(!small.insert(raw, hash: PieceCache.hash(raw), ids: [2][...])) }
        #expect(small.isFull)
    }

    /// Threads that insert and look up the same pieces at once only ever see complete entries.
    @Test func concurrentInsertsAndLookupsSeeWholeEntries() {
        let cache = SharedPieceCache(entries: 1 << 15)  // room even if every thread stored every key
        let keys = (0..<6000).map { Self.bytes(String(repeating: "k", count: $0 % 23) + "\($0)") }
        @Sendable func ids(_ k: Int) -> [UInt32] { (0...(k % 5)).map { UInt32(k * 8 + $0) } }
        let wrong = Atomic<Int>(0)
        let hits = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<3 {
                for j in 0..<keys.count {
                    let k = worker % 2 == 0 ? j : keys.count - 1 - j
                    keys[k].withUnsafeBytes { raw in
                        let h = PieceCache.hash(raw)
                        var out: [UInt32] = []
                        if cache.view.appendCached(raw, hash: h, to: &out) {
                            hits.add(1, ordering: .relaxed)
                            if out != ids(k) { wrong.add(1, ordering: .relaxed) }
                        } else if round == 0 {
                            _ = cache.insert(raw, hash: h, ids: ids(k)[...])
                        }
                    }
                }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(hits.load(ordering: .relaxed) >= 4 * 2 * keys.count)
        #expect(!cache.isFull)
    }

    /// Cold, racing on two threads, or full from the start (encoders then keep pieces in caches
    /// of their own): the ids are those of one warm encoder.
    @Test func encodersGiveTheSameIDsWithAColdRacingOrFullCache() throws {
        let reference = try BPEParityTests.tokenizer("cl100k")
        let texts = Array(try BPEParityTests.texts("en").prefix(400)) + Array(try BPEParityTests.texts("it").prefix(150))
        let serial = BatchEncoder.encode(texts, tokenizer: reference, jobs: 1)
        var tiny = reference.model
        tiny.pieceCache = SharedPieceCache(entries: 32, keyBytes: 64, idCount: 16)
        var cold = reference.model
        cold.pieceCache = SharedPieceCache()
        let full = reference.with(model: tiny), racing = reference.with(model: cold)
        for jobs in [1, 2, 3] { #expect(BatchEncoder.encode(texts, tokenizer: full, jobs: jobs) == serial) }
        #expect(tiny.pieceCache.isFull)
        #expect(BatchEncoder.encode(texts, tokenizer: racing, jobs: 2) == serial)
        #expect(BatchEncoder.encode(texts, tokenizer: racing, jobs: 2) == serial)
        #expect(!cold.pieceCache.isFull)
    }
}
