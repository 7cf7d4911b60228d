import TokenMillCore

/// A BPE model: vocabulary, merge table and how a piece becomes its first symbols.
///
/// Two merge semantics share one loop. Hugging Face: the pair with the lowest merge rank is
/// merged first (leftmost on ties), and only pairs in the merge list merge. tiktoken: the pair
/// whose concatenation has the lowest rank merges first — built into the same `PairTable` by
/// listing, for every token, the ways it splits into two tokens. So both are "lowest
/// (rank, position) first" over a `PairTable`.
public struct BPEModel: Sendable {
    /// Bytes of each id: raw bytes for byte-level models, the UTF-8 of the token otherwise.
    public let tokenBytes: [[UInt8]]
    let pairs: PairTable
    let whole: BytesTable
    /// Byte-level: each byte is a symbol of its own (`byteIDs`); else symbols are characters.
    public let byteLevel: Bool
    let byteIDs: [UInt32]
    /// Look the whole piece up before merging (tiktoken; HF `ignore_merges`).
    public let ignoreMerges: Bool
    public let unkID: UInt32?
    public let fuseUnk: Bool
    public let byteFallback: Bool
    let fallbackIDs: [UInt32]
    /// Pieces already encoded, shared by every encoder of this model (replaced only by tests).
    var pieceCache = SharedPieceCache()

    public var vocabularySize: Int { tokenBytes.count }

    /// - Parameters:
    ///   - tokenBytes: bytes per id (ids are array positions; missing ids hold `[]`).
    ///   - merges: (left, right, merged) ids in rank order.
    init(tokenBytes: [[UInt8]], merges: [(UInt32, UInt32, UInt32)], byteLevel: Bool, ignoreMerges: Bool,
         unkID: UInt32?, fuseUnk: Bool, byteFallback: Bool) {
        self.tokenBytes = tokenBytes
        var table = PairTable(capacity: max(merges.count, 16))
        for (r, m) in merges.enumerated() { table.insertIfAbsent(m.0, m.1, rank: UInt32(r), id: m.2) }
        pairs = table
        var w = BytesTable(capacity: tokenBytes.count, keyBytes: tokenBytes.reduce(0) { $0 + $1.count })
        for (id, b) in tokenBytes.enumerated() where !b.isEmpty { w.insert(b, id: UInt32(id)) }
        whole = w
        self.byteLevel = byteLevel
        byteIDs = (0..<256).map { w.get([UInt8($0)]) ?? UInt32.max }
        self.ignoreMerges = ignoreMerges
        self.unkID = unkID
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        fallbackIDs = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            return w.get(Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".utf8)) ?? UInt32.max
        }
    }

    /// A tiktoken model: `ranks[i]` are the bytes of rank/id `i`. The merge table lists every
    /// split of a token into two tokens, ranked by the token's own rank.
    static func tiktoken(ranks: [[UInt8]]) -> BPEModel {
        var lookup = BytesTable(capacity: ranks.count, keyBytes: ranks.reduce(0) { $0 + $1.count })
        for (id, b) in ranks.enumerated() where !b.isEmpty { lookup.insert(b, id: UInt32(id)) }
        var merges: [(UInt32, UInt32, UInt32)] = []
        merges.reserveCapacity(ranks.count * 4)
        for (id, b) in ranks.enumerated() where b.count >= 2 {
            b.withUnsafeBytes { raw in
                for k in 1..<raw.count {
                    if let l = lookup.get(UnsafeRawBufferPointer(rebasing: raw[..<k])),
                       let r = lookup.get(UnsafeRawBufferPointer(rebasing: raw[k...])) {
                        merges.append((l, r, UInt32(id)))
                    }
                }
            }
        }
        // Rank of a merge = rank of its result; merges are inserted in id order, so rank == id.
        return BPEModel(tokenBytes: ranks, rankedMerges: merges, lookup: lookup)
    }

    private init(tokenBytes: [[UInt8]], rankedMerges: [(UInt32, UInt32, UInt32)], lookup: BytesTable) {
        self.tokenBytes = tokenBytes
        var table = PairTable(capacity: rankedMerges.count)
        for m in rankedMerges { table.insertIfAbsent(m.0, m.1, rank: m.2, id: m.2) }
        pairs = table
        whole = lookup
        byteLevel = true
        byteIDs = (0..<256).map { lookup.get([UInt8($0)]) ?? UInt32.max }
        ignoreMerges = true
        unkID = nil
        fuseUnk = false
        byteFallback = false
        fallbackIDs = []
    }

    /// The id of exactly these bytes, if it is a token.
    public func id(of bytes: [UInt8]) -> UInt32? { whole.get(bytes) }

    /// Appends the ids of one pre-token (`hash` is its `BytesTable.hash`).
    func encodePiece(_ piece: UnsafeRawBufferPointer, hash: UInt64, into ids: inout [UInt32], scratch: inout BPEScratch) {
        if piece.isEmpty { return }
        if ignoreMerges || piece.count == 1, byteLevel || ignoreMerges, let id = whole.get(piece, hash: hash) {
            ids.append(id)
            return
        }
        var syms = scratch.symbols
        scratch.symbols = []
        syms.removeAll(keepingCapacity: true)
        if byteLevel {
            for b in piece {
                let id = byteIDs[Int(b)]
                if id != UInt32.max { syms.append(id) } else if let u = unkID { syms.append(u) }
            }
        } else {
            initialCharacterSymbols(piece, &syms)
        }
        if syms.count > 1 {
            if syms.count <= 96 { mergeQuadratic(&syms, &scratch) } else { mergeWithHeap(&syms) }
        }
        ids.append(contentsOf: syms)
        scratch.symbols = syms
    }

