import Foundation
/// Counts distinct pre-tokens (byte strings) with one open-addressing table and one key arena:
/// the trainer's memory is this table, not the corpus.
final class WordCounter {
    /// One open-addressing slot of 16 bytes: the word's first 8 bytes, a tag (24 bits of its hash
    /// and its length up to 255), and its entry. Most probes, and every word of up to 8 bytes,
    /// are decided in this one slot.
    private struct Slot {
        var inlineKey: UInt64 = 0
        var tag: UInt32 = 0
        var entry: Int32 = -1
    }

    /// Everything in one value, so that an `add` is one exclusive access, not one per array.
    private struct Storage {
        var slots: [Slot]
        var mask: Int
        /// Entry `e`'s bytes are `arena[starts[e]..<starts[e + 1]]`.
        var starts: [Int] = [0]
        var counts: [UInt64] = []
        var arena: [UInt8] = []

        @inline(__always)
        static func tag(_ hash: UInt64, _ length: Int) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 40) << 8 | UInt32(min(length, 255)) }

        mutating func add(_ word: UnsafeRawBufferPointer, count: UInt64) {
            let h = BytesTable.hash(word)
            let key = word.isEmpty ? 0 : PieceCache.inlineKey(word)
            let tag = Self.tag(h, word.count)
            var i = Int(truncatingIfNeeded: h) & mask
            let found: Int32 = slots.withUnsafeBufferPointer { slots in
                while true {
                    let slot = slots[i]
                    if slot.entry < 0 { return -1 }
                    if slot.tag == tag && slot.inlineKey == key && (word.count <= 8 || equalTail(Int(slot.entry), word)) {
                        return slot.entry
                    }
                    i = (i + 1) & mask
                }
            }
            if found >= 0 { counts[Int(found)] += count; return }
            slots[i] = Slot(inlineKey: key, tag: tag, entry: Int32(counts.count))
            counts.append(count)
            arena.append(contentsOf: word)
            starts.append(arena.count)
            if counts.count * 2 > slots.count { grow() }
        }

        /// Whether entry `e` is `word` (longer than 8 bytes, its first 8 bytes already equal).
        private func equalTail(_ e: Int, _ word: UnsafeRawBufferPointer) -> Bool {
            let s = starts[e]
            guard starts[e + 1] - s == word.count else { return false }
            return arena.withUnsafeBytes { a in memcmp(a.baseAddress! + s + 8, word.baseAddress! + 8, word.count - 8) == 0 }
        }

        /// Doubles the table; slot positions come from each word's hash, recomputed.
        private mutating func grow() {
            let old = slots
            slots = [Slot](repeating: Slot(), count: old.count * 2)
            mask = slots.count - 1
            arena.withUnsafeBytes { a in
                for slot in old where slot.entry >= 0 {
                    let e = Int(slot.entry)
                    let h = BytesTable.hash(UnsafeRawBufferPointer(rebasing: a[starts[e]..<starts[e + 1]]))
                    var i = Int(truncatingIfNeeded: h) & mask
                    while slots[i].entry >= 0 { i = (i + 1) & mask }
                    slots[i] = slot
                }
            }
        }
    }

    private var storage: Storage

    init(capacity: Int = 1 << 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        storage = Storage(slots: [Slot](repeating: Slot(), count: size), mask: size - 1)
    }

    var count: Int { storage.counts.count }
    var counts: [UInt64] { storage.counts }
    var arena: [UInt8] { storage.arena }
    /// Entry `e`'s bytes are `arena[starts[e]..<starts[e + 1]]`.
    var starts: [Int] { storage.starts }

    func add(_ word: UnsafeRawBufferPointer, count: UInt64 = 1) { storage.add(word, count: count) }

    func word(_ e: Int) -> ArraySlice<UInt8> { storage.arena[storage.starts[e]..<storage.starts[e + 1]] }

    /// Adds every word of `other` (in its insertion order, so merging is deterministic).
    func merge(_ other: WordCounter) {
        other.storage.arena.withUnsafeBytes { raw in
            for e in 0..<other.count {
                let w = other.word(e)
                add(UnsafeRawBufferPointer(rebasing: raw[w.startIndex..<w.endIndex]), count: other.storage.counts[e])
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
