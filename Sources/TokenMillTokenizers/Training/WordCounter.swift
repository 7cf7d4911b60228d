/// Counts distinct pre-tokens (byte strings) with one open-addressing table and one key arena:
/// the trainer's memory is this table, not the corpus.
final class WordCounter {
    private var slots: [Int32]
    private(set) var hashes: [UInt64] = []
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int32] = []
    private(set) var counts: [UInt64] = []
    private(set) var arena: [UInt8] = []
    private var mask: Int

    init(capacity: Int = 1 << 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { counts.count }

    func add(_ word: UnsafeRawBufferPointer, count: UInt64 = 1) {
        let h = BytesTable.hash(word)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[i])
            if e < 0 { break }
            if hashes[e] == h && equal(e, word) { counts[e] += count; return }
            i = (i + 1) & mask
        }
        slots[i] = Int32(counts.count)
        hashes.append(h)
        starts.append(arena.count)
        lengths.append(Int32(word.count))
        counts.append(count)
        arena.append(contentsOf: word)
        if counts.count * 2 > slots.count { grow() }
    }

    @inline(__always)
    private func equal(_ e: Int, _ word: UnsafeRawBufferPointer) -> Bool {
        guard Int(lengths[e]) == word.count else { return false }
        let s = starts[e]
        return arena.withUnsafeBufferPointer { a in
            for k in 0..<word.count where a[s + k] != word[k] { return false }
            return true
        }
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for e in 0..<counts.count {
            var i = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(e)
        }
    }

    func word(_ e: Int) -> ArraySlice<UInt8> { arena[starts[e]..<(starts[e] + Int(lengths[e]))] }

    /// Adds every word of `other` (in its insertion order, so merging is deterministic).
    func merge(_ other: WordCounter) {
        other.arena.withUnsafeBytes { raw in
            for e in 0..<other.count {
                add(UnsafeRawBufferPointer(rebasing: raw[other.starts[e]..<(other.starts[e] + Int(other.lengths[e]))]), count: other.counts[e])
            }
        }
    }
}

/// Open-addressing map from a pair of ids to a signed count.
struct PairCounts {
    private var keys: [UInt64]
    private var values: [Int64]
    private var mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [Int64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int { PairHash.slot(key, mask) }

    @inline(__always)
    func get(_ key: UInt64) -> Int64 {
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == Self.empty { return 0 }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    mutating func add(_ key: UInt64, _ delta: Int64) {
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { values[i] += delta; return }
            if k == Self.empty { break }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = delta
        count += 1
        if count * 2 > keys.count { grow() }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: Self.empty, count: oldKeys.count * 2)
        values = [Int64](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != Self.empty {
            var i = slot(k)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = k
            values[i] = v
            count += 1
        }
    }
}
