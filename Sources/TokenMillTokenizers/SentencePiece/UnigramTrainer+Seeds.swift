import Dispatch
import Foundation
import TokenMillCore

/// Seed pieces: sentencepiece's validity rules and the word-weighted suffix array.
extension UnigramTrainer {
    // MARK: - Seeds

    /// sentencepiece's `IsValidSentencePiece` on a code-point string.
    func isValidPiece(_ s: ArraySlice<UInt32>) -> Bool {
        let o = options
        guard !s.isEmpty, s.count <= o.maxSentencePieceLength else { return false }
        var prevScript: Int32 = -2  // "any"
        for (pos, c) in zip(0..., s) {
            if c == Self.unkChar || c == 0 || c == 0x09 || c == 0x20 || c > 0x10FFFF || (0xD800...0xDFFF).contains(c) { return false }
            if c == Self.wsChar {
                if o.treatWhitespaceAsSuffix {
                    if (o.splitByWhitespace && pos < s.count - 1) || (!o.splitByWhitespace && pos < s.count - 1 && pos == 0) { return false }
                } else {
                    if (o.splitByWhitespace && pos > 0) || (!o.splitByWhitespace && pos > 0 && pos == s.count - 1) { return false }
                }
                continue
            }
            var script = UnicodeNormalizer.script(c)
            if script == 20 || script == 22 || c == 0x30FC { script = 17 } else if script == 1 { script = prevScript }
            let isDigit = (0x30...0x39).contains(c) || (0xFF10...0xFF19).contains(c)
            if !o.splitByNumber && isDigit { script = -2 }
            if o.splitDigits && isDigit && s.count > 1 { return false }
            if o.splitByUnicodeScript && script != -2 && prevScript != -2 && prevScript != script { return false }
            prevScript = script
        }
        return true
    }

    /// Every character, and the `seed_sentencepiece_size` substrings with the highest
    /// frequency × length among those that repeat with varied right contexts (the suffix
    /// tree's internal nodes), as log probabilities.
    func makeSeedPieces(_ words: Words) -> [Piece] {
        // Code points of all words, each followed by a 0 boundary; each position's word end and
        // weight (its word's count).
        var text: [UInt32] = []
        var weight: [Int64] = []
        var wordEnd: [Int32] = []
        text.reserveCapacity(words.bytes.count + words.count)
        var charCounts = [Int64](repeating: 0, count: 0x110000)
        for w in 0..<words.count {
            let n = words.counts[w]
            let start = text.count
            Self.forEachScalar(words.word(w)) { c, _, _ in
                text.append(c)
                if c != Self.unkChar && c < 0x110000 { charCounts[Int(c)] += n }
            }
            let end = text.count
            for _ in start..<end { weight.append(n); wordEnd.append(Int32(end)) }
            text.append(0)
            weight.append(0)
            wordEnd.append(Int32(end))
        }
        let cap = options.maxSentencePieceLength + 1
        let suffixes = sortSuffixes(text, wordEnd, weight, cap: cap)
        let sa = suffixes.positions, lcps = suffixes.lcps
        var prefix = [Int64](repeating: 0, count: sa.count + 1)
        for i in 0..<sa.count { prefix[i + 1] = prefix[i] + suffixes.weights[i] }

        // Candidates, found in each first-character range on its own thread: no common prefix
        // crosses a range boundary, so every internal node lies inside one range.
        typealias Candidate = (start: Int32, length: Int32, score: Int64)
        let maxLength = options.maxSentencePieceLength
        var found = [[Candidate]](repeating: [], count: suffixes.ranges.count)
        found.withUnsafeMutableBufferPointer { found in
            nonisolated(unsafe) let found = found, trainer = self, text = text, prefix = prefix
            DispatchQueue.concurrentPerform(iterations: suffixes.ranges.count) { j in
                var local: [Candidate] = []
                func consider(_ start: Int32, _ length: Int, _ freq: Int64) {
                    guard length >= 2, length <= maxLength, trainer.isValidPiece(text[Int(start)..<(Int(start) + length)]) else { return }
                    local.append((start, Int32(length), freq * Int64(length)))
                }
                let range = suffixes.ranges[j]
                guard !range.isEmpty else { return }
                // Internal nodes: LCP intervals (lcp value, left bound), closed with their right bound.
                var stack: [(lcp: Int, lb: Int)] = [(0, range.lowerBound)]
                for i in (range.lowerBound + 1)...range.upperBound {
                    var lb = i - 1
                    let h = i < range.upperBound ? lcps[i] : 0
                    while h < stack.last!.lcp {
                        let top = stack.removeLast()
                        lb = top.lb
                        consider(sa[top.lb], top.lcp, prefix[i] - prefix[top.lb])
                    }
                    if h > stack.last!.lcp { stack.append((h, lb)) }
                }
                // Suffixes that reach their word's end, occur in no other word, and repeat in this one.
                for i in range {
                    // `limits[i]` is the characters to the word's end, or `cap` when that is longer.
                    let toEnd = Int(suffixes.limits[i])
                    guard toEnd <= maxLength, suffixes.weights[i] >= 2, lcps[i] < toEnd, lcps[i + 1] < toEnd else { continue }
                    consider(sa[i], toEnd, suffixes.weights[i])
                }
                found[j] = local
            }
        }
        var candidates = found.flatMap { $0 }
        found = []
        // The best `seed_sentencepiece_size` by score, ties by the piece's characters.
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            return text[Int(a.start)..<Int(a.start + a.length)].lexicographicallyPrecedes(text[Int(b.start)..<Int(b.start + b.length)])
        }
        if candidates.count > options.seedSentencePieceSize { candidates.removeLast(candidates.count - options.seedSentencePieceSize) }

