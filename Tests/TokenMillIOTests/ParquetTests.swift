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
