import Foundation
import Testing
@testable import TokenMillLoader
import TokenMillCore
import TokenMillCorpus

/// A one-batch overfit check: a tiny model with manual gradients learns one collated batch
/// until its loss is near zero. It can only do so if every real position's target is the next
/// token of the same example and every padded position is ignored.
@Suite struct OverfitTests {
    /// Logits from the context (previous token, current token) over the batch's own vocabulary:
    /// one row of parameters per context, trained by SGD on softmax cross-entropy.
    struct ContextModel {
        var vocabulary: [Int32: Int] = [:]
        var rows: [Int64: [Double]] = [:]
        let width: Int

        init(batch: Batch) {
            for t in batch.tokens + batch.targets where t >= 0 && vocabulary[t] == nil { vocabulary[t] = vocabulary.count }
            width = vocabulary.count
        }

        func context(_ batch: Batch, _ b: Int, _ t: Int) -> Int64 {
            let previous = t > 0 ? Int64(batch.tokens[batch.offset(b, t - 1)]) : -1
            return previous << 32 | Int64(UInt32(bitPattern: batch.tokens[batch.offset(b, t)]))
        }

        /// One SGD step over the batch's non-ignored positions; returns the mean loss before it.
        mutating func step(_ batch: Batch, rate: Double) -> (loss: Double, correct: Int, positions: Int) {
            var loss = 0.0, correct = 0, positions = 0
            var gradients: [Int64: [Double]] = [:]
            for b in 0..<batch.batchSize {
                for t in 0..<batch.length where batch.targets[batch.offset(b, t)] != -100 {
                    #expect(batch.attentionMask[batch.offset(b, t)] == 1, "a target on a padded position")
                    let key = context(batch, b, t)
                    let logits = rows[key] ?? [Double](repeating: 0, count: width)
                    let top = logits.max()!
                    let exps = logits.map { Foundation.exp($0 - top) }
                    let sum = exps.reduce(0, +)
                    let target = vocabulary[batch.targets[batch.offset(b, t)]]!
                    loss -= Foundation.log(exps[target] / sum)
                    if logits.indices.max(by: { logits[$0] < logits[$1] }) == target && logits[target] > 0 { correct += 1 }
                    var g = gradients[key] ?? [Double](repeating: 0, count: width)
                    for v in 0..<width { g[v] += exps[v] / sum - (v == target ? 1 : 0) }
                    gradients[key] = g
                    positions += 1
                }
            }
            for (key, g) in gradients {
                var row = rows[key] ?? [Double](repeating: 0, count: width)
                for v in 0..<width { row[v] -= rate * g[v] }
                rows[key] = row
            }
            return (loss / Double(positions), correct, positions)
        }
    }

    @Test func aTinyModelDrivesTheLossOfOneBatchNearZero() throws {
        let dataset = try TokenCacheDataset(directory: try makeCache(), split: "train", sides: ["src_text"])
        var loader = try DataLoader(dataset: dataset, options: .init(batchSize: 6, seed: 1))
        let batch = loader.next()!
        let lengths = batch.indices.map { dataset.length($0) }
        var model = ContextModel(batch: batch)
        let first = model.step(batch, rate: 2)
        // Every real token but the last of each example has a target; nothing else does.
        #expect(first.positions == lengths.reduce(0) { $0 + $1 - 1 })
        #expect(abs(first.loss - Foundation.log(Double(model.width))) < 1e-9)
        var last = first
        for _ in 0..<150 { last = model.step(batch, rate: 2) }
        #expect(last.loss < 0.05, "loss \(first.loss) → \(last.loss)")
        // Every position is predicted right, except where the same context is followed by
        // different tokens in the batch: there the most frequent follower is the best possible.
        var followers: [Int64: [Int32: Int]] = [:]
        for b in 0..<batch.batchSize {
            for t in 0..<batch.length where batch.targets[batch.offset(b, t)] != -100 {
                followers[model.context(batch, b, t), default: [:]][batch.targets[batch.offset(b, t)], default: 0] += 1
            }
        }
        let attainable = followers.values.reduce(0) { $0 + $1.values.max()! }
        #expect(attainable > last.positions * 95 / 100)
        #expect(last.correct == attainable)
    }
}
