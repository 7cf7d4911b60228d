#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The slot of a pair key (two ids in a `UInt64`) in a power-of-two open-addressing table:
/// Fibonacci hashing, shared by the merge table, the trainer's pair counts and the piece trie.
enum PairHash {
    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }
}

/// Fixed-size storage of a read-only table. Encoders read it through a plain pointer, so the
/// threads that share a tokenizer never touch a reference count on the hot path (atomic
/// reference counting on a shared array buffer makes its cache line bounce between cores).
final class TableStorage<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, initial: T) {
        self.count = max(count, 1)
        pointer = .allocate(capacity: self.count)
        pointer.initialize(repeating: initial, count: self.count)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }
}

/// Open-addressing hash map from a pair of token ids to (rank, merged id): the merge table of a
/// BPE model. A slot is a (key, value) pair of `UInt64`s; lookups are one multiply, one mask and
/// usually one probe. Built once, then read-only.
struct PairTable: @unchecked Sendable {
    private let storage: TableStorage<(UInt64, UInt64)>
    private let slots: UnsafeMutablePointer<(UInt64, UInt64)>
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        storage = TableStorage(count: size, initial: (Self.empty, 0))
        slots = storage.pointer
        mask = size - 1
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int { PairHash.slot(key, mask) }

    /// Inserts unless the pair is present (the first — lowest-rank — merge of a pair wins).
    mutating func insertIfAbsent(_ a: UInt32, _ b: UInt32, rank: UInt32, id: UInt32) {
        let key = UInt64(a) << 32 | UInt64(b)
        var i = Self.slot(key, mask)
        while slots[i].0 != Self.empty {
            if slots[i].0 == key { return }
            i = (i + 1) & mask
        }
        slots[i] = (key, UInt64(rank) << 32 | UInt64(id))
        count += 1
    }

    /// (rank << 32 | id), or `UInt64.max` when the pair has no merge.
    @inline(__always)
    func lookup(_ a: UInt32, _ b: UInt32) -> UInt64 {
        let key = UInt64(a) << 32 | UInt64(b)
        var i = Self.slot(key, mask)
        while true {
            let found = slots[i]
            if found.0 == key { return found.1 }
            if found.0 == Self.empty { return UInt64.max }
            i = (i + 1) & mask
        }
    }
}

/// Open-addressing map from byte strings to ids (whole-token lookup).
///
/// Entries are 24 bytes — hash, the first 8 key bytes inline, and the id — so a lookup of a key
/// of up to 8 bytes (most tokens) reads one cache line; longer keys are compared in an arena.
/// Read-only after building, it is shared by every encoder thread.
struct BytesTable: @unchecked Sendable {
    struct Entry: Sendable {
        var hash: UInt64 = 0
        var inlineKey: UInt64 = 0
        var id: UInt32 = 0
        /// Key length + 1 (0 marks an empty slot).
        var lengthPlusOne: UInt32 = 0
    }

    private let storage: TableStorage<Entry>
    private let entries: UnsafeMutablePointer<Entry>
    private let keyStorage: TableStorage<Int32>
    private let keyStarts: UnsafeMutablePointer<Int32>
    private let arenaStorage: TableStorage<UInt8>
    private let arena: UnsafeMutablePointer<UInt8>
    private var arenaUsed = 0
    private let mask: Int

    /// - Parameters: capacity: the number of keys; keyBytes: their total length (an upper bound).
    init(capacity: Int, keyBytes: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        storage = TableStorage(count: size, initial: Entry())
        entries = storage.pointer
        keyStorage = TableStorage(count: size, initial: -1)
        keyStarts = keyStorage.pointer
        arenaStorage = TableStorage(count: keyBytes, initial: 0)
        arena = arenaStorage.pointer
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
            if get(raw, hash: h) != nil { return }
            var i = Int(truncatingIfNeeded: h) & mask
            while entries[i].lengthPlusOne != 0 { i = (i + 1) & mask }
            entries[i] = Entry(hash: h, inlineKey: PieceCache.inlineKey(raw), id: id, lengthPlusOne: UInt32(raw.count + 1))
            if raw.count > 8 {
                precondition(arenaUsed + raw.count <= arenaStorage.count, "BytesTable key arena too small")
                keyStarts[i] = Int32(arenaUsed)
                (arena + arenaUsed).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
                arenaUsed += raw.count
            }
        }
    }

    @inline(__always)
    func get(_ raw: UnsafeRawBufferPointer) -> UInt32? { get(raw, hash: Self.hash(raw)) }

    /// Lookup with a hash already computed by `BytesTable.hash`.
    @inline(__always)
    func get(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        if raw.isEmpty { return nil }
        let key = PieceCache.inlineKey(raw)
        let length = UInt32(raw.count + 1)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = entries[i]
            if e.lengthPlusOne == 0 { return nil }
            if e.hash == h && e.lengthPlusOne == length && e.inlineKey == key {
                if raw.count <= 8 || memcmp(arena + Int(keyStarts[i]), raw.baseAddress!, raw.count) == 0 { return e.id }
            }
            i = (i + 1) & mask
        }
    }

    func get(_ bytes: [UInt8]) -> UInt32? { bytes.withUnsafeBytes { get($0) } }
}
