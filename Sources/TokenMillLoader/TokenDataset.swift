import TokenMillCore

/// Token sequences addressed by index: a token cache's examples or a packed shard's rows.
///
/// Reading is pure (the same index gives the same ids), so a `DataLoader` over a dataset is a
/// function of its seed and position alone.
public protocol TokenDataset: Sendable {
    /// Number of examples.
    var count: Int { get }
    /// Tokens of example `index`, without reading them.
    func length(_ index: Int) -> Int
    /// Appends the ids of example `index` to `ids`.
    func appendIDs(_ index: Int, to ids: inout [UInt32])
    /// Where documents start inside example `index` (token positions, the first always 0), for
    /// resetting attention per document. An example that is one document returns `[0]`.
    func documentStarts(_ index: Int) -> [Int]
}

extension TokenDataset {
    /// The ids of example `index`.
    public subscript(index: Int) -> [UInt32] {
        var ids: [UInt32] = []
        appendIDs(index, to: &ids)
        return ids
    }

    public func documentStarts(_ index: Int) -> [Int] { [0] }
}
