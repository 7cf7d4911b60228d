#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Words' best Unigram segmentations, by word bytes, each with the condition under which it is
/// exactly what sentencepiece's Viterbi picks after the text before the word (see
/// `UnigramWordPath`). A direct-mapped table (a new word evicts the one in its slot, so frequent
/// words stay without wholesale clearing) over append-only arenas of key tails and long paths,
/// cleared when full.
final class UnigramWordCache {
    /// One 32-byte slot: a hit on a word of up to 8 bytes with up to 3 ids reads nothing else.
    private struct Slot {
        /// The word's first 8 bytes, little-endian, zero-padded.
        var inlineKey: UInt64 = 0
        /// Where the rest of a longer word's bytes are in `keys`.
        var keyStart: UInt32 = 0
        /// The path is the float32 Viterbi's only while |score before the word| < limit.
        var limit: Float = 0
        /// Up to 3 ids in place; more are in `ids` from `id0`.
        var id0: UInt32 = 0, id1: UInt32 = 0, id2: UInt32 = 0
        var keyLength: UInt8 = 0
        /// 0 marks an empty slot.
        var idCount: UInt8 = 0
    }
    static let maxWordBytes = 255
    private static let inlineIDs = 3

    private let slots: UnsafeMutablePointer<Slot>
    private let keys: UnsafeMutablePointer<UInt8>
    private let ids: UnsafeMutablePointer<UInt32>
    private var keyCount = 0
    private var idCount = 0
    private let mask: Int
    private let arenaLimit: Int
    private let idsOffset = MemoryLayout<Slot>.offset(of: \Slot.id0)!

    /// 2¹⁶ slots of 32 bytes: 2 MiB, this machine's L2 cache per core.
    init(slots count: Int = 1 << 16, arenaLimit: Int = 1 << 20) {
        precondition(count > 0 && count & (count - 1) == 0, "the slot count is a power of two")
        slots = .allocate(capacity: count)
        slots.initialize(repeating: Slot(), count: count)
        keys = .allocate(capacity: arenaLimit)
        ids = .allocate(capacity: arenaLimit)
        mask = count - 1
        self.arenaLimit = arenaLimit
    }

    deinit {
        slots.deallocate()
        keys.deallocate()
        ids.deallocate()
    }

    /// A word's key (its first 8 bytes) and hash, 8 bytes at a time; `readable` bytes may be
    /// read from the word's start (at least its length).
    @inline(__always)
    static func keyAndHash(_ word: UnsafeRawBufferPointer, readable: Int) -> (key: UInt64, hash: UInt64) {
        let p = word.baseAddress!, n = word.count
        let key = PieceCache.load(p, count: n, readable: readable)
        var h = (key ^ UInt64(n)) &* 0x9E37_79B9_7F4A_7C15
        var offset = 8
        while offset < n {
            h = (h ^ (h >> 29) ^ PieceCache.load(p + offset, count: n - offset, readable: readable - offset)) &* 0xBF58_476D_1CE4_E5B9
            offset += 8
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        return (key, h ^ (h >> 33))
    }

    /// The cached path of `word` (its ids, valid until the next `insert`, and its limit), or nil.
    @inline(__always)
    func find(_ word: UnsafeRawBufferPointer, key: UInt64, hash h: UInt64) -> (ids: UnsafeBufferPointer<UInt32>, limit: Float)? {
        let slot = slots + (Int(truncatingIfNeeded: h) & mask)
        let n = Int(slot.pointee.idCount)
        guard n != 0, slot.pointee.inlineKey == key, Int(slot.pointee.keyLength) == word.count else { return nil }
        if word.count > 8 && memcmp(keys + Int(slot.pointee.keyStart), word.baseAddress! + 8, word.count - 8) != 0 { return nil }
        let start = n <= Self.inlineIDs
            ? (UnsafeRawPointer(slot) + idsOffset).assumingMemoryBound(to: UInt32.self)
            : UnsafePointer(ids + Int(slot.pointee.id0))
        return (UnsafeBufferPointer(start: start, count: n), slot.pointee.limit)
    }

    func insert(_ word: UnsafeRawBufferPointer, key: UInt64, hash h: UInt64, path: UnigramWordPath) {
        let n = path.ids.count
        guard !word.isEmpty, word.count <= Self.maxWordBytes, n > 0, n <= Int(UInt8.max), word.count <= arenaLimit, n <= arenaLimit else { return }
        let tailBytes = max(0, word.count - 8), arenaIDs = n > Self.inlineIDs ? n : 0
        if keyCount + tailBytes > arenaLimit || idCount + arenaIDs > arenaLimit {
            for i in 0...mask { slots[i].idCount = 0 }
            keyCount = 0
            idCount = 0
        }
        var e = Slot(inlineKey: key, keyStart: UInt32(keyCount), limit: path.limit,
                     keyLength: UInt8(word.count), idCount: UInt8(n))
        if tailBytes > 0 {
            (keys + keyCount).initialize(from: word.bindMemory(to: UInt8.self).baseAddress! + 8, count: tailBytes)
            keyCount += tailBytes
        }
        let p = path.ids.baseAddress!
        if arenaIDs > 0 {
            e.id0 = UInt32(idCount)
            (ids + idCount).initialize(from: p, count: n)
            idCount += n
        } else {
            e.id0 = p[0]
            if n > 1 { e.id1 = p[1] }
            if n > 2 { e.id2 = p[2] }
        }
        slots[Int(truncatingIfNeeded: h) & mask] = e
    }
}

/// A word's best segmentation, and how far from zero the path score before the word may be for
/// sentencepiece's Viterbi to pick the same one.
///
/// sentencepiece adds the path scores along the whole text in float32, so inside a word every
/// value is C + (a sum of node scores), C the score before the word, each addition rounded
/// (u = 2⁻²⁴). By induction over the word's positions, when every choice goes the exact way, a
/// value reached after d nodes is off its exact value by at most d·u·M (M ≥ every |value|: |C| +
/// the largest |local value|), slightly more for the (1 + u)ᵈ factor; the local values here are
/// double sums from 0 (exact for float32 scores of this range; counted as off by d·u·max|local|
/// all the same). So if at every position the best local
/// candidate beats every other by more than 2·n·u·(|C| + 2·max|local|) (n = the word's
/// characters, which bounds d), each comparison at run time goes the same way whatever the
/// rounding. That holds while |C| < margin / (2·n·u) − 2·max|local| (with 1% slack): the
/// `limit`. The value after the word is then the sum of C and the path's scores in order, as the
/// relaxation computes it. Exact ties get no limit (rounding decides them), nor does a path
/// with an unknown piece.
final class UnigramWordPath {
    /// The path's ids, valid after `compute` until the next call.
    private(set) var ids: UnsafeBufferPointer<UInt32>
    private(set) var limit: Float = -1
    private let capacity: Int
    private let best: UnsafeMutablePointer<Double>
    private let second: UnsafeMutablePointer<Double>
    private let from: UnsafeMutablePointer<Int32>
    private let nodeID: UnsafeMutablePointer<UInt32>
    private let path: UnsafeMutablePointer<UInt32>

