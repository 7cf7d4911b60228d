#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open-addressing hash map from a pair of token ids to (rank, merged id): the merge table of a
/// BPE model. Keys and values are single `UInt64`s; lookups are one multiply, one mask and
/// usually one probe.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Inserts unless the pair is present (the first — lowest-rank — merge of a pair wins).
    mutating func insertIfAbsent(_ a: UInt32, _ b: UInt32, rank: UInt32, id: UInt32) {
        let key = UInt64(a) << 32 | UInt64(b)
        var i = Self.slot(key, mask)
        while keys[i] != Self.empty {
            if keys[i] == key { return }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = UInt64(rank) << 32 | UInt64(id)
        count += 1
    }

    /// (rank << 32 | id), or `UInt64.max` when the pair has no merge.
    @inline(__always)
    func lookup(_ a: UInt32, _ b: UInt32) -> UInt64 {
        let key = UInt64(a) << 32 | UInt64(b)
        return keys.withUnsafeBufferPointer { k in
            var i = Self.slot(key, mask)
            while true {
                let found = k[i]
                if found == key { return values.withUnsafeBufferPointer { $0[i] } }
                if found == Self.empty { return UInt64.max }
                i = (i + 1) & mask
            }
        }
    }
}

/// Open-addressing map from byte strings to ids (whole-token lookup), keys stored in one arena.
struct BytesTable: Sendable {
    private var slots: [Int32]          // index into entries, -1 empty
    private var hashes: [UInt64] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var ids: [UInt32] = []
    private var arena: [UInt8] = []
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        // FNV-1a with a final mix over a typed pointer: short keys, no allocation.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        guard let base = bytes.baseAddress else { return h }
        let p = base.assumingMemoryBound(to: UInt8.self)
        for i in 0..<bytes.count { h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3 }
        return h ^ (h >> 29)
    }

    mutating func insert(_ bytes: [UInt8], id: UInt32) {
        bytes.withUnsafeBytes { raw in
            let h = Self.hash(raw)
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 {
                let e = Int(slots[i])
                if hashes[e] == h && equal(e, raw) { return }
                i = (i + 1) & mask
            }
            slots[i] = Int32(ids.count)
            hashes.append(h)
            starts.append(Int32(arena.count))
            lengths.append(Int32(raw.count))
            ids.append(id)
            arena.append(contentsOf: raw)
        }
    }

    @inline(__always)
    private func equal(_ e: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        guard Int(lengths[e]) == raw.count else { return false }
        if raw.isEmpty { return true }
        let s = Int(starts[e])
        return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + s, raw.baseAddress!, raw.count) == 0 }
    }

    @inline(__always)
    func get(_ raw: UnsafeRawBufferPointer) -> UInt32? { get(raw, hash: Self.hash(raw)) }

    /// Lookup with a hash already computed by `BytesTable.hash`.
    @inline(__always)
    func get(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 {
            let e = Int(slots[i])
            if hashes[e] == h && equal(e, raw) { return ids[e] }
            i = (i + 1) & mask
        }
        return nil
    }

    func get(_ bytes: [UInt8]) -> UInt32? { bytes.withUnsafeBytes { get($0) } }
}
