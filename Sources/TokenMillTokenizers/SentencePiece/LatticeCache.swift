#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Words' Unigram lattice nodes, by word bytes: a direct-mapped table (a new word evicts the one
/// in its slot, so frequent words stay without wholesale clearing) over an append-only arena of
/// keys and nodes, cleared when the arena is full. Small enough to stay in the L2 cache.
struct LatticeCache {
    private struct Slot {
        var hash: UInt64 = 0
        var inlineKey: UInt64 = 0
        var keyStart: UInt32 = 0
        var nodesStart: UInt32 = 0
        var keyLength: UInt16 = 0
        /// 0 marks an empty slot.
        var nodeCount: UInt16 = 0
    }

    private var slots: [Slot]
    private var keys: [UInt8] = []
    private var nodes: [UInt32] = []
    private let mask: Int
    private let arenaLimit: Int

    init(slots: Int = 1 << 14, arenaLimit: Int = 1 << 20) {
        self.slots = [Slot](repeating: Slot(), count: slots)
        mask = slots - 1
        self.arenaLimit = arenaLimit
    }

    /// Calls `body` with the cached nodes of `word` and returns true, or returns false.
    @inline(__always)
    func withCached(_ word: UnsafeRawBufferPointer, hash h: UInt64, _ body: (UnsafeBufferPointer<UInt32>) -> Void) -> Bool {
        let i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { t in
            let e = t[i]
            guard e.nodeCount != 0, e.hash == h, Int(e.keyLength) == word.count, e.inlineKey == PieceCache.inlineKey(word) else { return false }
            return keys.withUnsafeBufferPointer { k in
                if word.count > 8 && memcmp(k.baseAddress! + Int(e.keyStart), word.baseAddress!, word.count) != 0 { return false }
                nodes.withUnsafeBufferPointer { n in body(UnsafeBufferPointer(rebasing: n[Int(e.nodesStart)..<(Int(e.nodesStart) + Int(e.nodeCount))])) }
                return true
            }
        }
    }

    mutating func insert(_ word: UnsafeRawBufferPointer, hash h: UInt64, nodes new: ArraySlice<UInt32>) {
        guard !word.isEmpty, word.count < Int(UInt16.max), !new.isEmpty, new.count < Int(UInt16.max) else { return }
        if keys.count + word.count > arenaLimit || nodes.count + new.count > arenaLimit {
            for i in slots.indices { slots[i].nodeCount = 0 }
            keys.removeAll(keepingCapacity: true)
            nodes.removeAll(keepingCapacity: true)
        }
        var e = Slot(hash: h, inlineKey: PieceCache.inlineKey(word), keyStart: UInt32(keys.count), nodesStart: UInt32(nodes.count),
                     keyLength: UInt16(word.count), nodeCount: UInt16(new.count))
        if word.count > 8 { keys.append(contentsOf: word) } else { e.keyStart = 0 }
        nodes.append(contentsOf: new)
        slots[Int(truncatingIfNeeded: h) & mask] = e
    }
}
