/// One collated batch, row-major `[B, T]` arrays (PyTorch's layout):
///
/// * `tokens[b, t]`: the ids, `padID` after the example's end;
/// * `targets[b, t]`: the id to predict at `t`, i.e. the example's token `t + 1`; `ignoreIndex`
///   (−100, PyTorch's `CrossEntropyLoss` default) where there is none: padding, and the last
///   token of an example that fit whole;
/// * `attentionMask[b, t]`: 1 for a real token, 0 for padding;
/// * `documentIDs[b, t]`: which document of the row a token belongs to (0, 1, …; −1 on padding),
///   for resetting attention at document boundaries in packed rows.
public struct Batch: Sendable, Equatable {
    public let batchSize: Int
    public let length: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    public var attentionMask: [UInt8]
    public var documentIDs: [Int32]
    /// The dataset indices of the rows, in order.
    public var indices: [Int]

    /// Index of `[b, t]` in the flat arrays.
    @inline(__always) public func offset(_ b: Int, _ t: Int) -> Int { b * length + t }

    /// Whether query `i` may attend to key `j` in row `b`: causal (`j ≤ i`), both real tokens,
    /// and, with `resetAtDocuments`, in the same document.
    @inline(__always)
    public func allows(_ b: Int, _ i: Int, _ j: Int, resetAtDocuments: Bool = false) -> Bool {
        guard j <= i, attentionMask[offset(b, i)] == 1, attentionMask[offset(b, j)] == 1 else { return false }
        return !resetAtDocuments || documentIDs[offset(b, i)] == documentIDs[offset(b, j)]
    }

    /// The causal mask `[B, 1, T, T]` (1 = may attend), row-major, as `allows` defines it.
    public func causalMask(resetAtDocuments: Bool = false) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: batchSize * length * length)
        for b in 0..<batchSize {
            for i in 0..<length {
                let row = (b * length + i) * length
                for j in 0...i where allows(b, i, j, resetAtDocuments: resetAtDocuments) { out[row + j] = 1 }
            }
        }
        return out
    }
}