    /// For words of up to `maxBytes` bytes.
    init(maxBytes: Int) {
        capacity = maxBytes + 1
        best = .allocate(capacity: capacity)
        second = .allocate(capacity: capacity)
        from = .allocate(capacity: capacity)
        nodeID = .allocate(capacity: capacity)
        path = .allocate(capacity: capacity)
        ids = UnsafeBufferPointer(start: path, count: 0)
    }

    deinit {
        best.deallocate(); second.deallocate(); from.deallocate(); nodeID.deallocate(); path.deallocate()
    }

    /// `nodes`: the lattice of a word of `n` bytes as pairs (start << 16 | end, id), in order of
    /// start.
    func compute(_ nodes: UnsafeBufferPointer<UInt32>, wordBytes n: Int, scores: UnsafeBufferPointer<Float>, unknown: UInt32) {
        precondition(n < capacity, "a word of \(n) bytes is longer than the path buffers")
        best.update(repeating: -.infinity, count: n + 1)
        second.update(repeating: -.infinity, count: n + 1)
        from.update(repeating: -1, count: n + 1)
        best[0] = 0
        var largest = 0.0
        var characters = 0
        var lastStart = -1
        var k = 0
        while k + 1 < nodes.count {
            let se = nodes[k], id = nodes[k + 1]
            let start = Int(se >> 16), end = Int(se & 0xFFFF)
            if start != lastStart { characters += 1; lastStart = start }
            let v = best[start] + Double(scores[Int(id)])
            largest = max(largest, abs(v))
            // Branch-free: which candidate wins is data, not a predictable branch.
            let b1 = best[end], b2 = second[end]
            let better = v > b1
            best[end] = better ? v : b1
            second[end] = better ? b1 : max(b2, v)
            from[end] = better ? Int32(start) : from[end]
            nodeID[end] = better ? id : nodeID[end]
            k += 2
        }
        var margin = Double.infinity
        for e in 1...n where second[e] > -.infinity { margin = min(margin, best[e] - second[e]) }
        limit = -1
        ids = UnsafeBufferPointer(start: path, count: 0)
        // The path, read back from the end into the tail of `path`.
        var count = 0
        var e = n
        while e > 0 {
            guard from[e] >= 0, nodeID[e] != unknown else { return }
            count += 1
            path[capacity - count] = nodeID[e]
            e = Int(from[e])
        }
        ids = UnsafeBufferPointer(start: path + (capacity - count), count: count)
        let bound = margin / (2.02 * Double(characters) * 0x1p-24) - 2 * largest - 1
        limit = bound > 0 ? Float(bound) : -1
    }
}
