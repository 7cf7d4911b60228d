import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCorpus
import TokenMillIO

@Suite struct SourceFormatTests {
    /// Plain text in its three modes, found through a folder and a glob, in sorted order.
    @Test(arguments: [("file", 3), ("line", 6), ("paragraph", 5)])
    func plainTextModes(_ mode: String, _ documents: Int) throws {
        let dir = makeTemporaryDirectory("text")
        try FileManager.default.createDirectory(atPath: dir + "/txt/sub", withIntermediateDirectories: true)
        try "alpha one\nalpha two\n\nalpha three\n".write(toFile: dir + "/txt/a.txt", atomically: true, encoding: .utf8)
        try "beta\n\n\nbeta again\n".write(toFile: dir + "/txt/sub/b.txt", atomically: true, encoding: .utf8)
        try "gamma".write(toFile: dir + "/c.txt", atomically: true, encoding: .utf8)
        let recipe = try writeRecipe("""
            output_dir: out
            sequence_length: 4
            tail: keep
            sources: [{name: t, paths: [txt, 'c*.txt'], format: text, text_mode: \(mode), target_tokens: 1000}]
            """, in: dir)
        #expect(try PathResolver.resolve(["txt", "c*.txt"], baseDirectory: dir, keyPath: "p").map(\.display) == ["txt/a.txt", "txt/sub/b.txt", "c.txt"])
        try build(recipe)
        let s = try readJSON(dir + "/out/meta_stats.json")["sources_breakdown"]!.arrayValue![0]
        #expect(s["documents"]!.intValue! == Int64(documents))
        let expectedText: [String: [String]] = [
            "file": ["alpha one\nalpha two\n\nalpha three\n", "beta\n\n\nbeta again\n", "gamma"],
            "line": ["alpha one", "alpha two", "alpha three", "beta", "beta again", "gamma"],
            "paragraph": ["alpha one\nalpha two", "alpha three", "beta", "beta again", "gamma"],
        ]
        // Every document comes back from the shards followed by EOS.
        var ids: [UInt32] = []
        for f in ["train_00000.npy", "train_tail.npy"] where FileManager.default.fileExists(atPath: dir + "/out/" + f) {
            ids += try loadShard(dir + "/out/" + f).ids
        }
        let docs = ids.split(separator: 256).map { String(decoding: $0.map { UInt8($0) }, as: UTF8.self) }
        #expect(Set(docs).isSubset(of: Set(expectedText[mode]!)))
        #expect(docs.count == documents)
    }

    /// A Parquet source (row groups as work units) builds the same shards as a JSONL file with
    /// the same rows, for any job count.
    @Test func parquetSourceEqualsTheSameRowsAsJSONL() throws {
        let dir = makeTemporaryDirectory("parquet")
        let parquet = sharedCorpora + "/en/python_docs.sample2000.parquet"
        let file = try ParquetFile(path: parquet)
        var lines = ""
        for g in 0..<file.rowGroupCount {
            let ids = try file.rows(try file.leafIndex("id"), rowGroup: g), texts = try file.rows(try file.leafIndex("text"), rowGroup: g)
            for (i, t) in zip(ids, texts) { lines += JSONValue.object([("id", i), ("text", t)]).serialized(pretty: false, trailingNewline: false) + "\n" }
        }
        try lines.write(toFile: dir + "/same.jsonl", atomically: true, encoding: .utf8)
        func recipe(_ path: String, _ out: String) -> String {
            """
            output_dir: \(out)
            seed: 3
            sequence_length: 512
            target_total_tokens: 300000
            splits: {train: 0.9, val: 0.1}
            sources: [{name: docs, paths: ['\(path)'], id_field: id, target_tokens: 300000}]
            """
        }
        #expect(try WorkUnitPlanner.plan(files: [(parquet, "p")], spec: ReaderSpec(format: .parquet)).count == 4)
        try build(try writeRecipe(recipe(dir + "/same.jsonl", "from-jsonl"), in: dir), jobs: 1)
        var shards: [[String: Data]] = []
        for jobs in [1, 2] {
            try build(try writeRecipe(recipe(parquet, "from-parquet-\(jobs)"), in: dir), jobs: jobs)
            shards.append(snapshot(dir + "/from-parquet-\(jobs)").filter { $0.key.hasSuffix(".npy") })
        }
        let jsonl = snapshot(dir + "/from-jsonl").filter { $0.key.hasSuffix(".npy") }
        #expect(!jsonl.isEmpty)
        #expect(shards[0] == jsonl)
        #expect(shards[1] == jsonl)
        // A column that is not there is an error naming the columns that are.
        let bad = recipe(parquet, "bad").replacingOccurrences(of: "id_field: id", with: "id_field: id, text_field: body")
        #expect {
            try build(try writeRecipe(bad, in: dir), jobs: 1)
        } throws: { e in "\(e)".contains("no column 'body'") && "\(e)".contains("id, text") }
    }

    @Test func bosAndACustomEOSAreCountedInTheBudget() throws {
        let dir = makeTemporaryDirectory()
        try "{\"text\": \"abc\"}\n{\"text\": \"defgh\"}\n".write(toFile: dir + "/d.jsonl", atomically: true, encoding: .utf8)
        let recipe = try writeRecipe("""
            output_dir: out
            sequence_length: 3
            tail: keep
            add_bos: true
            tokenizer: {name: byte-level, eos_token: "</s>", bos_token: "<s>"}
            sources: [{name: d, paths: [d.jsonl], target_tokens: 9}]
            """, in: dir)
        try build(recipe)
        var ids = try loadShard(dir + "/out/train_00000.npy").ids
        if FileManager.default.fileExists(atPath: dir + "/out/train_tail.npy") { ids += try loadShard(dir + "/out/train_tail.npy").ids }
        #expect(ids.count == 9)
        // One whole document (BOS + text + EOS) and one cut so that the total is 9, in seeded order:
        // "abc" first leaves 4 for BOS + "de" + EOS; "defgh" first leaves 2 for BOS + EOS.
        let docs = ids.split(separator: 256, omittingEmptySubsequences: false).dropLast().map(Array.init)
        #expect(docs.count == 2)
        #expect(docs.allSatisfy { $0.first == 257 })
        let texts = docs.map { String(decoding: $0.dropFirst().map { UInt8($0) }, as: UTF8.self) }
        #expect(texts == ["abc", "de"] || texts == ["defgh", ""], "got \(texts)")
        let manifest = try readJSON(dir + "/out/manifest.json")
        #expect(manifest["tokenizer"]!["bos_id"] == .int(257))
        #expect(manifest["tokenizer"]!["spec"]!["eos_token"] == .string("</s>"))
    }

    @Test func jsonProgressAndSummaryLinesAreJSON() throws {
        let dir = makeTemporaryDirectory()
        _ = try writeRecipe("""
            output_dir: out
            sources: [{name: it, paths: ['\(sharedCorpora)/it'], target_tokens: 3000}]
            """, in: dir)
        let r = try runCLI(["build", dir + "/recipe.yaml", "--json"])
        #expect(r.status == 0)
        let lines = r.output.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect((try? JSONScanner.parse(String(line))) != nil, "not JSON: \(line)") }
        let done = try JSONScanner.parse(String(lines.last!))
        #expect(done["event"] == .string("done"))
        #expect(done["actual_tokens"] == .int(3000))
    }
}
