#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A per-encoder cache from pre-token bytes to their ids. Natural text repeats its words, so most
/// pieces are encoded once; the cache is cleared when it reaches its size limit (bounded memory).
/// A value type, held in the encoder's state and passed `inout`, so lookups pay no exclusivity
/// checks.
struct PieceCache {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var keyStarts: [Int32] = []
    private var keyLengths: [Int32] = []
    private var idStarts: [Int32] = []
    private var idCounts: [Int32] = []
    private var keys: [UInt8] = []
    private var ids: [UInt32] = []
    private let mask: Int
    private let maxEntries: Int
    static let maxKeyLength = 256

    init(entries: Int = 1 << 17) {
        var size = 16
        while size < entries * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        maxEntries = entries
        do {
            hashes.reserveCapacity(entries); keyStarts.reserveCapacity(entries); keyLengths.reserveCapacity(entries)
            idStarts.reserveCapacity(entries); idCounts.reserveCapacity(entries)
            keys.reserveCapacity(entries * 8); ids.reserveCapacity(entries * 2)
        }
    }

    /// Appends the cached ids of `piece` to `out` and returns true, or returns false.
    @inline(__always)
    func appendCached(_ piece: UnsafeRawBufferPointer, hash h: UInt64, to out: inout [UInt32]) -> Bool {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[i])
            if e < 0 { return false }
            if hashes[e] == h && matches(e, piece) {
                let s = Int(idStarts[e]), c = Int(idCounts[e])
                ids.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[s..<(s + c)])) }
                return true
            }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    private func matches(_ e: Int, _ piece: UnsafeRawBufferPointer) -> Bool {
        guard Int(keyLengths[e]) == piece.count else { return false }
        let s = Int(keyStarts[e])
        return keys.withUnsafeBufferPointer { k in memcmp(k.baseAddress! + s, piece.baseAddress!, piece.count) == 0 }
    }

    mutating func insert(_ piece: UnsafeRawBufferPointer, hash h: UInt64, ids newIDs: ArraySlice<UInt32>) {
        guard piece.count <= Self.maxKeyLength else { return }
        if hashes.count >= maxEntries { clear() }
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(hashes.count)
        hashes.append(h)
        keyStarts.append(Int32(keys.count))
        keyLengths.append(Int32(piece.count))
        idStarts.append(Int32(ids.count))
        idCounts.append(Int32(newIDs.count))
        keys.append(contentsOf: piece)
        ids.append(contentsOf: newIDs)
    }

    private mutating func clear() {
        for k in slots.indices { slots[k] = -1 }
        hashes.removeAll(keepingCapacity: true)
        keyStarts.removeAll(keepingCapacity: true)
        keyLengths.removeAll(keepingCapacity: true)
        idStarts.removeAll(keepingCapacity: true)
        idCounts.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { BytesTable.hash(bytes) }
}
