import TokenMillCore

extension DropReason {
    /// The same normalized text appeared earlier in input order.
    public static let exactDuplicate = DropReason("exact_duplicate")
}

/// Exact dedup: a 128-bit stable key of the (normalized) text — two xxh64 hashes with different
/// seeds, never `Hasher` — and the first document in input order survives. Feed documents in
/// input order (decisions are sequential; hashing can run on any thread via `key(_:)`).
public struct ExactDeduplicator: Sendable {
    public struct Key: Hashable, Sendable {
        public let a: UInt64
        public let b: UInt64
        public init(a: UInt64, b: UInt64) { self.a = a; self.b = b }
    }

    private var seen = Set<Key>()
    public init() {}

    public static func key(_ text: UnsafeRawBufferPointer) -> Key {
        Key(a: StableHash.xxh64(text, seed: 0x746F_6B65_6E6D_696C), b: StableHash.xxh64(text, seed: 0x6465_6475_7065_7861))
    }

    /// Nil for the first occurrence of the key (kept), `.exactDuplicate` afterwards.
    public mutating func decide(_ key: Key) -> DropReason? {
        seen.insert(key).inserted ? nil : .exactDuplicate
    }

    public mutating func decide(_ text: UnsafeRawBufferPointer) -> DropReason? { decide(Self.key(text)) }

    public var distinct: Int { seen.count }
}

extension ExactDeduplicator {
    /// Which copy of a duplicated text survives.
    public enum Survivor: String, Sendable, CaseIterable {
        /// The first in input order (streaming; the default).
        case first
        /// The one with the smallest document id (bytewise), wherever it stands: the same
        /// survivor however the input is ordered or sharded.
        case smallestID = "smallest_id"
    }

    /// The indices of the documents to drop, for keys and ids given in input order.
    public static func duplicates(keys: [Key], ids: [String], survivor: Survivor) -> [Int] {
        switch survivor {
        case .first:
            var d = ExactDeduplicator()
            return keys.indices.filter { d.decide(keys[$0]) != nil }
        case .smallestID:
            var best: [Key: Int] = [:]
            for (i, k) in keys.enumerated() {
                if let j = best[k], !Array(ids[i].utf8).lexicographicallyPrecedes(Array(ids[j].utf8)) { continue }
                best[k] = i
            }
            return keys.indices.filter { best[keys[$0]] != $0 }
        }
    }
}
