import Foundation
import Testing
@testable import TokenMillIO
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
