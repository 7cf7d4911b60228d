import Dispatch
import Foundation
import TokenMillCore

/// The EM rounds: lattices, expected counts, the M-step and pruning.
extension UnigramTrainer {
    // MARK: - EM

    /// The pieces as a byte trie for lattices, with their scores.
    struct Lattice {
        let trie: PieceTrie
        let scores: [Float]
        let minScore: Float
        let maxLength: Int
        let probabilities: [Double]
        let unkProbability: Double
        /// Words up to this many bytes run forward-backward on plain probabilities.
        let linearLimit: Int

        init(_ pieces: [Piece]) {
            var t = PieceTrie()
            for (i, p) in pieces.enumerated() { t.insert(p.bytes, id: Int32(i)) }
            trie = t
            scores = pieces.map(\.score)
            minScore = scores.min() ?? 0
            maxLength = pieces.map(\.bytes.count).max() ?? 1
            probabilities = scores.map { exp(Double($0)) }
            unkProbability = exp(Double(minScore - UnigramTrainer.unkPenalty))
            linearLimit = Int(600 / max(1, -Double(minScore - UnigramTrainer.unkPenalty)))
        }

        /// Calls `body(start, end, id)` for every piece in `w` (id -1: an unknown character).
        @inline(__always)
        func forEachEdge(_ w: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Int32) -> Void) {
            var s = 0
            while s < w.count {
                let c = w[s]
                let charLen = UTF8Repair.sequenceLength(lead: c)
                var node: Int32 = 0
                var hasSingle = false
                var k = s
                while k < w.count && k - s < maxLength {
                    node = trie.child(node, w[k])
                    if node < 0 { break }
                    k += 1
                    let id = trie.pieceID(node)
                    if id >= 0 {
                        body(s, k, id)
                        if k - s == charLen { hasSingle = true }
                    }
                }
                if !hasSingle { body(s, min(s + charLen, w.count), -1) }
                s += charLen
            }
        }

