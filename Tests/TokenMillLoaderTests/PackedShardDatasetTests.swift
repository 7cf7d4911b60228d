import Foundation
import Testing
@testable import TokenMillLoader
import TokenMillCore
import TokenMillCorpus

@Suite struct PackedShardDatasetTests {
    @Test func rowsAndDocumentBoundariesOfABuild() throws {
        let dir = makeTemporaryDirectory("packed")
        try """
        output_dir: out
        seed: 3
        tokenizer: byte-level
        sequence_length: 64
        sequences_per_shard: 40
        splits: {train: 1.0}
        sources: [{name: en, paths: ['\(sharedCorpora)/en/python_docs.jsonl.gz'], target_tokens: 6000}]
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        setenv("SOURCE_DATE_EPOCH", "1767225600", 1)
        _ = try BuildPipeline(recipe: try RecipeLoader.load(file: dir + "/recipe.yaml"), options: BuildOptions(jobs: 1)).run()
        let dataset = try PackedShardDataset(directory: dir + "/out", split: "train")
        #expect(dataset.sequenceLength == 64 && dataset.eosID == 256)
        #expect(dataset.count * 64 >= 6000 - 64 && dataset.count > 40)  // spans two shards
        var stream: [UInt32] = []
        for i in 0..<dataset.count { stream += dataset[i] }
        var boundaries = 0
        for i in 0..<dataset.count {
            let row = dataset[i]
            let starts = dataset.documentStarts(i)
            #expect(starts.first == 0)
            for s in starts.dropFirst() { #expect(row[s - 1] == 256) }
            #expect(starts.count - 1 == row.dropLast().filter { $0 == 256 }.count)
            boundaries += starts.count - 1
        }
        #expect(boundaries > 0)
        var loader = try DataLoader(dataset: dataset, options: .init(batchSize: 4, shuffle: false, collator: Collator(padding: .fixed(64)), documentBoundaries: true))
        let batch = loader.next()!
        for b in 0..<4 {
            for t in 1..<64 {
                let o = batch.offset(b, t)
                let previousIsEOS = batch.tokens[o - 1] == 256
                #expect(batch.documentIDs[o] == batch.documentIDs[o - 1] + (previousIsEOS ? 1 : 0))
            }
        }
    }
}
