import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCorpus
import TokenMillIO

@Suite struct BudgetTests {
    static let enItRecipe = """
        name: en-it
        output_dir: out
        seed: 42
        sequence_length: 1000
        splits: {train: 0.98, val: 0.02}
        sequences_per_shard: 300
        sources:
          - {name: en, paths: ['\(sharedCorpora)/en'], id_field: id, target_tokens: 1000003}
          - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id, target_tokens: 499999}
        """

    @Test func budgetsAreExactOverTheSharedCorpora() throws {
        let dir = makeTemporaryDirectory()
        try build(try writeRecipe(Self.enItRecipe, in: dir))
        let stats = try readJSON(dir + "/out/meta_stats.json")
        let sources = stats["sources_breakdown"]!.arrayValue!
        #expect(sources.map { $0["actual_tokens"]!.intValue! } == [1_000_003, 499_999])
        #expect(sources.map { $0["target_tokens"]!.intValue! } == [1_000_003, 499_999])
        #expect(sources.allSatisfy { $0["shortfall"]!.intValue! == 0 && $0["truncated_last"] == .bool(true) })
        #expect(stats["budget_efficiency"] == .double(1.0))
        #expect(stats["budget_efficiency_pct"] == .double(100.0))
        #expect(stats["actual_total_tokens"]!.intValue! == 1_500_002)
        // The shards hold exactly those tokens plus the padding of each split's last row.
        let manifest = try readJSON(dir + "/out/manifest.json")
        var perSource: [String: Int64] = [:]
        var real: Int64 = 0
        for s in manifest["shards"]!.arrayValue! {
            let (shape, ids) = try loadShard(dir + "/out/" + s["path"]!.stringValue!)
            #expect(ids.count == shape.reduce(1, *))
            real += Int64(ids.count) - s["padding_tokens"]!.intValue!
            if case let .object(pairs)? = s["source_tokens"] { for (k, v) in pairs { perSource[k, default: 0] += v.intValue! } }
        }
        #expect(real == 1_500_002)
        #expect(perSource == ["en": 1_000_003, "it": 499_999])
    }