        var seeds: [(bytes: [UInt8], freq: Double)] = []
        let allChars = charCounts.indices.filter { charCounts[$0] > 0 }
        for c in allChars.sorted(by: { charCounts[$0] != charCounts[$1] ? charCounts[$0] > charCounts[$1] : $0 < $1 }) {
            let n = charCounts[c]
            var b: [UInt8] = []
            UTF8Repair.appendScalar(UInt32(c), to: &b)
            seeds.append((b, Double(n)))
        }
        for c in candidates {
            var b: [UInt8] = []
            for k in Int(c.start)..<Int(c.start + c.length) { UTF8Repair.appendScalar(text[k], to: &b) }
            seeds.append((b, Double(c.score)))
        }
        let logSum = log(seeds.reduce(0) { $0 + $1.freq })
        return seeds.map { Piece(bytes: $0.bytes, score: Float(log($0.freq) - logSum)) }
    }

    /// The word-bounded suffixes in sorted order: position, weight, characters up to the word's
    /// end capped at `cap` (`limits`), and the longest common prefix with the previous suffix
    /// (`lcps`, one more entry than suffixes, 0 at both ends).
    struct SortedSuffixes {
        /// The first-character ranges (one per job), in order.
        var ranges: [Range<Int>] = []
        var positions: [Int32] = []
        var limits: [Int32] = []
        var weights: [Int64] = []
        var lcps: [Int] = []
    }

    /// The word-bounded suffixes of `text` (every position whose character is not 0) in the
    /// order of their first `cap` characters, a suffix that ends first before its extensions,
    /// ties by position. Each suffix gets a 64-bit key of its first characters' ranks, so most
    /// comparisons, and most common prefixes, come from one integer; the suffixes are split by
    /// first character into one range per job, and each job sorts its range and reads its
    /// weights and common prefixes (random reads of the text, done side by side).
    func sortSuffixes(_ text: [UInt32], _ wordEnd: [Int32], _ weight: [Int64], cap: Int) -> SortedSuffixes {
        // Dense ranks 1… of the characters in code-point order; 0 stands for "past the end".
        var rank = [UInt32](repeating: 0, count: 0x110000)
        for c in text where c != 0 && c < 0x110000 { rank[Int(c)] = 1 }
        var distinct: UInt32 = 0
        for c in 0..<rank.count where rank[c] != 0 { distinct += 1; rank[c] = distinct }
        let bits = max(1, UInt32.bitWidth - distinct.leadingZeroBitCount)
        let perKey = min(64 / bits, cap)
        let unusedBits = 64 - perKey * bits
        let lastSlot = UInt64(1) << UInt64(bits) - 1

        struct Entry { var key: UInt64; var position: Int32; var limit: Int32 }
        // First-character ranges of about equal size, one per job; each range's entries are
        // made straight into its own array.
        var firstCounts = [Int](repeating: 0, count: Int(distinct) + 1)
        var total = 0
        for c in text where c != 0 { firstCounts[Int(rank[Int(c)])] += 1; total += 1 }
        let jobs = max(1, min(options.jobs, total / 100_000 + 1))
        var rangeOf = [Int](repeating: 0, count: firstCounts.count)
        var sizes = [Int](repeating: 0, count: jobs)
        var seen = 0
        for r in 0..<firstCounts.count {
            rangeOf[r] = min(jobs - 1, seen * jobs / max(1, total))
            sizes[rangeOf[r]] += firstCounts[r]
            seen += firstCounts[r]
        }
        var parts = sizes.map { n -> [Entry] in
            var part: [Entry] = []
            part.reserveCapacity(n)
            return part
        }
        for i in 0..<text.count where text[i] != 0 {
            let end = min(Int(wordEnd[i]), i + cap)
            var key: UInt64 = 0
            for k in i..<(i + perKey) { key = key << UInt64(bits) | UInt64(k < end ? rank[Int(text[k])] : 0) }
            parts[rangeOf[Int(rank[Int(text[i])])]].append(Entry(key: key, position: Int32(i), limit: Int32(end - i)))
        }
        /// Common prefix of two suffixes with equal keys, from character `perKey` on.
        @Sendable @inline(__always)
        func tailLCP(_ t: UnsafeBufferPointer<UInt32>, _ a: Entry, _ b: Entry) -> Int {
            let n = Int(min(a.limit, b.limit))
            var k = perKey
            while k < n && t[Int(a.position) + k] == t[Int(b.position) + k] { k += 1 }
            return min(k, n)
        }
        @Sendable @inline(__always)
        func lcp(_ t: UnsafeBufferPointer<UInt32>, _ a: Entry, _ b: Entry) -> Int {
            let x = a.key ^ b.key
            return x != 0 ? (x.leadingZeroBitCount - unusedBits) / bits : tailLCP(t, a, b)
        }
        // Each job writes its range's part of the output arrays.
        var all = SortedSuffixes()
        all.positions = [Int32](repeating: 0, count: total)
        all.limits = [Int32](repeating: 0, count: total)
        all.weights = [Int64](repeating: 0, count: total)
        all.lcps = [Int](repeating: 0, count: total + 1)
        let offsets = sizes.reduce(into: [0]) { $0.append($0.last! + $1) }
        all.ranges = (0..<jobs).map { offsets[$0]..<offsets[$0 + 1] }
        text.withUnsafeBufferPointer { t in
          weight.withUnsafeBufferPointer { w in
            parts.withUnsafeMutableBufferPointer { parts in
              all.positions.withUnsafeMutableBufferPointer { positions in
                all.limits.withUnsafeMutableBufferPointer { limits in
                  all.weights.withUnsafeMutableBufferPointer { weights in
                    all.lcps.withUnsafeMutableBufferPointer { lcps in
                      nonisolated(unsafe) let parts = parts, t = t, w = w
                      nonisolated(unsafe) let positions = positions, limits = limits, weights = weights, lcps = lcps
                      DispatchQueue.concurrentPerform(iterations: jobs) { j in
                        parts[j].sort { a, b in
                            if a.key != b.key { return a.key < b.key }
                            // The same first `perKey` characters: the rest decides, unless one ended.
                            if perKey == cap || a.key & lastSlot == 0 { return a.position < b.position }
                            let n = Int(min(a.limit, b.limit))
                            var k = perKey
                            while k < n {
                                let ca = t[Int(a.position) + k], cb = t[Int(b.position) + k]
                                if ca != cb { return ca < cb }
                                k += 1
                            }
                            if a.limit != b.limit { return a.limit < b.limit }
                            return a.position < b.position
                        }
                        let base = offsets[j]
                        let part = parts[j]
                        for (k, e) in part.enumerated() {
                            positions[base + k] = e.position
                            limits[base + k] = e.limit
                            weights[base + k] = w[Int(e.position)]
                            if k > 0 { lcps[base + k] = lcp(t, part[k - 1], e) }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        // Common prefixes across range boundaries.
        var previous: Entry? = nil
        for j in 0..<jobs where !parts[j].isEmpty {
            if let previous { all.lcps[offsets[j]] = text.withUnsafeBufferPointer { lcp($0, previous, parts[j][0]) } }
            previous = parts[j].last
        }
        return all
    }
}
