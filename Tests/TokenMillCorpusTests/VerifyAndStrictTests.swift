import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCorpus

@Suite struct VerifyAndStrictTests {
    @Test func verifyPassesThenNamesTheCorruptShard() throws {
        let dir = makeTemporaryDirectory()
        try build(try writeRecipe("""
            output_dir: out
            sequence_length: 100
            sequences_per_shard: 50
            sources: [{name: it, paths: ['\(sharedCorpora)/it'], target_tokens: 20000}]
            """, in: dir))
        let ok = try Verifier.verify(directory: dir + "/out")
        #expect(ok.files == 4 + 5)  // 4 shards, rejects, stats, 2 charts, card
        let cli = try runCLI(["verify", dir + "/out"])
        #expect(cli.status == 0)
        // Flip one byte of the second shard.
        let path = dir + "/out/train_00001.npy"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[500] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        #expect { try Verifier.verify(directory: dir + "/out") } throws: { e in
            let m = (e as? TokenMillError)?.message ?? ""
            return m.contains("train_00001.npy") && m.contains("sha256")
        }
        let bad = try runCLI(["verify", dir + "/out"])
        #expect(bad.status == 6)
        #expect(bad.output.contains("train_00001.npy"))
        let inspect = try runCLI(["inspect", dir + "/out"])
        #expect(inspect.output.contains("it: 20000/20000 tokens"))
        let shard = try runCLI(["inspect", dir + "/out/train_00000.npy", "--json"])
        #expect(shard.output.contains("\"shape\""))
    }

    static func dirtyRecipe(strict: Bool) -> String {
        """
        output_dir: out
        strict: \(strict)
        sources:
          - {name: malformed, paths: ['\(sharedCorpora)/dirty/malformed.jsonl'], id_field: id, target_tokens: 1000000}
          - {name: utf8, paths: ['\(sharedCorpora)/dirty/invalid_utf8.jsonl'], id_field: id, target_tokens: 1000000}
          - {name: truncated, paths: ['\(sharedCorpora)/dirty/truncated.jsonl.gz'], id_field: id, target_tokens: 1000000}
          - {name: junk, paths: ['\(sharedCorpora)/dirty/empty_and_punct.jsonl'], id_field: id, target_tokens: 1000000}
        """
    }

    @Test func dirtyInputsAreCountedNotFatal() throws {
        let dir = makeTemporaryDirectory()
        try build(try writeRecipe(Self.dirtyRecipe(strict: false), in: dir))
        let funnel = try readJSON(dir + "/out/meta_stats.json")["funnel"]!.arrayValue!
        let bySource = Dictionary(uniqueKeysWithValues: funnel.map { ($0["source"]!.stringValue!, $0) })
        #expect(bySource["malformed"]!["documents_read"]!.intValue! == 31)
        #expect(bySource["malformed"]!["reader_dropped"]!["malformed_json"]!.intValue! == 7)
        #expect(bySource["malformed"]!["reader_dropped"]!["blank_line"]!.intValue! == 2)
        #expect(bySource["utf8"]!["documents_read"]!.intValue! == 41)
        #expect(bySource["utf8"]!["repaired"]!["invalid_utf8_repaired"]!.intValue! == 8)
        #expect(bySource["utf8"]!["repaired"]!["lone_surrogate_repaired"]!.intValue! == 1)
        #expect(bySource["truncated"]!["documents_read"]!.intValue! == 128)
        #expect(bySource["truncated"]!["errors"]!.arrayValue![0].stringValue!.contains("offset 66097"))
        // Documents of only white space or invisible characters are dropped as empty_text.
        let junk = bySource["junk"]!
        #expect(junk["documents_read"]!.intValue! == 62)
        #expect(junk["filter_dropped"]!["empty_text"]!.intValue! == 7)  // junk-00…06: empty, spaces, newlines, NBSP, ZWSP, BOM
        // Every reader reject is in rejects.jsonl with its file and line.
        let rejects = try String(contentsOfFile: dir + "/out/rejects.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 12 + 7)  // 15 problem lines less 2 blank and the valid duplicate-key line, plus 7 blank documents
        #expect(rejects.contains { $0.contains("\"line\":3,") && $0.contains("malformed_json") })
    }

    @Test func strictModeTurnsProblemsIntoAnError() throws {
        let dir = makeTemporaryDirectory()
        #expect { try build(try writeRecipe(Self.dirtyRecipe(strict: true), in: dir)) } throws: { e in
            let err = e as? TokenMillError
            return err?.code == .strict && err!.message.contains("malformed.jsonl") && err!.message.contains("malformed.jsonl:3")
        }
        let cli = try runCLI(["build", dir + "/recipe.yaml", "--strict"])
        #expect(cli.status == 5)
    }
}