    @Test func aSourceThatRunsDryReportsItsShortfall() throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            sequence_length: 512
            sources:
              - {name: en, paths: ['\(sharedCorpora)/en'], id_field: id, target_tokens: 200000}
              - {name: it, paths: ['\(sharedCorpora)/it/debian_docs_it.jsonl.gz'], id_field: id, target_tokens: 5000000}
            """, in: dir)
        try build(recipe)
        let stats = try readJSON(dir + "/out/meta_stats.json")
        let it = stats["sources_breakdown"]!.arrayValue![1]
        let available = it["available_tokens"]!.intValue!
        #expect(it["actual_tokens"]!.intValue! == available)
        #expect(it["shortfall"]!.intValue! == 5_000_000 - available)
        #expect(it["documents"]!.intValue! == 3817)
        #expect(it["truncated_last"] == .bool(false))
        #expect(stats["sources_breakdown"]!.arrayValue![0]["actual_tokens"]!.intValue! == 200_000)
        #expect(stats["actual_total_tokens"]!.intValue! == 200_000 + available)
    }

    @Test func decodedShardsGiveBackTheSourceTextsWithEOSBetween() throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            seed: 3
            sequence_length: 256
            tail: keep
            splits: {train: 0.9, val: 0.1}
            sources:
              - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id, target_tokens: 60001}
              - {name: faq, paths: ['\(sharedCorpora)/qa/python_faq.jsonl'], text_field: answer, target_tokens: 30000}
            """, in: dir)
        try build(recipe)
        var texts = Set<[UInt8]>()
        for (path, field) in [(sharedCorpora + "/it/debian_docs_it.jsonl.gz", "text"), (sharedCorpora + "/qa/python_faq.jsonl", "answer")] {
            let unit = WorkUnit(path: path, displayPath: path, compression: Compression.detect(path: path))
            _ = try DocumentReader(spec: ReaderSpec(format: .jsonl, textField: field)).read(unit, onDocument: { texts.insert($0.text) }, onReject: { _ in })
        }
        let manifest = try readJSON(dir + "/out/manifest.json")
        var documents = 0, truncated = 0
        for split in ["train", "val"] {
            var stream: [UInt32] = []
            for s in manifest["shards"]!.arrayValue! where s["split"]!.stringValue == split {
                stream += try loadShard(dir + "/out/" + s["path"]!.stringValue!).ids
            }
            #expect(stream.last == 256)
            for piece in stream.split(separator: 256, omittingEmptySubsequences: false).dropLast() {
                #expect(piece.allSatisfy { $0 < 256 })
                let bytes = piece.map { UInt8($0) }
                documents += 1
                if !texts.contains(bytes) {
                    truncated += 1
                    #expect(texts.contains { $0.starts(with: bytes) }, "a piece is neither a document nor a document's start")
                }
            }
        }
        let stats = try readJSON(dir + "/out/meta_stats.json")
        #expect(documents == Int(stats["sources_breakdown"]!.arrayValue!.reduce(0) { $0 + $1["documents"]!.intValue! }))
        #expect(truncated <= 2)
    }

    @Test(arguments: [("drop", 0), ("pad", 1), ("keep", 2)])
    func tailPolicies(_ policy: String, _ kind: Int) throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            sequence_length: 1000
            tail: \(policy)
            pad_id: 65535
            sources: [{name: it, paths: ['\(sharedCorpora)/it'], target_tokens: 12345}]
            """, in: dir)
        try build(recipe)
        let p = try readJSON(dir + "/out/meta_stats.json")["packing"]!
        #expect(p["tokens_dropped"]!.intValue! == (kind == 0 ? 345 : 0))
        #expect(p["tokens_padded"]!.intValue! == (kind == 1 ? 655 : 0))
        #expect(p["tokens_written"]!.intValue! == (kind == 0 ? 12000 : 12345))
        let shards = try readJSON(dir + "/out/manifest.json")["shards"]!.arrayValue!
        let shapes = shards.map { $0["shape"]!.arrayValue!.map { Int($0.intValue!) } }
        switch kind {
        case 0: #expect(shapes == [[12, 1000]])
        case 1:
            #expect(shapes == [[13, 1000]])
            #expect(try loadShard(dir + "/out/train_00000.npy").ids.suffix(655).allSatisfy { $0 == 65535 })
        default: #expect(shapes == [[12, 1000], [345]])
        }
    }

    @Test func everyFullShardFollowsTheWeights() throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            seed: 9
            sequence_length: 512
            sequences_per_shard: 200
            target_total_tokens: 900000
            sources:
              - {name: en, paths: ['\(sharedCorpora)/en'], id_field: id, weight: 0.7, filters: {max_chars: 4000}}
              - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id, weight: 0.3}
            """, in: dir)
        // Documents are small next to a shard (≤ 4,000 of 102,400 tokens), so every shard can
        // follow the weights closely; ids make the sample independent of where the corpus lies.
        try build(recipe)
        let shards = try readJSON(dir + "/out/manifest.json")["shards"]!.arrayValue!
        #expect(shards.count == 9)
        for s in shards.dropLast() {
            let en = Double(s["source_tokens"]!["en"]!.intValue!), it = Double(s["source_tokens"]!["it"]!.intValue!)
            #expect(abs(en / (en + it) - 0.7) < 0.03, "\(s["path"]!.stringValue!): en share \(en / (en + it))")
        }
    }

    @Test func phasesTakeDisjointDocumentsWithExactBudgets() throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            sequence_length: 128
            tail: keep
            sources:
              - {name: en, paths: ['\(sharedCorpora)/en'], id_field: id}
              - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id}
            phases:
              - name: A
                target_total_tokens: 100000
                sources: [{name: en, weight: 0.8}, {name: it, weight: 0.2}]
              - name: B
                sources: [{name: en, target_tokens: 30001}, {name: it, target_tokens: 70001}]
            """, in: dir)
        try build(recipe)
        let stats = try readJSON(dir + "/out/meta_stats.json")
        let phases = stats["phases"]!.arrayValue!
        #expect(phases.map { $0["actual_total_tokens"]!.intValue! } == [100000, 100002])
        #expect(phases[0]["sources_breakdown"]!.arrayValue!.map { $0["actual_tokens"]!.intValue! } == [80000, 20000])
        #expect(phases[1]["sources_breakdown"]!.arrayValue!.map { $0["actual_tokens"]!.intValue! } == [30001, 70001])
        func documents(_ phase: String) throws -> Set<[UInt32]> {
            var ids: [UInt32] = []
            for f in ["train_00000.npy", "train_tail.npy"] where FileManager.default.fileExists(atPath: dir + "/out/\(phase)/" + f) {
                ids += try loadShard(dir + "/out/\(phase)/" + f).ids
            }
            return Set(ids.split(separator: 256).map(Array.init).filter { $0.count > 64 })
        }
        #expect(try documents("A").isDisjoint(with: try documents("B")))
    }
}
