import Foundation
import Testing
@testable import TokenMillIO
import CLZ4
import TokenMillCore

/// The Parquet reader on the shared sample: the `text` column of its 4 row groups equals the
/// 2,000 texts of the JSONL it was written from.
@Suite struct ParquetTests {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/corpora").standardized.path

    @Test func sharedSampleReadsToTheJSONLTexts() throws {
        let file = try ParquetFile(path: Self.shared + "/en/python_docs.sample2000.parquet")
        #expect(file.rowCount == 2000 && file.rowGroupCount == 4)
        #expect(file.schema.leaves.map(\.dottedPath) == ["id", "text"])
        let text = try file.leafIndex("text"), id = try file.leafIndex("id")
        var texts: [String] = [], ids: [String] = []
        for g in 0..<file.rowGroupCount {
            let t = try file.column(text, rowGroup: g), i = try file.column(id, rowGroup: g)
            guard case .bytes(let tv) = t.values, case .bytes(let iv) = i.values else { Issue.record("not byte arrays"); return }
            #expect(tv.count == file.rows(inRowGroup: g))
            for k in 0..<tv.count { texts.append(tv.string(k)); ids.append(iv.string(k)) }
        }
        var stream = try Compression.open(path: Self.shared + "/en/python_docs.jsonl.gz", compression: .gzip)
        let (bytes, _) = try LineReader.readAll(&stream)
        var byID: [String: String] = [:]
        for line in bytes.split(separator: 0x0A) {
            let v = try JSONScanner.parse(Array(line))
            byID[v["id"]!.stringValue!] = v["text"]!.stringValue!
        }
        #expect(texts.count == 2000)
        var same = 0
        for (i, t) in zip(ids, texts) where byID[i] == t { same += 1 }
        #expect(same == 2000)
    }
}

/// The deprecated LZ4 codec: Hadoop's framing (big-endian uncompressed and compressed sizes
/// before each block), and the raw block that older Arrow wrote under the same codec.
@Suite struct ParquetLZ4Tests {
    static func block(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(input.count))))
        let n = input.withUnsafeBytes { i in
            out.withUnsafeMutableBytes { o in
                LZ4_compress_default(i.baseAddress!.assumingMemoryBound(to: CChar.self), o.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     Int32(input.count), Int32(o.count))
            }
        }
        return Array(out[0..<Int(n)])
    }

    @Test func hadoopFramedAndRawBlocks() throws {
        let a = Array("the quick brown fox jumps over the lazy dog; ".utf8) + Array(repeating: UInt8(120), count: 300)
        let b = Array("and then some more text in a second block".utf8)
        func be(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).bigEndian) { Array($0) } }
        let ba = Self.block(a), bb = Self.block(b)
        let framed = be(a.count) + be(ba.count) + ba + be(b.count) + be(bb.count) + bb
        var out: [UInt8] = []
        try framed.withUnsafeBytes { try ParquetCodecs.decompress(.lz4, $0, size: a.count + b.count, into: &out) }
        #expect(out == a + b)
        try ba.withUnsafeBytes { try ParquetCodecs.decompress(.lz4, $0, size: a.count, into: &out) }
        #expect(out == a)
        try ba.withUnsafeBytes { try ParquetCodecs.decompress(.lz4Raw, $0, size: a.count, into: &out) }
        #expect(out == a)
        #expect(throws: ParquetCodecs.Failure.self) { try ba.withUnsafeBytes { try ParquetCodecs.decompress(.lz4Raw, $0, size: a.count + 1, into: &out) } }
    }
}

