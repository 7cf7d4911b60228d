import Foundation
import TokenMillCore

/// A SentencePiece model (`.model`, Unigram or BPE) with sentencepiece's encoding: normalize,
/// then BPE merges by piece score or Unigram Viterbi (float32, sentencepiece's tie rule), then
/// byte fallback to `<0xXX>` pieces for what the vocabulary lacks.
public struct SentencePieceTokenizer: Tokenizer {
    public let model: SentencePieceModel
    public let name: String
    public let fingerprint: String
    let normalizer: SentencePieceNormalizer
    /// NORMAL, USER_DEFINED and UNUSED pieces (sentencepiece's `pieces_`).
    let normalPieces: BytesTable
    /// Every piece by its text (`PieceToId`: reserved first, then normal).
    let allPieces: BytesTable
    let pieceBytes: [[UInt8]]
    let byteIDs: [UInt32]
    let maxPieceBytes: Int
    /// Scores by id, unboxed for the hot loops.
    let scores: [Float]
    /// NORMAL, USER_DEFINED and UNUSED pieces as a byte trie (Unigram's lattice).
    let trie: PieceTrie
    /// The same pieces as a double array (Unigram models): a lattice step is an XOR and a label
    /// check instead of a hash probe. The value of a key is its lattice id: the piece id, or -1
    /// for UNUSED pieces, which the lattice skips. Empty when a piece cannot be a key (NUL byte).
    let pieceArray: [UInt32]
    /// True when no piece has '▁' after another character (models trained with
    /// `split_by_whitespace`): BPE can then run word by word, with a cache, and give the same ids.
    let wordwise: Bool
    /// Unigram: the score of a lattice node by id — the piece score, length × max − 0.1 for
    /// USER_DEFINED pieces, min − 10 at the unknown id; NaN for UNUSED pieces (never nodes).
    let latticeScores: [Float]

    public init(model: SentencePieceModel, name: String, fingerprint: String, path: String) throws {
        guard model.unkID >= 0 && model.unkID < model.pieces.count else {
            throw TokenMillError(.corruptInput, "\(path): trainer_spec.unk_id \(model.unkID) is not the id of a piece (the model has \(model.pieces.count))")
        }
        self.model = model
        self.name = name
        self.fingerprint = fingerprint
        normalizer = try SentencePieceNormalizer(spec: model.normalizer, treatWhitespaceAsSuffix: model.treatWhitespaceAsSuffix,
                                                 userDefined: model.pieces.filter { $0.type == .userDefined }.map(\.piece), path: path)
        pieceBytes = model.pieces.map { Array($0.piece.utf8) }
        let total = pieceBytes.reduce(0) { $0 + $1.count }
        var normal = BytesTable(capacity: model.pieces.count, keyBytes: total)
        var all = BytesTable(capacity: model.pieces.count, keyBytes: total)
        // Reserved (control, unknown, byte) pieces take precedence in `PieceToId`.
        for (i, p) in model.pieces.enumerated() where ![.normal, .userDefined, .unused].contains(p.type) { all.insert(pieceBytes[i], id: UInt32(i)) }
        for (i, p) in model.pieces.enumerated() where [.normal, .userDefined, .unused].contains(p.type) {
            normal.insert(pieceBytes[i], id: UInt32(i))
            all.insert(pieceBytes[i], id: UInt32(i))
        }
        normalPieces = normal
        allPieces = all
        byteIDs = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            return all.get(Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".utf8)) ?? UInt32.max
        }
        let normalScores = model.pieces.filter { $0.type == .normal }.map(\.score)
        maxPieceBytes = pieceBytes.map(\.count).max() ?? 1
        scores = model.pieces.map(\.score)
        wordwise = model.pieces.filter { $0.type != .userDefined }.allSatisfy { p in
            let b = Array(p.piece.utf8)
            var i = 3
            while i + 3 <= b.count {
                if b[i] == 0xE2 && b[i + 1] == 0x96 && b[i + 2] == 0x81 && !(b[i - 3] == 0xE2 && b[i - 2] == 0x96 && b[i - 1] == 0x81) { return false }
                i += 1
            }
            return true
        } && model.pieces.allSatisfy { $0.type != .userDefined }
        latticeScores = model.pieces.enumerated().map { i, p in
            switch p.type {
            case .unused: return .nan
            case .userDefined: return Float(p.piece.utf8.count) * (normalScores.max() ?? 0) - 0.1
            case _ where i == model.unkID: return (normalScores.min() ?? 0) - 10
            default: return p.score
            }
        }
        var t = PieceTrie()
        for (i, p) in model.pieces.enumerated() where [.normal, .userDefined, .unused].contains(p.type) { t.insert(pieceBytes[i], id: Int32(i)) }
        trie = t
        var keys: [([UInt8], UInt32)] = []
        var seen = Set<[UInt8]>()
        for (i, p) in model.pieces.enumerated() where [.normal, .userDefined, .unused].contains(p.type) && seen.insert(pieceBytes[i]).inserted {
            keys.append((pieceBytes[i], UInt32(i)))
        }
        pieceArray = model.modelType == .unigram && !keys.contains(where: { $0.0.isEmpty || $0.0.contains(0) })
            ? ((try? DoubleArrayBuilder.build(keys)) ?? []) : []
    }