    /// BPE of raw bytes as one piece (the byte path of byte-level models): the whole piece when it
    /// is a token, else byte symbols merged.
    func encodeRawPiece(_ piece: UnsafeRawBufferPointer, into ids: inout [UInt32], scratch: inout BPEScratch) {
        if piece.isEmpty { return }
        if let id = whole.get(piece), ignoreMerges || piece.count == 1 { ids.append(id); return }
        var syms = scratch.symbols
        scratch.symbols = []
        syms.removeAll(keepingCapacity: true)
        for b in piece where byteIDs[Int(b)] != UInt32.max { syms.append(byteIDs[Int(b)]) }
        if syms.count > 1 {
            if syms.count <= 96 { mergeQuadratic(&syms, &scratch) } else { mergeWithHeap(&syms) }
        }
        ids.append(contentsOf: syms)
        scratch.symbols = syms
    }

    /// Characters to ids for character-level models: unknown characters become their
    /// `<0xXX>` bytes with byte fallback, else `unk` (consecutive ones fused with `fuse_unk`).
    private func initialCharacterSymbols(_ piece: UnsafeRawBufferPointer, _ syms: inout [UInt32]) {
        var i = 0
        var lastWasUnk = false
        while i < piece.count {
            let b = piece[i]
            let len = UTF8Repair.sequenceLength(lead: b)
            let end = min(i + len, piece.count)
            let ch = UnsafeRawBufferPointer(rebasing: piece[i..<end])
            if let id = whole.get(ch) {
                syms.append(id)
                lastWasUnk = false
            } else if byteFallback, ch.allSatisfy({ fallbackIDs[Int($0)] != UInt32.max }) {
                for x in ch { syms.append(fallbackIDs[Int(x)]) }
                lastWasUnk = false
            } else if let u = unkID {
                if !(fuseUnk && lastWasUnk) { syms.append(u) }
                lastWasUnk = true
            }
            i = end
        }
    }

    /// Lowest (rank, position) first, by scanning: fastest for the short pieces that dominate.
    @inline(__always)
    private func mergeQuadratic(_ syms: inout [UInt32], _ scratch: inout BPEScratch) {
        var ranks = scratch.ranks
        scratch.ranks = []
        ranks.removeAll(keepingCapacity: true)
        for k in 0..<(syms.count - 1) { ranks.append(pairs.lookup(syms[k], syms[k + 1])) }
        while true {
            var best = UInt64.max
            var at = -1
            for k in 0..<ranks.count where ranks[k] < best {
                best = ranks[k]
                at = k
            }
            if at < 0 { break }
            syms[at] = UInt32(truncatingIfNeeded: best)
            syms.remove(at: at + 1)
            ranks.remove(at: at)
            if at < ranks.count { ranks[at] = pairs.lookup(syms[at], syms[at + 1]) }
            if at > 0 { ranks[at - 1] = pairs.lookup(syms[at - 1], syms[at]) }
        }
        scratch.ranks = ranks
    }

    /// The same order with a heap over a linked list: O(n log n) for long pieces.
    private func mergeWithHeap(_ syms: inout [UInt32]) {
        let n = syms.count
        var next = [Int32](repeating: 0, count: n)
        var prev = [Int32](repeating: 0, count: n)
        var alive = [Bool](repeating: true, count: n)
        for i in 0..<n { next[i] = i + 1 < n ? Int32(i + 1) : -1; prev[i] = Int32(i - 1) }
        var heap = BinaryHeap<RankedPosition>()
        for i in 0..<(n - 1) {
            let r = pairs.lookup(syms[i], syms[i + 1])
            if r != UInt64.max { heap.push(RankedPosition(key: r, pos: Int32(i))) }
        }
        while let top = heap.pop() {
            let key = top.key, pos = Int(top.pos)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = Int(next[pos])
            guard pairs.lookup(syms[pos], syms[right]) == key else { continue }
            syms[pos] = UInt32(truncatingIfNeeded: key)
            alive[right] = false
            next[pos] = next[right]
            if next[pos] >= 0 { prev[Int(next[pos])] = Int32(pos) }
            if prev[pos] >= 0 {
                let p = Int(prev[pos])
                let r = pairs.lookup(syms[p], syms[pos])
                if r != UInt64.max { heap.push(RankedPosition(key: r, pos: Int32(p))) }
            }
            if next[pos] >= 0 {
                let r = pairs.lookup(syms[pos], syms[Int(next[pos])])
                if r != UInt64.max { heap.push(RankedPosition(key: r, pos: Int32(pos))) }
            }
        }
        var out: [UInt32] = []
        out.reserveCapacity(n)
        var i = 0
        while i >= 0 && i < n { out.append(syms[i]); i = Int(next[i]) }
        syms = out
    }
}

/// Reused buffers of one encoder (a value type passed `inout`).
struct BPEScratch {
    var symbols: [UInt32] = []
    var ranks: [UInt64] = []
}

/// A merge candidate of `mergeWithHeap`: lowest (rank, id) key first, then leftmost.
struct RankedPosition: HeapElement {
    var key: UInt64
    var pos: Int32
    static func before(_ a: Self, _ b: Self) -> Bool { a.key != b.key ? a.key < b.key : a.pos < b.pos }
}