/// Page-at-a-time decoding (`forEachPage`, what the document reader and `parquet --stats
/// --by-page` use) against whole-chunk decoding (`column`, which the pyarrow matrix in
/// `Tests/interop/test_parquet.py` checks value by value): on files pyarrow writes with every
/// codec, both data-page versions, dictionary and plain encodings, nulls, nested lists and
/// structs and small pages, the pages joined in order equal the chunk, whether read whole or in
/// two runs of pages, with one set of buffers reused across columns of different types.
@Suite struct ParquetPageByPageTests {
    static let writer = #"""
import sys, random
import pyarrow as pa, pyarrow.parquet as pq
out = sys.argv[1]
rng = random.Random(7)
n = 1500
def maybe(v): return None if rng.random() < 0.15 else v
words = ["alpha", "beta", "", "δέλτα", "日本語", "x" * 300]
t = pa.table({
    "s": [maybe(rng.choice(words) + str(rng.randrange(40))) for _ in range(n)],
    "b": pa.array([maybe(bytes(rng.randrange(256) for _ in range(rng.randrange(5)))) for _ in range(n)], pa.binary()),
    "i32": pa.array([maybe(rng.randrange(-2**31, 2**31)) for _ in range(n)], pa.int32()),
    "i64": pa.array([rng.randrange(-2**63, 2**63) for _ in range(n)], pa.int64()),
    "f64": pa.array([maybe(rng.uniform(-1e9, 1e9)) for _ in range(n)], pa.float64()),
    "ok": pa.array([maybe(rng.random() < 0.4) for _ in range(n)], pa.bool_()),
    "fx": pa.array([maybe(bytes(rng.randrange(256) for _ in range(4))) for _ in range(n)], pa.binary(4)),
    "tokens": [maybe([maybe(rng.choice(words)) for _ in range(rng.randrange(4))]) for _ in range(n)],
    "doc": [maybe({"title": maybe(rng.choice(words)), "ids": [rng.randrange(9) for _ in range(rng.randrange(3))]}) for _ in range(n)],
})
for codec in ("NONE", "SNAPPY", "ZSTD", "GZIP"):
    for version in ("1.0", "2.0"):
        for dictionary in (True, False):
            pq.write_table(t, f"{out}/{codec}-{version}-{dictionary}.parquet", compression=codec, data_page_version=version,
                           use_dictionary=dictionary, data_page_size=700, write_batch_size=64, row_group_size=600, write_page_checksum=True)
# A dictionary that overflows mid-chunk: dictionary pages first, then PLAIN ones.
texts = ["".join(rng.choice("abcdef") for _ in range(30)) if i > 200 else f"w{i % 5}" for i in range(3000)]
pq.write_table(pa.table({"text": texts}), f"{out}/fallback.parquet", dictionary_pagesize_limit=2048, data_page_size=1024, write_batch_size=64, row_group_size=1500)
"""#

    static func join(_ page: ParquetColumnData, to acc: inout ParquetColumnData?) {
        guard var a = acc else { acc = page; return }  // a copy: the reader reuses its buffers
        acc = nil
        if let d = page.definitionLevels { a.definitionLevels!.append(contentsOf: d) }
        if let r = page.repetitionLevels { a.repetitionLevels!.append(contentsOf: r) }
        ParquetValues.append(page.values, to: &a.values)
        acc = a
    }

    /// A new temporary directory (the caller removes it) holding the files `script` writes
    /// there with pyarrow (the directory is its argument). pyarrow is installed by `make test`
    /// (requirements-test.txt); without it this fails.
    static func pyarrowFiles(_ script: String) throws -> String {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try script.write(toFile: dir + "/write.py", atomically: true, encoding: .utf8)
        try shell("python3 \(dir)/write.py \(dir)")
        return dir
    }

    @Test func pagesJoinedEqualTheWholeChunk() throws {
        let dir = try Self.pyarrowFiles(Self.writer)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".parquet") }.sorted()
        #expect(files.count == 17)
        var buffers = ParquetPageBuffers()
        var chunks = 0, multiPage = 0
        for name in files {
            let file = try ParquetFile(path: dir + "/" + name)
            for g in 0..<file.rowGroupCount {
                for leaf in file.schema.leaves.indices {
                    let whole = try file.column(leaf, rowGroup: g)
                    let n = try file.dataPageCount(leaf, rowGroup: g)
                    var joined: ParquetColumnData?, pages = 0
                    try file.forEachPage(leaf, rowGroup: g, buffers: &buffers) { Self.join($0, to: &joined); pages += 1 }
                    #expect(pages == n)
                    let sameJoined = joined == whole  // (a Bool, so that a failure does not print both chunks)
                    #expect(sameJoined, "\(name) row group \(g) column \(file.schema.leaves[leaf].dottedPath)")
                    // In two runs, as two threads share a row group; fresh buffers for the second.
                    var split: ParquetColumnData?
                    try file.forEachPage(leaf, rowGroup: g, pages: 0..<(n / 3), buffers: &buffers) { Self.join($0, to: &split) }
                    try file.forEachPage(leaf, rowGroup: g, pages: (n / 3)..<n) { Self.join($0, to: &split) }
                    let sameSplit = split == whole
                    #expect(sameSplit, "\(name) row group \(g) column \(file.schema.leaves[leaf].dottedPath), split at page \(n / 3)")
                    chunks += 1
                    if n > 2 { multiPage += 1 }
                    #expect(throws: TokenMillError.self) { try file.forEachPage(leaf, rowGroup: g, pages: 0..<(n + 1)) { _ in } }
                }
            }
        }
        #expect(chunks == 482 && multiPage > 250)  // most chunks span several pages

        // The document reader streams a flat text column page by page: the same documents, ids
        // and null rejects as the rows of the whole chunk, for a top-level column and for one
        // inside an optional struct (two definition levels).
        var documents = 0, nulls = 0
        for name in files where name != "fallback.parquet" {
            let path = dir + "/" + name
            let file = try ParquetFile(path: path)
            for field in ["s", "doc.title"] {
                let spec = ReaderSpec(format: .parquet, textField: field, idField: "i64")
                var expected: [String] = [], got: [String] = []
                var row = 1
                for g in 0..<file.rowGroupCount {
                    let texts = try file.rows(try file.leafIndex(field), rowGroup: g, bytesAsText: true)
                    let ids = try file.rows(try file.leafIndex("i64"), rowGroup: g)
                    for (t, i) in zip(texts, ids) {
                        if case .string(let text) = t, case .int(let id) = i { expected.append("\(row) \(id) \(text)") } else { expected.append("\(row) null") }
                        row += 1
                    }
                }
                for unit in try WorkUnitPlanner.plan(files: [(path, name)], spec: spec) {
                    let stats = try DocumentReader(spec: spec).read(unit, onDocument: { d in
                        got.append("\(d.line) \(d.id) \(String(decoding: d.text, as: UTF8.self))")
                    }, onReject: { r in
                        #expect(r.reason == DocumentReader.nullText)
                        got.append("\(r.line) null")
                    })
                    #expect(stats.records == file.rows(inRowGroup: Int(unit.start)))
                }
                #expect(got == expected, "\(name) \(field)")
                documents += got.count { !$0.hasSuffix(" null") }
                nulls += got.count { $0.hasSuffix(" null") }
            }
        }
        #expect(documents > 30_000 && nulls > 5_000)
    }

    /// A column of distinct texts, with nulls, as pyarrow writes one by default: each chunk's
    /// first batch dictionary-encoded (its indices 0, 1, 2… list the whole dictionary), then
    /// PLAIN pages once the dictionary is full.
    static let distinctWriter = #"""
import sys, random
import pyarrow as pa, pyarrow.parquet as pq
rng = random.Random(11)
texts = [None if rng.random() < 0.1 else f"{i} " + "".join(rng.choice("abcdefgh ") for _ in range(rng.randrange(20, 60))) for i in range(1200)]
pq.write_table(pa.table({"text": texts}), f"{sys.argv[1]}/distinct.parquet", compression="SNAPPY", dictionary_pagesize_limit=2048,
               data_page_size=1024, write_batch_size=50, row_group_size=400)
"""#

    /// Page at a time, the page that lists the whole dictionary in order borrows it instead of
    /// copying it entry by entry, and each chunk's dictionary is decompressed into the buffer of
    /// the last one; the values still equal the whole chunk's.
    @Test func aPageListingTheWholeDictionaryBorrowsIt() throws {
        let dir = try Self.pyarrowFiles(Self.distinctWriter)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try ParquetFile(path: dir + "/distinct.parquet")
        #expect(file.rowGroupCount == 3)
        func base(_ bytes: [UInt8]) -> UnsafeRawPointer? { bytes.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) } }
        var buffers = ParquetPageBuffers()
        var dictionaries: [UnsafeRawPointer?] = []
        for g in 0..<file.rowGroupCount {
            let whole = try file.column(0, rowGroup: g)
            var joined: ParquetColumnData?
            var pages: [(count: Int, base: UnsafeRawPointer?)] = []
            try file.forEachPage(0, rowGroup: g, buffers: &buffers) { page in
                Self.join(page, to: &joined)
                if case .bytes(let b) = page.values { pages.append((b.count, base(b.data))) }
            }
            let same = joined == whole
            #expect(same, "row group \(g)")
            guard case .bytes(let dictionary)? = buffers.dictionary else {
                Issue.record("row group \(g): no dictionary kept")
                continue
            }
            #expect(pages.count > 3 && dictionary.count > 10, "row group \(g): \(pages.count) pages, \(dictionary.count) dictionary entries")
            #expect(pages.first?.count == dictionary.count)
            #expect(pages.first?.base == base(dictionary.data), "row group \(g): the first page copied the dictionary")
            #expect(pages.dropFirst().allSatisfy { $0.base != base(dictionary.data) })
            dictionaries.append(base(dictionary.data))
        }
        #expect(dictionaries.count == 3 && Set(dictionaries).count == 1, "each dictionary in the buffer of the last")
    }
}

/// Buffers reserved a page at a time (the values of a whole chunk, a reused page buffer).
@Suite struct ParquetBufferGrowthTests {
    /// Reserving room for one more page, 1,000 times, moves the buffer a logarithmic number of
    /// times. Reserving exactly (`reserveCapacity`) moved, and copied, it for every page: reading
    /// a 4-million-row dictionary-encoded string column took 14.8 s instead of 0.48 s.
    @Test func reservingPageAfterPageMovesTheBufferRarely() {
        var values: [UInt8] = []
        var moves = 0
        var last: UnsafeRawPointer?
        for _ in 0..<1_000 {
            values.reserveGrowing(values.count + 1_000)
            let base = values.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
            if base != last { moves += 1; last = base }
            values.append(contentsOf: repeatElement(7, count: 1_000))
        }
        #expect(values.count == 1_000_000)
        #expect(moves <= 12)
    }
}