    /// Reads a `.model` file once: parsed for the model, hashed for the fingerprint.
    public static func load(path: String) throws -> SentencePieceTokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): cannot read the SentencePiece model")
        }
        let bytes = [UInt8](data)
        return try SentencePieceTokenizer(model: try SentencePieceModel.parse(bytes, path: path),
                                          name: String(path.split(separator: "/").last ?? ""),
                                          fingerprint: SHA256Hasher.hex(bytes), path: path)
    }

    public var vocabularySize: Int { model.pieces.count }
    public var eosID: UInt32 { UInt32(max(model.eosID, 0)) }
    public var bosID: UInt32? { model.bosID >= 0 ? UInt32(model.bosID) : nil }
    public var spec: JSONValue {
        .object([("type", .string("sentencepiece")), ("model_type", .string("\(model.modelType)")), ("name", .string(name)),
                 ("vocab_size", .int(Int64(vocabularySize))), ("byte_fallback", .bool(model.byteFallback)),
                 ("normalizer", .string(model.normalizer.name)), ("sha256", .string(fingerprint))])
    }

    public func makeEncoder() -> any TokenEncoder { SentencePieceEncoder(self) }

    public func decode(_ ids: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        var first = true
        for id in ids {
            guard Int(id) < model.pieces.count else { continue }
            let p = model.pieces[Int(id)]
            switch p.type {
            case .control: continue
            case .unknown: out.append(contentsOf: model.unkSurface.utf8)
            case .byte:
                if let b = UInt8(String(p.piece.dropFirst(3).dropLast()), radix: 16) { out.append(b) }
            default:
                var bytes = pieceBytes[Int(id)]
                if first && model.normalizer.addDummyPrefix && !model.treatWhitespaceAsSuffix && bytes.starts(with: SentencePieceNormalizer.spaceSymbol) {
                    bytes.removeFirst(3)
                }
                bytes.withUnsafeBytes { ByteReplace.replace($0, SentencePieceNormalizer.spaceSymbol, [0x20], into: &out) }
            }
            first = false
        }
        return out
    }
}

final class SentencePieceEncoder: TokenEncoder {
    let t: SentencePieceTokenizer
    var normalized: [UInt8] = []
    var cache = PieceCache()
    var segment: [UInt32] = []