        @inline(__always) func score(_ id: Int32) -> Float { id >= 0 ? scores[Int(id)] : minScore - UnigramTrainer.unkPenalty }
        @inline(__always) func probability(_ id: Int32) -> Double { id >= 0 ? probabilities[Int(id)] : unkProbability }
    }

    static let fixedPointScale = Double(1 << 20)

    /// Per-thread buffers of the lattice passes.
    struct Scratch {
        var alpha: [Double] = [], beta: [Double] = []
        var edges: [(Int32, Int32, Int32)] = []
        var best: [Double] = [], back: [(Int32, Int32)] = []
    }

    /// Runs `body(index, word, &sums, &scratch)` for every word on the option's threads (words
    /// dealt round-robin, one `Int64` array of `size` sums per thread) and adds the arrays up:
    /// integer sums, so the result does not depend on the number of threads.
    func sumOverWords(_ words: Words, size: Int,
                      _ body: (Int, UnsafeBufferPointer<UInt8>, inout [Int64], inout Scratch) -> Void) -> [Int64] {
        let jobs = max(1, min(options.jobs, words.count / 1000 + 1))
        var parts = [[Int64]](repeating: [], count: jobs)
        withoutActuallyEscaping(body) { body in
          parts.withUnsafeMutableBufferPointer { parts in
            nonisolated(unsafe) let parts = parts, body = body
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                var acc = [Int64](repeating: 0, count: size)
                var scratch = Scratch()
                words.bytes.withUnsafeBufferPointer { all in
                    var i = j
                    while i < words.count {
                        body(i, UnsafeBufferPointer(rebasing: all[words.offsets[i]..<words.offsets[i + 1]]), &acc, &scratch)
                        i += jobs
                    }
                }
                parts[j] = acc
            }
          }
        }
        var total = [Int64](repeating: 0, count: size)
        for p in parts { for k in 0..<size { total[k] &+= p[k] } }
        return total
    }

    /// Expected piece counts over all words (forward-backward), summed in fixed point.
    func expectedCounts(_ pieces: [Piece], _ words: Words) -> [Double] {
        let lattice = Lattice(pieces)
        let total = sumOverWords(words, size: pieces.count) { i, w, acc, scratch in
            let freq = Double(words.counts[i])
            scratch.edges.removeAll(keepingCapacity: true)
            lattice.forEachEdge(w) { s, e, id in scratch.edges.append((Int32(s), Int32(e), id)) }
            scratch.alpha.removeAll(keepingCapacity: true)
            scratch.beta.removeAll(keepingCapacity: true)
            if w.count <= lattice.linearLimit {
                // Short words: probabilities themselves, only multiplications (no path
                // has more edges than bytes, each above the unknown's probability, so
                // no product underflows).
                scratch.alpha.append(contentsOf: repeatElement(0, count: w.count + 1))
                scratch.beta.append(contentsOf: repeatElement(0, count: w.count + 1))
                scratch.alpha[0] = 1
                for (s, e, id) in scratch.edges { scratch.alpha[Int(e)] += scratch.alpha[Int(s)] * lattice.probability(id) }
                scratch.beta[w.count] = 1
                for (s, e, id) in scratch.edges.reversed() { scratch.beta[Int(s)] += scratch.beta[Int(e)] * lattice.probability(id) }
                let z = scratch.alpha[w.count]
                let scale = freq * Self.fixedPointScale / z
                for (s, e, id) in scratch.edges where id >= 0 {
                    let m = scratch.alpha[Int(s)] * lattice.probability(id) * scratch.beta[Int(e)]
                    acc[Int(id)] &+= Int64((m * scale).rounded())
                }
            } else {
                scratch.alpha.append(contentsOf: repeatElement(-Double.infinity, count: w.count + 1))
                scratch.beta.append(contentsOf: repeatElement(-Double.infinity, count: w.count + 1))
                scratch.alpha[0] = 0
                for (s, e, id) in scratch.edges { scratch.alpha[Int(e)] = logAdd(scratch.alpha[Int(e)], scratch.alpha[Int(s)] + Double(lattice.score(id))) }
                scratch.beta[w.count] = 0
                for (s, e, id) in scratch.edges.reversed() { scratch.beta[Int(s)] = logAdd(scratch.beta[Int(s)], scratch.beta[Int(e)] + Double(lattice.score(id))) }
                let z = scratch.alpha[w.count]
                for (s, e, id) in scratch.edges where id >= 0 {
                    let m = exp(scratch.alpha[Int(s)] + Double(lattice.score(id)) + scratch.beta[Int(e)] - z)
                    acc[Int(id)] &+= Int64((freq * m * Self.fixedPointScale).rounded())
                }
            }
        }
        return total.map { Double($0) / Self.fixedPointScale }
    }

    /// The Bayesian M-step: pieces expected less than 0.5 times go; scores become
    /// digamma(count) − digamma(total).
    func mStep(_ pieces: [Piece], _ expected: [Double]) -> [Piece] {
        var kept: [(Piece, Double)] = []
        var sum = 0.0
        for (p, f) in zip(pieces, expected) where f >= 0.5 {
            kept.append((p, f))
            sum += f
        }
        let logSum = Self.digamma(sum)
        return kept.map { Piece(bytes: $0.0.bytes, score: Float(Self.digamma($0.1) - logSum)) }
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

    /// Best segmentation of `w` (piece ids, -1 for unknown), optionally without the piece
    /// `excluding` as a whole-word edge; nil if no path exists.
    static func viterbi(_ lattice: Lattice, _ w: UnsafeBufferPointer<UInt8>, excludingWhole excluded: Int32 = -2,
                        best: inout [Double], back: inout [(Int32, Int32)]) -> [Int32]? {
        best.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement(-Double.infinity, count: w.count + 1))
        back.removeAll(keepingCapacity: true)
        back.append(contentsOf: repeatElement((-1, -2), count: w.count + 1))
        best[0] = 0
        lattice.forEachEdge(w) { s, e, id in
            if id == excluded && s == 0 && e == w.count { return }
            if id < 0 && excluded != -2 { return }  // alternatives are made of pieces only
            let v = best[s] + Double(lattice.score(id))
            if v > best[e] { best[e] = v; back[e] = (Int32(s), id) }
        }
        guard best[w.count] > -Double.infinity else { return nil }
        var path: [Int32] = []
        var p = w.count
        while p > 0 { path.append(back[p].1); p = Int(back[p].0) }
        return path.reversed()
    }

    /// sentencepiece's pruning: drop the pieces whose loss of likelihood, were each replaced by
    /// its second-best segmentation, is smallest, down to `shrinking_factor` of the pieces.
    func prune(_ pieces: [Piece], _ words: Words, desired: Int) -> [Piece] {
        let lattice = Lattice(pieces)
        var alwaysKeep = [Bool](repeating: true, count: pieces.count)
        var alternatives = [[Int32]](repeating: [], count: pieces.count)
        var best: [Double] = [], back: [(Int32, Int32)] = []
        for (i, p) in pieces.enumerated() {
            p.bytes.withUnsafeBufferPointer { w in
                guard let top = Self.viterbi(lattice, w, best: &best, back: &back) else { return }
                if top.count >= 2 { alwaysKeep[i] = false; return }
                if let second = Self.viterbi(lattice, w, excludingWhole: Int32(i), best: &best, back: &back) {
                    alternatives[i] = second
                }
            }
        }
        // Viterbi frequencies over the words (integer counts: independent of the job count).
        let freq = sumOverWords(words, size: pieces.count) { i, w, acc, scratch in
            if let path = Self.viterbi(lattice, w, best: &scratch.best, back: &scratch.back) {
                for id in path where id >= 0 { acc[Int(id)] += words.counts[i] }
            }
        }
        let vsum = Double(words.counts.reduce(0, +))
        let sum = Double(freq.reduce(0, +))
        let logSum = log(sum)
        var kept: [Piece] = []
        var candidates: [(Int, Double)] = []
        for i in 0..<pieces.count {
            if freq[i] == 0 || !alwaysKeep[i] { continue }
            if alternatives[i].isEmpty { kept.append(pieces[i]); continue }
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
            kept.append(pieces[i])
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
