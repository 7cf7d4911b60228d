/// Turns examples (id arrays) into a `Batch`.
///
/// Padding is `dynamic` (to the longest example of the batch, capped at `maxLength`) or
/// `fixed(T)`. An example longer than the batch length is **truncated once**: its first `T`
/// tokens are the row and its tokens `1 … T` the targets (so the last target is real); the rest
/// of that example is dropped, never carried into another row. An example that fits ends with
/// `ignoreIndex` as its last target.
public struct Collator: Sendable {
    public enum Padding: Sendable, Equatable {
        case dynamic(maxLength: Int?)
        case fixed(Int)
    }

    public var padding: Padding
    public var padID: UInt32
    public var ignoreIndex: Int32

    public init(padding: Padding = .dynamic(maxLength: nil), padID: UInt32 = 0, ignoreIndex: Int32 = -100) {
        self.padding = padding
        self.padID = padID
        self.ignoreIndex = ignoreIndex
    }

    /// The row length for examples of these lengths.
    public func length(for lengths: [Int]) -> Int {
        switch padding {
        case .fixed(let t): return t
        case .dynamic(let cap): return min(lengths.max() ?? 0, cap ?? .max)
        }
    }

    /// Collates `examples` (with their documents' start positions, if known).
    public func collate(_ examples: [[UInt32]], documentStarts: [[Int]]? = nil, indices: [Int] = []) -> Batch {
        let B = examples.count
        let T = length(for: examples.map(\.count))
        var tokens = [Int32](repeating: Int32(bitPattern: padID), count: B * T)
        var targets = [Int32](repeating: ignoreIndex, count: B * T)
        var mask = [UInt8](repeating: 0, count: B * T)
        var documents = [Int32](repeating: -1, count: B * T)
        for (b, x) in examples.enumerated() {
            let n = min(x.count, T)
            let starts = documentStarts?[b] ?? [0]
            var doc: Int32 = -1, nextStart = 0
            for t in 0..<n {
                let o = b * T + t
                tokens[o] = Int32(bitPattern: x[t])
                if t + 1 < x.count { targets[o] = Int32(bitPattern: x[t + 1]) }
                mask[o] = 1
                while nextStart < starts.count && starts[nextStart] <= t { doc += 1; nextStart += 1 }
                documents[o] = max(doc, 0)
            }
        }
        return Batch(batchSize: B, length: T, tokens: tokens, targets: targets, attentionMask: mask, documentIDs: documents,
                     indices: indices.isEmpty ? Array(0..<B) : indices)
    }
}