    init(_ t: SentencePieceTokenizer) { self.t = t }

    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        var norm = normalized
        normalized = []
        norm.removeAll(keepingCapacity: true)
        t.normalizer.normalize(text, into: &norm)
        previousUnknown = false
        norm.withUnsafeBytes { raw in
            switch t.model.modelType {
            case .bpe where t.wordwise: bpeByWord(raw, into: &ids)
            case .bpe: bpe(raw, into: &ids)
            default: unigram(raw, into: &ids)
            }
        }
        normalized = norm
    }

    /// Whether the last piece emitted was an unknown (runs of unknowns fuse into one, as in
    /// sentencepiece's processor).
    private var previousUnknown = false

    /// A piece to ids: its id, or with byte fallback the `<0xXX>` ids of its bytes, else unk.
    @inline(__always)
    private func emit(_ piece: UnsafeRawBufferPointer, id: UInt32?, into ids: inout [UInt32]) {
        if let id, id != UInt32(t.model.unkID) { ids.append(id); previousUnknown = false; return }
        if t.model.byteFallback && piece.allSatisfy({ t.byteIDs[Int($0)] != UInt32.max }) {
            for b in piece { ids.append(t.byteIDs[Int(b)]) }
            previousUnknown = false
            return
        }
        if !previousUnknown { ids.append(UInt32(t.model.unkID)) }
        previousUnknown = true
    }

    /// BPE word by word (a word starts at a '▁' that follows another character), each word's
    /// ids cached. Unknown pieces fuse across words as they would in one pass.
    private func bpeByWord(_ s: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        var start = 0
        var i = 3
        let n = s.count
        let unk = UInt32(t.model.unkID)
        func flush(_ end: Int) {
            let word = UnsafeRawBufferPointer(rebasing: s[start..<end])
            let h = PieceCache.hash(word)
            var part = segment
            segment = []
            part.removeAll(keepingCapacity: true)
            if !cache.appendCached(word, hash: h, to: &part) {
                previousUnknown = false
                if word.count <= 48 { bpeShort(word, into: &part) } else { bpe(word, into: &part) }
                cache.insert(word, hash: h, ids: part[...])
            }
            var from = 0
            if !t.model.byteFallback, part.first == unk, ids.last == unk { from = 1 }
            ids.append(contentsOf: part[from...])
            segment = part
            start = end
        }
        while i + 3 <= n {
            if s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x81 && !(s[i - 3] == 0xE2 && s[i - 2] == 0x96 && s[i - 1] == 0x81) {
                flush(i)
                i += 3
            } else {
                i += 1
            }
        }
        if start < n { flush(n) }
    }

    /// The same merges for a short word without a heap: pair scores in a small array, the best
    /// (highest score, leftmost) merged, its neighbours rescored.
    private func bpeShort(_ s: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        var bounds = [Int](); bounds.reserveCapacity(s.count + 1)
        var i = 0
        while i < s.count {
            bounds.append(i)
            let b = s[i]
            i += min(UTF8Repair.sequenceLength(lead: b), s.count - i)
        }
        bounds.append(s.count)
        // Symbol k spans bounds[k]..<bounds[k + 1].
        @inline(__always) func pairScore(_ k: Int) -> Float? {
            guard let id = t.normalPieces.get(UnsafeRawBufferPointer(rebasing: s[bounds[k]..<bounds[k + 2]])) else { return nil }
            return t.scores[Int(id)]
        }
        var scores = (0..<max(0, bounds.count - 2)).map { pairScore($0) }
        while true {
            var best = -1
            var bestScore = -Float.infinity
            for k in 0..<scores.count {
                if let sc = scores[k], best < 0 || sc > bestScore { best = k; bestScore = sc }
            }
            if best < 0 { break }
            bounds.remove(at: best + 1)
            scores.remove(at: best)
            if best < scores.count { scores[best] = pairScore(best) }
            if best > 0 { scores[best - 1] = pairScore(best - 1) }
        }
        for k in 0..<(bounds.count - 1) {
            let piece = UnsafeRawBufferPointer(rebasing: s[bounds[k]..<bounds[k + 1]])
            emit(piece, id: t.allPieces.get(piece), into: &ids)
        }
    }

    /// sentencepiece's BPE: characters, then repeatedly the adjacent pair whose concatenation is a
    /// piece with the highest score (leftmost on ties) is merged.
    private func bpe(_ s: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        var starts: [Int] = [], lens: [Int] = []
        var i = 0
        while i < s.count {
            var len = 0
            for u in t.normalizer.userDefined where u.count <= s.count - i && (0..<u.count).allSatisfy({ s[i + $0] == u[$0] }) { len = u.count; break }
            if len == 0 {
                let b = s[i]
                len = min(UTF8Repair.sequenceLength(lead: b), s.count - i)
            }
            starts.append(i); lens.append(len)
            i += len
        }
        let n = starts.count
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var prev = (0..<n).map { $0 - 1 }
        var heap = BinaryHeap<ScoredPair>()
        func consider(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0 else { return }
            let piece = UnsafeRawBufferPointer(rebasing: s[starts[l]..<(starts[r] + lens[r])])
            guard let id = t.normalPieces.get(piece) else { return }
            heap.push(ScoredPair(score: t.scores[Int(id)], left: l, size: piece.count, right: r))
        }
        for k in 1..<max(n, 1) { consider(k - 1, k) }
        while let top = heap.pop() {
            let l = top.left, r = top.right
            guard lens[l] > 0, lens[r] > 0, lens[l] + lens[r] == top.size, next[l] == r else { continue }
            lens[l] += lens[r]
            next[l] = next[r]
            if next[r] >= 0 { prev[next[r]] = l }
            lens[r] = 0
            consider(prev[l], l)
            consider(l, next[l])
        }
        var k = n > 0 ? 0 : -1
        while k >= 0 {
            let piece = UnsafeRawBufferPointer(rebasing: s[starts[k]..<(starts[k] + lens[k])])
            emit(piece, id: t.allPieces.get(piece), into: &ids)
            k = next[k]
        }
    }

    @inline(__always) static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }

    /// Lattice arrays by end position, reused between calls.
    private var bestScore: [Float] = []
    private var bestFrom: [Int32] = []
    private var bestID: [Int32] = []
    private var edges: [UInt32] = []
    private let wordCache = UnigramWordCache()
    private let wordPath = UnigramWordPath(maxBytes: SentencePieceEncoder.cachedWordBytes)
    private var path: [(Int, Int, Int32)] = []
    /// Words up to this many bytes have their best paths cached.
    static let cachedWordBytes = 64
    /// Off in tests that compare the cached paths with the relaxation alone.
    var usesWordCache = true
    /// Words answered from the cache, words not in it, and cached words whose path was not
    /// safe to reuse after the score before them (relaxed instead).
    private(set) var wordCacheCounts = (hits: 0, misses: 0, refused: 0)

    /// The lattice nodes starting at the characters of `s[from..<to]`, in sentencepiece's order
    /// (by start, then shortest first, then the unknown node where no one-character piece
    /// starts), appended as pairs (start << 16 | end, relative to `from`; id); the unknown node
    /// has the unknown id. Ends pass `to` only when pieces may cross words.
    @inline(__always)
    private static func lattice(_ s: UnsafeRawBufferPointer, from: Int, to: Int, units: UnsafeBufferPointer<UInt32>,
                                scores lscore: UnsafeBufferPointer<Float>, unk: UInt32, into out: inout [UInt32]) {
        let size = s.count
        var start = from
        while start < to {
            let b = s[start]
            let mblen = min(UTF8Repair.sequenceLength(lead: b), size - start)
            var single = false
            var node = offset(units[0])
            var end = start
            while end < size {
                let c = Int(s[end])
                node ^= c
                let unit = units[node]
                if Int(unit & ((1 << 31) | 0xFF)) != c { break }
                node ^= offset(unit)
                end += 1
                if (unit >> 8) & 1 == 1 {
                    let id = units[node] & ((1 << 31) - 1)
                    if lscore[Int(id)].isNaN { continue }
                    out.append(UInt32(start - from) << 16 | UInt32(end - from))
                    out.append(id)
                    if end - start == mblen { single = true }
                }
            }
            if !single {
                out.append(UInt32(start - from) << 16 | UInt32(start + mblen - from))
                out.append(unk)
            }
            start += mblen
        }
    }

    /// Relaxes lattice nodes (pairs from `lattice`, positions relative to `offset`) in order: a
    /// node replaces the best path to its end only with a strictly better float32 score.
    @inline(__always)
    private static func relax(_ nodes: UnsafeBufferPointer<UInt32>, offset: Int, scores lscore: UnsafeBufferPointer<Float>,
                              _ score: UnsafeMutablePointer<Float>, _ from: UnsafeMutablePointer<Int32>, _ nodeID: UnsafeMutablePointer<Int32>) {
        var k = 0
        while k + 1 < nodes.count {
            let se = nodes[k], id = nodes[k + 1]
            let start = offset + Int(se >> 16), end = offset + Int(se & 0xFFFF)
            let candidate = lscore[Int(id)] + score[start]
            // Branch-free: which candidate wins is data, not a predictable branch.
            let better = (from[end] == -1) || (candidate > score[end])
            score[end] = better ? candidate : score[end]
            from[end] = better ? Int32(start) : from[end]
            nodeID[end] = better ? Int32(bitPattern: id) : nodeID[end]
            k += 2
        }
    }

    /// sentencepiece's optimized Viterbi: for each end position the best path, candidates taken in
    /// order of start position and length, a later one replacing only a strictly better score;
    /// a position with no one-character piece gets an unknown node scored min − 10. Scores are
    /// summed in float32 along the whole text, as sentencepiece does, so a word's path can depend
    /// on the text before it. When no piece crosses a word start, the text is done word by word:
    /// a cached word whose path provably does not depend on the score before it (see
    /// `UnigramWordPath`) gets its cached ids; any other word has its lattice relaxed in
    /// sentencepiece's order and its path read back before the next word.
    private func unigram(_ s: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        let size = s.count
        guard size > 0 else { return }
        var score = bestScore, from = bestFrom, nodeID = bestID
        bestScore = []; bestFrom = []; bestID = []
        score.removeAll(keepingCapacity: true); score.append(contentsOf: repeatElement(0, count: size + 1))
        from.removeAll(keepingCapacity: true); from.append(contentsOf: repeatElement(-1, count: size + 1))
        nodeID.removeAll(keepingCapacity: true); nodeID.append(contentsOf: repeatElement(-1, count: size + 1))
        var nodes = edges
        edges = []
        let cache = wordCache
        let unk = UInt32(t.model.unkID)
        let units = t.pieceArray, lscores = t.latticeScores
        let wordwise = t.wordwise && !units.isEmpty
        let cached = usesWordCache
        score.withUnsafeMutableBufferPointer { sc in
        from.withUnsafeMutableBufferPointer { fr in
        nodeID.withUnsafeMutableBufferPointer { nd in
        units.withUnsafeBufferPointer { un in
        lscores.withUnsafeBufferPointer { ls in
            let scp = sc.baseAddress!, frp = fr.baseAddress!, ndp = nd.baseAddress!
            if units.isEmpty { trieLattice(s, sc, fr, nd); emitPath(s, from: 0, to: size, frp, ndp, into: &ids); return }
            var a = 0
            var i = 3
            while a < size {
                // The word [a, b): up to the next '▁' that follows another character.
                let b = wordwise ? Self.wordEnd(s, from: i) : size
                if wordwise && cached && b - a <= Self.cachedWordBytes {
                    let word = UnsafeRawBufferPointer(rebasing: s[a..<b])
                    let (key, h) = UnigramWordCache.keyAndHash(word, readable: size - a)
                    let before = scp[a]
                    let hit = cache.find(word, key: key, hash: h)
                    var fast = hit.flatMap { abs(before) < $0.limit ? $0.ids : nil }
                    if fast != nil { wordCacheCounts.hits += 1 } else if hit == nil { wordCacheCounts.misses += 1 } else { wordCacheCounts.refused += 1 }
                    if fast == nil {
                        nodes.removeAll(keepingCapacity: true)
                        Self.lattice(s, from: a, to: b, units: un, scores: ls, unk: unk, into: &nodes)
                        if hit == nil {
                            nodes.withUnsafeBufferPointer { wordPath.compute($0, wordBytes: b - a, scores: ls, unknown: unk) }
                            cache.insert(word, key: key, hash: h, path: wordPath)
                            if abs(before) < wordPath.limit { fast = wordPath.ids }
                        }
                    }
                    if let fast {
                        var sum = before
                        for id in fast { sum = ls[Int(id)] + sum }
                        scp[b] = sum
                        ids.append(contentsOf: fast)
                        previousUnknown = false
                        a = b
                        i = b + 3
                        continue
                    }
                    let start = a
                    nodes.withUnsafeBufferPointer { Self.relax($0, offset: start, scores: ls, scp, frp, ndp) }
                } else {
                    // Character by character: node offsets stay small however long the text.
                    var c = a
                    while c < b {
                        let lead = s[c]
                        let next = c + min(UTF8Repair.sequenceLength(lead: lead), size - c)
                        nodes.removeAll(keepingCapacity: true)
                        Self.lattice(s, from: c, to: next, units: un, scores: ls, unk: unk, into: &nodes)
                        let start = c
                        nodes.withUnsafeBufferPointer { Self.relax($0, offset: start, scores: ls, scp, frp, ndp) }
                        c = next
                    }
                }
                // No node crosses a word start, so every path passes through `b`.
                emitPath(s, from: a, to: b, frp, ndp, into: &ids)
                a = b
                i = b + 3
            }
        }}}}}
        edges = nodes
        bestScore = score; bestFrom = from; bestID = nodeID
    }

    /// Where the word that the scan reaches at `i` ends: the first '▁' at or after `i` that does
    /// not follow another '▁' (at least 3 bytes into the text), or the text's end. Eight bytes at
    /// a time look for the '▁' lead byte 0xE2.
    @inline(__always)
    static func wordEnd(_ s: UnsafeRawBufferPointer, from start: Int) -> Int {
        let size = s.count
        guard size >= 3 else { return size }
        let p = s.baseAddress!
        @inline(__always) func isSpace(_ j: Int) -> Bool {
            p.load(fromByteOffset: j, as: UInt8.self) == 0xE2 && p.load(fromByteOffset: j + 1, as: UInt8.self) == 0x96
                && p.load(fromByteOffset: j + 2, as: UInt8.self) == 0x81
        }
        var i = max(start, 3)
        while i + 8 <= size {
            let x = UInt64(littleEndian: (p + i).loadUnaligned(as: UInt64.self)) ^ 0xE2E2_E2E2_E2E2_E2E2
            let z = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if z == 0 { i += 8; continue }
            // The lowest flagged byte is a true 0xE2.
            i += z.trailingZeroBitCount >> 3
            if i + 3 <= size && isSpace(i) && !isSpace(i - 3) { return i }
            i += 1
        }
        while i + 3 <= size {
            if isSpace(i) && !isSpace(i - 3) { return i }
            i += 1
        }
        return size
    }

    /// Emits the best path from `from` to `to` (read back from `to`).
    private func emitPath(_ s: UnsafeRawBufferPointer, from a: Int, to b: Int, _ from: UnsafeMutablePointer<Int32>,
                          _ nodeID: UnsafeMutablePointer<Int32>, into ids: inout [UInt32]) {
        path.removeAll(keepingCapacity: true)
        var end = b
        while end > a {
            path.append((Int(from[end]), end, nodeID[end]))
            end = Int(from[end])
        }
        for (a, b, id) in path.reversed() {
            emit(UnsafeRawBufferPointer(rebasing: s[a..<b]), id: id >= 0 ? UInt32(id) : nil, into: &ids)
        }
    }

    /// The lattice through the hashed trie (a model whose pieces cannot all be double-array keys).
    private func trieLattice(_ s: UnsafeRawBufferPointer, _ score: UnsafeMutableBufferPointer<Float>,
                             _ from: UnsafeMutableBufferPointer<Int32>, _ nodeID: UnsafeMutableBufferPointer<Int32>) {
        let size = s.count
        var start = 0
        while start < size {
            let b = s[start]
            let mblen = min(UTF8Repair.sequenceLength(lead: b), size - start)
            let base = score[start]
            var single = false
            var node: Int32 = 0
            var end = start
            func relax(_ end: Int, _ id: Int32) {
                let candidate = t.latticeScores[Int(id)] + base
                if from[end] == -1 || candidate > score[end] { score[end] = candidate; from[end] = Int32(start); nodeID[end] = id }
            }
            while end < size {
                node = t.trie.child(node, s[end])
                if node < 0 { break }
                end += 1
                let id = t.trie.pieceID(node)
                if id >= 0 && !t.latticeScores[Int(id)].isNaN {
                    relax(end, id)
                    if end - start == mblen { single = true }
                }
            }
            if !single { relax(start + mblen, Int32(t.model.unkID)) }
            start += mblen
        }
    }
}

