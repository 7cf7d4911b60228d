import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pieces' ids, shared by every encoder of one BPE model on every thread: a piece is merged once
/// per model, not once per thread. (With a cache per thread, each of N threads merged every
/// distinct piece itself: on 54 MB of English, 2 threads spent 84 ms merging against 36 ms for
/// 1 thread — the largest part of what kept 2 threads from halving the time.)
///
/// The ids of a piece depend on the model alone, so an entry is written once and never changed;
/// a slot is claimed with a compare-and-swap on its tag, filled, then published by storing the
/// tag with release ordering, and readers load the tag with acquire ordering before reading the
/// rest. Two threads that miss the same piece at once both merge it and may both store it — the
/// same ids twice, which is harmless. Memory is bounded: when `maxEntries` slots or an arena is
/// used up the cache stops taking entries (as Hugging Face's cache does when full), and the
/// encoders keep the pieces that arrive after that in small caches of their own (`PieceCache`).
///
/// Slots and arenas are anonymous mappings: zero (every slot empty) without a `memset`, and
/// page-aligned, so that no 32-byte slot straddles two cache lines. The slots are touched once an
/// encoder is made (`prepare`), not by a model that only decodes; the arenas as they fill.
final class SharedPieceCache: @unchecked Sendable {
    struct Slot: ~Copyable {
        /// 0: empty; 1: being written; else the piece's hash with the top bit set, stored last.
        let tag: Atomic<UInt64>
        /// The first (up to) 8 key bytes, little-endian, zero-padded.
        var inlineKey: UInt64
        /// Offset of the key in `keys` when longer than 8 bytes.
        var keyStart: UInt32
        /// The id itself when `idCount == 1`, else the offset in `ids`.
        var idOrStart: UInt32
        var keyLength: UInt16
        var idCount: UInt16
    }

    /// What an encoder keeps to look pieces up: plain pointers, so that a hit touches no
    /// reference count.
    struct View {
        let slots: UnsafeMutablePointer<Slot>
        let keys: UnsafeMutablePointer<UInt8>
        let ids: UnsafeMutablePointer<UInt32>
        let mask: Int
    }

    static let maxKeyLength = 256
    fileprivate static let published: UInt64 = 1 << 63

    let view: View
    private let slotBytes: Int
    private let prepared = Atomic<Bool>(false)
    private let maxEntries: Int
    private let keyCapacity: Int
    private let idCapacity: Int
    private let used = Atomic<Int>(0)
    private let keysUsed = Atomic<Int>(0)
    private let idsUsed = Atomic<Int>(0)
    private let full = Atomic<Bool>(false)

    /// - Parameters: entries: the most pieces kept (the table has twice as many slots);
    ///   keyBytes, idCount: the arenas for keys longer than 8 bytes and for pieces of several ids.
    init(entries: Int = 1 << 17, keyBytes: Int = 1 << 22, idCount: Int = 1 << 20) {
        var size = 16
        while size < entries * 2 { size <<= 1 }
        slotBytes = size * MemoryLayout<Slot>.stride
        view = View(slots: Self.map(slotBytes).bindMemory(to: Slot.self, capacity: size),
                    keys: Self.map(keyBytes).bindMemory(to: UInt8.self, capacity: keyBytes),
                    ids: Self.map(idCount * MemoryLayout<UInt32>.stride).bindMemory(to: UInt32.self, capacity: idCount),
                    mask: size - 1)
        maxEntries = min(entries, size / 2)
        keyCapacity = keyBytes
        idCapacity = idCount
    }

