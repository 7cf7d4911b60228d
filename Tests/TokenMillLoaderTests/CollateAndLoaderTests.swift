import Foundation
import Testing
@testable import TokenMillLoader
import TokenMillCore

@Suite struct CollateAndLoaderTests {
    @Test func collateShiftsTargetsMasksPaddingAndBlocksTheFuture() throws {
        let dataset = try TokenCacheDataset(directory: try makeCache(), split: "train", sides: ["src_text"])
        #expect(dataset.count == 96)
        let examples = (0..<8).map { dataset[$0] }
        let batch = Collator(padding: .dynamic(maxLength: nil), padID: 0).collate(examples)
        let T = examples.map(\.count).max()!
        #expect(batch.batchSize == 8 && batch.length == T)
        #expect(batch.tokens.count == 8 * T && batch.targets.count == 8 * T && batch.attentionMask.count == 8 * T)
        for (b, x) in examples.enumerated() {
            for t in 0..<T {
                let o = batch.offset(b, t)
                if t < x.count {
                    #expect(batch.tokens[o] == Int32(x[t]) && batch.attentionMask[o] == 1)
                    if t + 1 < x.count {
                        #expect(batch.targets[o] == batch.tokens[o + 1])  // targets[t] == tokens[t+1]
                    } else {
                        #expect(batch.targets[o] == -100)
                    }
                } else {
                    #expect(batch.tokens[o] == 0 && batch.attentionMask[o] == 0 && batch.targets[o] == -100)
                }
            }
        }
        let mask = batch.causalMask()
        #expect(mask.count == 8 * T * T)
        for b in 0..<8 {
            let n = examples[b].count
            for i in 0..<T {
                for j in 0..<T {
                    let allowed = mask[(b * T + i) * T + j] == 1
                    #expect(allowed == (j <= i && i < n && j < n))
                }
            }
        }
    }

    @Test func fixedLengthTruncatesOnceWithARealLastTarget() {
        let batch = Collator(padding: .fixed(4), padID: 9).collate([[1, 2, 3, 4, 5, 6], [7, 8]])
        #expect(batch.tokens == [1, 2, 3, 4, 7, 8, 9, 9])
        #expect(batch.targets == [2, 3, 4, 5, 8, -100, -100, -100])
        #expect(batch.attentionMask == [1, 1, 1, 1, 1, 1, 0, 0])
    }

    @Test func documentIDsResetAttentionInPackedRows() {
        let batch = Collator(padding: .fixed(6)).collate([[5, 6, 0, 7, 8, 0]], documentStarts: [[0, 3]])
        #expect(batch.documentIDs == [0, 0, 0, 1, 1, 1])
        #expect(batch.allows(0, 4, 3, resetAtDocuments: true) && !batch.allows(0, 4, 2, resetAtDocuments: true))
        #expect(batch.allows(0, 4, 2))
    }

    static func drain<D: TokenDataset>(_ loader: inout DataLoader<D>, _ n: Int? = nil) -> [Batch] {
        var out: [Batch] = []
        while n == nil || out.count < n!, let b = loader.next() { out.append(b) }
        return out
    }

    @Test func restoringAStateSavedMidEpochYieldsTheSameBatches() throws {
        let dataset = try TokenCacheDataset(directory: try makeCache())
        #expect(dataset.count == 120)
        let options = DataLoader<TokenCacheDataset>.Options(batchSize: 7, seed: 42, bucketSize: 21, epochs: 3)
        var whole = try DataLoader(dataset: dataset, options: options)
        let all = Self.drain(&whole)
        #expect(all.count == 3 * 18)  // 120 / 7 → 18 batches (the last of 1), 3 epochs
        for cut in [5, 17, 18, 30] {
            var first = try DataLoader(dataset: dataset, options: options)
            _ = Self.drain(&first, cut)
            let saved = first.state.json
            var resumed = try DataLoader(dataset: dataset, options: options, state: try LoaderState(json: saved))
            #expect(Self.drain(&resumed) == Array(all[cut...]), "resumed after \(cut) batches")
        }
        // Every epoch serves each example once; epochs differ in order; same seed, same batches.
        for e in 0..<3 {
            let epoch = all[(e * 18)..<((e + 1) * 18)]
            #expect(epoch.flatMap(\.indices).sorted() == Array(0..<120))
        }
        #expect(all[0].indices != all[18].indices)
        var again = try DataLoader(dataset: dataset, options: options)
        #expect(Self.drain(&again) == all)
        #expect(throws: TokenMillError.self) {
            try DataLoader(dataset: dataset, options: options, state: LoaderState(seed: 1, datasetCount: 120))
        }
    }

    @Test func bucketingGroupsSimilarLengthsAndDropLastDropsTheRemainder() {
        var g = SplitMix64(seed: 5)
        let dataset = ArrayDataset(examples: (0..<100).map { _ in Array(repeating: 1, count: Int(g.next(below: 300)) + 1) })
        var loader = try! DataLoader(dataset: dataset, options: .init(batchSize: 8, seed: 3, dropLast: true, bucketSize: 40))
        let batches = CollateAndLoaderTests.drain(&loader)
        #expect(batches.allSatisfy { $0.batchSize == 8 })
        #expect(batches.count == 12)  // buckets 40, 40, 20 → 5 + 5 + 2 full batches
        // Padding waste with buckets is far below the waste without.
        func waste(_ bs: [Batch]) -> Int { bs.reduce(0) { $0 + $1.attentionMask.filter { $0 == 0 }.count } }
        var plain = try! DataLoader(dataset: dataset, options: .init(batchSize: 8, seed: 3, dropLast: true))
        #expect(waste(batches) * 3 < waste(CollateAndLoaderTests.drain(&plain)))
    }
}