/// sentencepiece's BPE agenda entry: highest score first, then the leftmost pair.
struct ScoredPair: HeapElement {
    var score: Float
    var left: Int
    var size: Int
    var right: Int
    static func before(_ a: Self, _ b: Self) -> Bool { a.score != b.score ? a.score > b.score : a.left < b.left }
}

/// A byte trie of pieces: children in one open-addressing table keyed by (node, byte), so a
/// lattice step from one position costs one probe per byte and stops where no piece continues.
struct PieceTrie: Sendable {
    private var keys: [UInt64] = []
    private var children: [Int32] = []
    private var ids: [Int32] = [-1]
    private var mask = 0
    private var used = 0

    init() { resize(1 << 12) }

    private mutating func resize(_ size: Int) {
        let oldKeys = keys, oldChildren = children
        keys = [UInt64](repeating: .max, count: size)
        children = [Int32](repeating: -1, count: size)
        mask = size - 1
        used = 0
        for (k, c) in zip(oldKeys, oldChildren) where k != .max { put(k, c) }
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int { PairHash.slot(key, mask) }

    private mutating func put(_ key: UInt64, _ child: Int32) {
        var i = slot(key)
        while keys[i] != .max { i = (i + 1) & mask }
        keys[i] = key
        children[i] = child
        used += 1
    }

    mutating func insert(_ bytes: [UInt8], id: Int32) {
        var node: Int32 = 0
        for b in bytes {
            var next = child(node, b)
            if next < 0 {
                if (used + 1) * 2 > keys.count { resize(keys.count * 2) }
                next = Int32(ids.count)
                ids.append(-1)
                put(UInt64(UInt32(node)) << 8 | UInt64(b), next)
            }
            node = next
        }
        if ids[Int(node)] < 0 { ids[Int(node)] = id }
    }

    @inline(__always)
    func child(_ node: Int32, _ byte: UInt8) -> Int32 {
        let key = UInt64(UInt32(node)) << 8 | UInt64(byte)
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return children[i] }
            if k == .max { return -1 }
            i = (i + 1) & mask
        }
    }

    @inline(__always) func pieceID(_ node: Int32) -> Int32 { ids[Int(node)] }
}