    deinit {
        munmap(UnsafeMutableRawPointer(view.slots), slotBytes)
        munmap(UnsafeMutableRawPointer(view.keys), keyCapacity)
        munmap(UnsafeMutableRawPointer(view.ids), idCapacity * MemoryLayout<UInt32>.stride)
    }

    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            fatalError("piece cache: cannot map \(bytes) bytes")
        }
        return p
    }

    /// Called as an encoder is made: the first call maps every slot page in, at once and written
    /// (Linux `MADV_POPULATE_WRITE`), instead of page by page as lookups and inserts reach them —
    /// a lookup that reaches a page first maps the shared zero page, and the insert that follows
    /// faults again. Later calls, and other systems, do nothing; no caller waits for another.
    func prepare() {
        #if os(Linux)
        if !prepared.exchange(true, ordering: .relaxed) {
            _ = madvise(UnsafeMutableRawPointer(view.slots), slotBytes, 23 /* MADV_POPULATE_WRITE, Linux 5.14+ */)
        }
        #endif
    }

    /// Whether the cache has stopped taking entries.
    var isFull: Bool { full.load(ordering: .relaxed) }

    /// Stores the ids of `piece`; false when the piece was not stored because the cache is full.
    /// (A piece the cache never holds — empty, longer than `maxKeyLength` — returns true.)
    func insert(_ piece: UnsafeRawBufferPointer, hash h: UInt64, ids newIDs: ArraySlice<UInt32>) -> Bool {
        guard !piece.isEmpty, piece.count <= Self.maxKeyLength, !newIDs.isEmpty, newIDs.count < Int(UInt16.max) else { return true }
        if full.load(ordering: .relaxed) { return false }
        if used.add(1, ordering: .relaxed).oldValue >= maxEntries { return stop() }
        var keyStart = 0
        if piece.count > 8 {
            keyStart = keysUsed.add(piece.count, ordering: .relaxed).oldValue
            guard keyStart + piece.count <= keyCapacity else { return stop() }
            (view.keys + keyStart).update(from: piece.baseAddress!.assumingMemoryBound(to: UInt8.self), count: piece.count)
        }
        var idOrStart = newIDs.first!
        if newIDs.count > 1 {
            let start = idsUsed.add(newIDs.count, ordering: .relaxed).oldValue
            guard start + newIDs.count <= idCapacity else { return stop() }
            newIDs.withUnsafeBufferPointer { (view.ids + start).update(from: $0.baseAddress!, count: $0.count) }
            idOrStart = UInt32(start)
        }
        let slots = view.slots
        var i = Int(truncatingIfNeeded: h) & view.mask
        while true {
            if slots[i].tag.load(ordering: .relaxed) == 0,
               slots[i].tag.compareExchange(expected: 0, desired: 1, ordering: .relaxed).exchanged {
                slots[i].inlineKey = PieceCache.inlineKey(piece)
                slots[i].keyStart = UInt32(keyStart)
                slots[i].idOrStart = idOrStart
                slots[i].keyLength = UInt16(piece.count)
                slots[i].idCount = UInt16(newIDs.count)
                slots[i].tag.store(h | Self.published, ordering: .releasing)
                return true
            }
            i = (i + 1) & view.mask
        }
    }

    private func stop() -> Bool {
        full.store(true, ordering: .relaxed)
        return false
    }
}

extension SharedPieceCache.View {
    /// Appends the cached ids of `piece` to `out` and returns true, or returns false.
    @inline(__always)
    func appendCached(_ piece: UnsafeRawBufferPointer, hash h: UInt64, to out: inout [UInt32]) -> Bool {
        if piece.isEmpty { return false }
        let key = PieceCache.inlineKey(piece)
        let tag = h | SharedPieceCache.published
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots + i
            let t = slot.pointee.tag.load(ordering: .acquiring)
            if t == 0 { return false }
            if t == tag && Int(slot.pointee.keyLength) == piece.count && slot.pointee.inlineKey == key
                && (piece.count <= 8 || memcmp(keys + Int(slot.pointee.keyStart), piece.baseAddress!, piece.count) == 0) {
                let count = Int(slot.pointee.idCount)
                if count == 1 { out.append(slot.pointee.idOrStart) } else {
                    out.append(contentsOf: UnsafeBufferPointer(start: ids + Int(slot.pointee.idOrStart), count: count))
                }
                return true
            }
            i = (i + 1) & mask
        }
    }
}
