import Dispatch
import Foundation
import TokenMillCore

/// The EM rounds: lattices, expected counts, the M-step and pruning.
extension UnigramTrainer {
    // MARK: - Lattices

    /// The pieces' scores (and, for finding edges, their byte trie).
    struct Lattice {
        let trie: PieceTrie
        let scores: [Float]
        let minScore: Float
        let maxLength: Int
        let probabilities: [Double]
        let unkProbability: Double
        /// Words up to this many bytes run forward-backward on plain probabilities.
        let linearLimit: Int

        init(_ pieces: [Piece], trie withTrie: Bool = true) {
            var t = PieceTrie()
            if withTrie { for (i, p) in pieces.enumerated() { t.insert(p.bytes, id: Int32(i)) } }
            trie = t
            scores = pieces.map(\.score)
            minScore = scores.min() ?? 0
            maxLength = pieces.map(\.bytes.count).max() ?? 1
            probabilities = scores.map { exp(Double($0)) }
            unkProbability = exp(Double(minScore - UnigramTrainer.unkPenalty))
            linearLimit = Int(600 / max(1, -Double(minScore - UnigramTrainer.unkPenalty)))
        }

        /// Calls `body(start, end, id)` for every piece in `w` (id -1: an unknown character), by
        /// start, then end; an unknown character's edge comes last among its start's.
        @inline(__always)
        func forEachEdge(_ w: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32) -> Void) {
            UnigramTrainer.forEachEdge(w, body) { s, piece in
                var node: Int32 = 0
                var k = s
                while k < w.count && k - s < maxLength {
                    node = trie.child(node, w[k])
                    if node < 0 { return }
                    k += 1
                    let id = trie.pieceID(node)
                    if id >= 0 { piece(k, id) }
                }
            }
        }
    }

    /// The edges of `w` in lattice order, from `prefixes(start, piece)`, which calls
    /// `piece(end, id)` for every piece starting at `start`, shortest first: each character
    /// position's pieces, then an unknown character's edge where no piece is that one
    /// character.
    @inline(__always)
    static func forEachEdge(_ w: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32) -> Void,
                            prefixes: (Int, (Int, Int32) -> Void) -> Void) {
        withoutActuallyEscaping(body) { body in
            var s = 0
            while s < w.count {
                let charLen = UTF8Repair.sequenceLength(lead: w[s])
                var hasSingle = false
                prefixes(s) { end, id in
                    body(s, end, id)
                    if end - s == charLen { hasSingle = true }
                }
                if !hasSingle { body(s, min(s + charLen, w.count), -1) }
                s += charLen
            }
        }
    }

    /// One lattice edge of a word: its bytes `start..<end` are piece `id` (-1: an unknown character).
    struct Edge: Equatable {
        var start: Int32
        var end: Int32
        var id: Int32
    }

    /// Every word's lattice edges, in `Lattice.forEachEdge` order. They are found once, with the
    /// seed pieces' trie, and afterwards only filtered and renumbered: training never adds a
    /// piece, so the edges of a smaller piece set are a subset of the seed set's (plus an
    /// unknown character's edge where a character's own piece went). This saves a trie walk per
    /// word in every EM step and pruning pass. Words are dealt round-robin to `jobs` parts, the
    /// split `sumOverWords` uses, so each thread reads and filters only its own part.
    struct WordEdges {
        let jobs: Int
        /// Part `j` holds words `j`, `j + jobs`, …; its `k`-th word's edges are
        /// `edges[j][bounds[j][k]..<bounds[j][k + 1]]`.
        var edges: [[Edge]]
        var bounds: [[Int]]
        /// Renumbering not yet applied: `pending[old]` is a kept piece's new index, -1 for a
        /// removed one. The next pass over the words applies it as it reads each word.
        var pending: [Int32]? = nil
        var count: Int { edges.reduce(0) { $0 + $1.count } }

        /// Records that pieces were removed (`newIndex` as `pending`), composed with any
        /// renumbering still pending.
        mutating func renumber(_ newIndex: [Int32]) {
            if let earlier = pending {
                pending = earlier.map { $0 >= 0 ? newIndex[Int($0)] : -1 }
            } else {
                pending = newIndex
            }
        }
    }

    func wordJobs(_ words: Words) -> Int { max(1, min(options.jobs, words.count / 1000 + 1)) }

    /// The edges of every word for `pieces`: walked in a double-array trie (one array read per
    /// byte), or in the hashed `PieceTrie` when a piece has a byte the double array cannot hold
    /// (or when `doubleArray` is false: tests compare the two).
    func makeEdges(_ pieces: [Piece], _ words: Words, doubleArray: Bool = true) -> WordEdges {
        var keys: [([UInt8], UInt32)] = []
        var seen = Set<[UInt8]>()
        for (i, p) in pieces.enumerated() where seen.insert(p.bytes).inserted { keys.append((p.bytes, UInt32(i))) }
        if doubleArray, let units = try? DoubleArrayBuilder.build(keys) {
            return units.withUnsafeBufferPointer { units in
                nonisolated(unsafe) let units = units
                return makeEdges(words) { w, body in
                    Self.forEachEdge(w, body) { s, piece in
                        DoubleArrayBuilder.forEachPrefix(units, of: UnsafeRawBufferPointer(w), from: s) { piece($0, Int32($1)) }
                    }
                }
            }
        }
        let lattice = Lattice(pieces)
        return makeEdges(words) { w, body in lattice.forEachEdge(w, body) }
    }

    /// Runs `walk(word, body)`, which calls `body(start, end, id)` for each edge of the word in
    /// `Lattice.forEachEdge` order, over every word on the jobs' threads.
    private func makeEdges(_ words: Words,
                           _ walk: @escaping @Sendable (UnsafeBufferPointer<UInt8>, (Int, Int, Int32) -> Void) -> Void) -> WordEdges {
        let jobs = wordJobs(words)
        var edges = [[Edge]](repeating: [], count: jobs)
        var bounds = [[Int]](repeating: [], count: jobs)
        edges.withUnsafeMutableBufferPointer { edges in
          bounds.withUnsafeMutableBufferPointer { bounds in
            nonisolated(unsafe) let edges = edges, bounds = bounds
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                var part: [Edge] = [], starts: [Int] = [0]
                words.bytes.withUnsafeBufferPointer { all in
                    for i in stride(from: j, to: words.count, by: jobs) {
                        walk(UnsafeBufferPointer(rebasing: all[words.offsets[i]..<words.offsets[i + 1]])) { s, e, id in
                            part.append(Edge(start: Int32(s), end: Int32(e), id: id))
                        }
                        starts.append(part.count)
                    }
                }
                edges[j] = part
                bounds[j] = starts
            }
          }
        }
        return WordEdges(jobs: jobs, edges: edges, bounds: bounds)
    }

    /// Renumbers one word's edges `edges[lo..<hi]` into `edges[out...]` (`out <= lo`) and
    /// returns their new end. A removed single-character piece leaves an unknown character's
    /// edge, placed last among its start's edges as `forEachEdge` would.
    @inline(__always)
    static func renumberWord(_ edges: UnsafeMutableBufferPointer<Edge>, _ lo: Int, _ hi: Int, out start: Int,
                             word: UnsafeBufferPointer<UInt8>, newIndex: UnsafeBufferPointer<Int32>) -> Int {
        var out = start
        var e = lo
        while e < hi {
            let s = edges[e].start
            let single = Int32(UTF8Repair.sequenceLength(lead: word[Int(s)]))
            var lostSingle = false
            while e < hi && edges[e].start == s {
                var edge = edges[e]
                e += 1
                if edge.id >= 0 {
                    edge.id = newIndex[Int(edge.id)]
                    if edge.id < 0 {
                        if edge.end - s == single { lostSingle = true }
                        continue
                    }
                }
                edges[out] = edge
                out += 1
            }
            if lostSingle {
                edges[out] = Edge(start: s, end: s + single, id: -1)
                out += 1
            }
        }
        return out
    }

    static let fixedPointScale = Double(1 << 20)

    /// Per-thread buffers of the lattice passes, one slot per byte of the longest word.
    struct Scratch {
        let alpha: UnsafeMutablePointer<Double>
        let beta: UnsafeMutablePointer<Double>
        let back: UnsafeMutablePointer<(Int32, Int32)>
        init(capacity: Int) {
            alpha = .allocate(capacity: capacity)
            beta = .allocate(capacity: capacity)
            back = .allocate(capacity: capacity)
        }
        func free() { alpha.deallocate(); beta.deallocate(); back.deallocate() }
    }

    /// Runs `body(index, byteCount, edges, sums, scratch)` for every word on the threads of
    /// `edges` (one `Int64` array of `size` sums per thread) and adds the arrays up: integer
    /// sums, so the result does not depend on the number of threads. A pending renumbering is
    /// applied to each word's edges just before `body` reads them.
    func sumOverWords(_ words: Words, _ all: inout WordEdges, size: Int,
                      _ body: (Int, Int, UnsafeBufferPointer<Edge>, UnsafeMutablePointer<Int64>, Scratch) -> Void) -> [Int64] {
        let jobs = all.jobs
        let longest = (0..<words.count).reduce(0) { max($0, words.offsets[$1 + 1] - words.offsets[$1]) }
        let pending = all.pending
        var parts = [[Int64]](repeating: [], count: jobs)
        withoutActuallyEscaping(body) { body in
          parts.withUnsafeMutableBufferPointer { parts in
            all.edges.withUnsafeMutableBufferPointer { edgeParts in
              all.bounds.withUnsafeMutableBufferPointer { boundParts in
                nonisolated(unsafe) let parts = parts, body = body, edgeParts = edgeParts, boundParts = boundParts
                DispatchQueue.concurrentPerform(iterations: jobs) { j in
                    var acc = [Int64](repeating: 0, count: size)
                    let scratch = Scratch(capacity: longest + 1)
                    defer { scratch.free() }
                    var out = 0
                    acc.withUnsafeMutableBufferPointer { acc in
                      edgeParts[j].withUnsafeMutableBufferPointer { edges in
                        boundParts[j].withUnsafeMutableBufferPointer { bounds in
                          words.bytes.withUnsafeBufferPointer { bytes in
                            var k = 0, lo = bounds[0]
                            for i in stride(from: j, to: words.count, by: jobs) {
                                let hi = bounds[k + 1]
                                var range = lo..<hi
                                if let pending {
                                    bounds[k] = out
                                    let word = UnsafeBufferPointer(rebasing: bytes[words.offsets[i]..<words.offsets[i + 1]])
                                    let end = pending.withUnsafeBufferPointer { Self.renumberWord(edges, lo, hi, out: out, word: word, newIndex: $0) }
                                    range = out..<end
                                    out = end
                                }
                                body(i, words.offsets[i + 1] - words.offsets[i], UnsafeBufferPointer(rebasing: edges[range]),
                                     acc.baseAddress!, scratch)
                                lo = hi
                                k += 1
                            }
                            if pending != nil { bounds[k] = out }
                          }
                        }
                      }
                    }
                    if pending != nil { edgeParts[j].removeSubrange(out...) }
                    parts[j] = acc
                }
              }
            }
          }
        }
        all.pending = nil
        var total = [Int64](repeating: 0, count: size)
        for p in parts { for k in 0..<size { total[k] &+= p[k] } }
        return total
    }

    // MARK: - EM

    /// Expected piece counts over all words (forward-backward), summed in fixed point.
    func expectedCounts(_ pieces: [Piece], _ words: Words, _ edges: inout WordEdges) -> [Double] {
        let lattice = Lattice(pieces, trie: false)
        let unkScore = Double(lattice.minScore - Self.unkPenalty)
        let unkProbability = lattice.unkProbability
        let total = lattice.probabilities.withUnsafeBufferPointer { probabilities in
          lattice.scores.withUnsafeBufferPointer { scores in
            sumOverWords(words, &edges, size: pieces.count) { i, n, es, acc, scratch in
                let freq = Double(words.counts[i])
                let alpha = scratch.alpha, beta = scratch.beta
                if n <= lattice.linearLimit {
                    // Short words: probabilities themselves, only multiplications (no path
                    // has more edges than bytes, each above the unknown's probability, so
                    // no product underflows).
                    @inline(__always) func p(_ id: Int32) -> Double { id >= 0 ? probabilities[Int(id)] : unkProbability }
                    alpha.update(repeating: 0, count: n + 1)
                    beta.update(repeating: 0, count: n + 1)
                    alpha[0] = 1
                    for e in es { alpha[Int(e.end)] += alpha[Int(e.start)] * p(e.id) }
                    beta[n] = 1
                    var k = es.count
                    while k > 0 {
                        k -= 1
                        let e = es[k]
                        beta[Int(e.start)] += beta[Int(e.end)] * p(e.id)
                    }
                    let scale = freq * Self.fixedPointScale / alpha[n]
                    for e in es where e.id >= 0 {
                        let m = alpha[Int(e.start)] * p(e.id) * beta[Int(e.end)]
                        acc[Int(e.id)] &+= Int64((m * scale).rounded())
                    }
                } else {
                    @inline(__always) func s(_ id: Int32) -> Double { id >= 0 ? Double(scores[Int(id)]) : unkScore }
                    alpha.update(repeating: -Double.infinity, count: n + 1)
                    beta.update(repeating: -Double.infinity, count: n + 1)
                    alpha[0] = 0
                    for e in es { alpha[Int(e.end)] = logAdd(alpha[Int(e.end)], alpha[Int(e.start)] + s(e.id)) }
                    beta[n] = 0
                    var k = es.count
                    while k > 0 {
                        k -= 1
                        let e = es[k]
                        beta[Int(e.start)] = logAdd(beta[Int(e.start)], beta[Int(e.end)] + s(e.id))
                    }
                    let z = alpha[n]
                    for e in es where e.id >= 0 {
                        let m = exp(alpha[Int(e.start)] + s(e.id) + beta[Int(e.end)] - z)
                        acc[Int(e.id)] &+= Int64((freq * m * Self.fixedPointScale).rounded())
                    }
                }
            }
          }
        }
        return total.map { Double($0) / Self.fixedPointScale }
    }

    /// The Bayesian M-step: pieces expected less than 0.5 times go; scores become
    /// digamma(count) − digamma(total). Returns the kept pieces and their former indices.
    func mStep(_ pieces: [Piece], _ expected: [Double]) -> (pieces: [Piece], kept: [Int]) {
        var kept: [Int] = []
        var sum = 0.0
        for (i, f) in expected.enumerated() where f >= 0.5 {
            kept.append(i)
            sum += f
        }
        let logSum = Self.digamma(sum)
        return (kept.map { Piece(bytes: pieces[$0].bytes, score: Float(Self.digamma(expected[$0]) - logSum)) }, kept)
    }

    static func digamma(_ x0: Double) -> Double {
        var x = x0
        var result = 0.0
        while x < 7 { result -= 1 / x; x += 1 }
        x -= 0.5
        let xx = 1 / x, xx2 = xx * xx, xx4 = xx2 * xx2
        result += log(x) + (1.0 / 24.0) * xx2 - (7.0 / 960.0) * xx4 + (31.0 / 8064.0) * xx4 * xx2 - (127.0 / 30720.0) * xx4 * xx4
        return result
    }

    /// Best paths over `edges` (ends up to `n`) into `scratch.alpha` (scores) and `scratch.back`
    /// (start and id of each end's last edge), skipping the edges `skip` refuses; a later edge
    /// replaces a path only with a strictly better score. Returns whether `n` is reached.
    @inline(__always)
    static func relax(_ edges: UnsafeBufferPointer<Edge>, n: Int, scores: UnsafeBufferPointer<Float>, unkScore: Double,
                      scratch: Scratch, skip: (Edge) -> Bool = { _ in false }) -> Bool {
        let best = scratch.alpha, back = scratch.back
        best.update(repeating: -Double.infinity, count: n + 1)
        best[0] = 0
        for e in edges where !skip(e) {
            let v = best[Int(e.start)] + (e.id >= 0 ? Double(scores[Int(e.id)]) : unkScore)
            if v > best[Int(e.end)] { best[Int(e.end)] = v; back[Int(e.end)] = (e.start, e.id) }
        }
        return best[n] > -Double.infinity
    }

    /// Best segmentation of a piece over its lattice `edges` (`n` bytes): every edge, or
    /// (`alternative`) neither the piece itself as a whole-word edge (`id`) nor unknown
    /// characters. Returns the path's piece ids in order, nil if there is no path.
    @inline(__always)
    static func pieceViterbi(_ edges: [Edge], n: Int, id: Int32, alternative: Bool, scores: UnsafeBufferPointer<Float>,
                             unkScore: Double, scratch: Scratch) -> [Int32]? {
        let reached = edges.withUnsafeBufferPointer { edges in
            relax(edges, n: n, scores: scores, unkScore: unkScore, scratch: scratch) { e in
                alternative && (e.id < 0 || (e.id == id && e.start == 0 && Int(e.end) == n))
            }
        }
        guard reached else { return nil }
        var path: [Int32] = []
        var p = n
        while p > 0 { path.append(scratch.back[p].1); p = Int(scratch.back[p].0) }
        return path.reversed()
    }

    /// sentencepiece's pruning: drop the pieces whose loss of likelihood, were each replaced by
    /// its second-best segmentation, is smallest, down to `shrinking_factor` of the pieces.
    /// Returns the kept pieces' indices.
    func prune(_ pieces: [Piece], _ words: Words, _ edges: inout WordEdges, desired: Int) -> [Int] {
        let lattice = Lattice(pieces)
        // Each piece's own best segmentation, and its best without itself (pieces split
        // into contiguous ranges, one per job; every piece's result has its own slot).
        var alwaysKeep = [Bool](repeating: true, count: pieces.count)
        var alternatives = [[Int32]](repeating: [], count: pieces.count)
        let jobs = max(1, min(options.jobs, pieces.count / 1000 + 1))
        let longest = pieces.reduce(0) { max($0, $1.bytes.count) }
        let unkScore = Double(lattice.minScore - Self.unkPenalty)
        alwaysKeep.withUnsafeMutableBufferPointer { alwaysKeep in
          alternatives.withUnsafeMutableBufferPointer { alternatives in
            lattice.scores.withUnsafeBufferPointer { scores in
              nonisolated(unsafe) let alwaysKeep = alwaysKeep, alternatives = alternatives, scores = scores
              DispatchQueue.concurrentPerform(iterations: jobs) { j in
                let scratch = Scratch(capacity: longest + 1)
                defer { scratch.free() }
                var edges: [Edge] = []
                for i in (pieces.count * j / jobs)..<(pieces.count * (j + 1) / jobs) {
                    let n = pieces[i].bytes.count
                    edges.removeAll(keepingCapacity: true)
                    pieces[i].bytes.withUnsafeBufferPointer { w in
                        lattice.forEachEdge(w) { s, e, id in edges.append(Edge(start: Int32(s), end: Int32(e), id: id)) }
                    }
                    guard let top = Self.pieceViterbi(edges, n: n, id: Int32(i), alternative: false, scores: scores,
                                                      unkScore: unkScore, scratch: scratch) else { continue }
                    if top.count >= 2 { alwaysKeep[i] = false; continue }
                    if let second = Self.pieceViterbi(edges, n: n, id: Int32(i), alternative: true, scores: scores,
                                                      unkScore: unkScore, scratch: scratch) {
                        alternatives[i] = second
                    }
                }
              }
            }
          }
        }
        // Viterbi frequencies over the words (integer counts: independent of the job count).
        let freq = lattice.scores.withUnsafeBufferPointer { scores in
            sumOverWords(words, &edges, size: pieces.count) { i, n, es, acc, scratch in
                // Every character has an edge (a piece or the unknown), so the end is reached.
                _ = Self.relax(es, n: n, scores: scores, unkScore: unkScore, scratch: scratch)
                var p = n
                while p > 0 {
                    let (s, id) = scratch.back[p]
                    if id >= 0 { acc[Int(id)] += words.counts[i] }
                    p = Int(s)
                }
            }
        }
        let vsum = Double(words.counts.reduce(0, +))
        let sum = Double(freq.reduce(0, +))
        let logSum = log(sum)
        var kept: [Int] = []
        var candidates: [(Int, Double)] = []
        for i in 0..<pieces.count {
            if freq[i] == 0 || !alwaysKeep[i] { continue }
            if alternatives[i].isEmpty { kept.append(i); continue }
            let f = Double(freq[i])
            let logProb = log(f) - logSum
            let logSumAlt = log(sum + f * Double(alternatives[i].count - 1))
            var logProbAlt = 0.0
            for n in alternatives[i] { logProbAlt += log(Double(freq[Int(n)]) + f) - logSumAlt }
            candidates.append((i, f / vsum * (logProb - logProbAlt)))
        }
        let target = max(desired, Int(Double(options.shrinkingFactor) * Double(pieces.count)))
        candidates.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for (i, _) in candidates {
            if kept.count >= target { break }
            kept.append(i)
        }
        return kept
    }
}

@inline(__always)
func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -Double.infinity { return b }
    if b == -Double.infinity { return a }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}
