#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A per-encoder cache from pre-token bytes to their ids (SentencePiece BPE; BPE encoders keep
/// one only for the pieces that arrive once the model's `SharedPieceCache` is full). Natural text
/// repeats its words, so most pieces are encoded once; the cache is cleared when it reaches its
/// size limit (bounded memory).
///
/// Why it is fast: open addressing directly over 32-byte entries that hold the hash, a key of up
/// to 8 bytes inline, and a single id inline — so a typical hit (a short piece that is one token)
/// touches one cache line. Longer keys and multi-id results live in two arenas. A value type, held
/// in the encoder's state and passed `inout`, so lookups pay no exclusivity checks.
struct PieceCache {
    struct Entry {
        var hash: UInt64 = 0
        /// The first (up to) 8 key bytes, little-endian, zero-padded.
        var inlineKey: UInt64 = 0
        /// Offset of the key in `keys` when longer than 8 bytes.
        var keyStart: UInt32 = 0
        /// The id itself when `idCount == 1`, else the offset in `ids`.
        var idOrStart: UInt32 = 0
        var keyLength: UInt16 = 0
        /// 0 marks an empty slot.
        var idCount: UInt16 = 0
    }

    private var table: [Entry]
    private var keys: [UInt8] = []
    private var ids: [UInt32] = []
    private let mask: Int
    private let maxEntries: Int
    private var used = 0
    static let maxKeyLength = 256

    init(entries: Int = 1 << 17) {
        var size = 16
        while size < entries * 2 { size <<= 1 }
        table = [Entry](repeating: Entry(), count: size)
        mask = size - 1
        maxEntries = entries
    }

    @inline(__always)
    static func inlineKey(_ piece: UnsafeRawBufferPointer) -> UInt64 {
        load(piece.baseAddress!, count: piece.count, readable: piece.count)
    }

    /// Up to 8 bytes at `p` as a little-endian integer, zero-padded; `readable` bytes may be read
    /// from `p` (one unaligned load when at least 8).
    @inline(__always)
    static func load(_ p: UnsafeRawPointer, count: Int, readable: Int) -> UInt64 {
        if readable >= 8 {
            let v = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            return count >= 8 ? v : v & ((1 << (8 * UInt64(count))) &- 1)
        }
        var v: UInt64 = 0
        for i in 0..<min(count, 8) { v |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
        return v
    }

    /// Appends the cached ids of `piece` to `out` and returns true, or returns false.
    @inline(__always)
    func appendCached(_ piece: UnsafeRawBufferPointer, hash h: UInt64, to out: inout [UInt32]) -> Bool {
        if piece.isEmpty { return false }
        let key = Self.inlineKey(piece)
        return table.withUnsafeBufferPointer { t in
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let e = t[i]
                if e.idCount == 0 { return false }
                if e.hash == h && Int(e.keyLength) == piece.count && e.inlineKey == key
                    && (piece.count <= 8 || keys.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(e.keyStart), piece.baseAddress!, piece.count) == 0 }) {
                    if e.idCount == 1 { out.append(e.idOrStart) } else {
                        let s = Int(e.idOrStart), c = Int(e.idCount)
                        ids.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[s..<(s + c)])) }
                    }
                    return true
                }
                i = (i + 1) & mask
            }
        }
    }

    mutating func insert(_ piece: UnsafeRawBufferPointer, hash h: UInt64, ids newIDs: ArraySlice<UInt32>) {
        guard !piece.isEmpty, piece.count <= Self.maxKeyLength, !newIDs.isEmpty, newIDs.count < Int(UInt16.max) else { return }
        if used >= maxEntries { clear() }
        var e = Entry(hash: h, inlineKey: Self.inlineKey(piece), keyStart: 0, idOrStart: 0,
                      keyLength: UInt16(piece.count), idCount: UInt16(newIDs.count))
        if piece.count > 8 {
            e.keyStart = UInt32(keys.count)
            keys.append(contentsOf: piece)
        }
        if newIDs.count == 1 { e.idOrStart = newIDs.first! } else {
            e.idOrStart = UInt32(ids.count)
            ids.append(contentsOf: newIDs)
        }
        var i = Int(truncatingIfNeeded: h) & mask
        while table[i].idCount != 0 { i = (i + 1) & mask }
        table[i] = e
        used += 1
    }

    private mutating func clear() {
        for i in table.indices { table[i].idCount = 0 }
        keys.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        used = 0
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { BytesTable.hash(bytes) }
}
