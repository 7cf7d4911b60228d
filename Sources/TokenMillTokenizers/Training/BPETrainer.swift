import Dispatch
import Synchronization
import TokenMillCore

/// Options of `BPETrainer`; the names and defaults are those of Hugging Face's `BpeTrainer`
/// with the ByteLevel pre-tokenizer.
public struct BPETrainerOptions: Sendable, Equatable {
    public var vocabSize: Int = 30000
    public var minFrequency: UInt64 = 0
    public var specialTokens: [String] = []
    /// The split pattern (`gpt2` is ByteLevel with `use_regex`; others are Split + ByteLevel).
    public var pattern: PatternSplitter.Pattern = .gpt2
    /// Start from all 256 bytes (`initial_alphabet=ByteLevel.alphabet()`), or only the bytes seen.
    public var fullByteAlphabet = true
    public var normalizers: [NormalizerStep] = []

    public init(vocabSize: Int = 30000, minFrequency: UInt64 = 0, specialTokens: [String] = [],
                pattern: PatternSplitter.Pattern = .gpt2, fullByteAlphabet: Bool = true, normalizers: [NormalizerStep] = []) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
        self.pattern = pattern
        self.fullByteAlphabet = fullByteAlphabet
        self.normalizers = normalizers
    }
}

/// The result of training: tokens by id (raw bytes; specials as their UTF-8) and merges in the
/// order they were made.
public struct TrainedBPE: Sendable {
    public var options: BPETrainerOptions
    public var tokens: [[UInt8]]
    public var specialCount: Int
    /// (left, right, result) ids, in order, including the repeated merges HF also records.
    public var merges: [(UInt32, UInt32, UInt32)]
}

/// Byte-level BPE training that reproduces Hugging Face's `BpeTrainer` exactly.
///
/// The algorithm (and its quirks) follow `tokenizers/src/models/bpe/trainer.rs`: specials first,
/// then the alphabet in code-point order of the byte-level characters, then merges. A max-heap
/// holds (count, pair, words) entries, highest count first, then the smallest (left, right);
/// a popped entry whose count is stale is re-pushed with the current count; a merge is applied
/// only in the words of the popped entry; the merged pair's own count is not decremented; a merge
/// whose result is already a token is recorded without growing the vocabulary (the
/// "duplicate-merge quirk"); training stops when the vocabulary is full, the heap is empty, or
/// the best count is below `min_frequency`.
///
/// Why it is fast: words live in one flat `UInt32` array; pair counts and the heap use integer
/// keys in open-addressing tables; positions are plain arrays deduplicated as they are built.
public final class BPETrainer {
    public let options: BPETrainerOptions
    let counter = WordCounter()

    public init(options: BPETrainerOptions) { self.options = options }

    /// The pre-tokenizer of the tokenizer being trained.
    func pieceTokenizer() -> BPETokenizer {
        let model = BPEModel(tokenBytes: [], merges: [], byteLevel: true, ignoreMerges: false, unkID: nil, fuseUnk: false, byteFallback: false)
        return BPETokenizer(name: "trainer", flavor: .huggingFace, model: model, normalizers: options.normalizers,
                            preTokenizers: options.pattern == .gpt2 ? [.byteLevel(addPrefixSpace: false, useRegex: true)]
                                : [.split(options.pattern), .byteLevel(addPrefixSpace: false, useRegex: false)],
                            decoders: [], addedTokens: [], fingerprint: "", eosID: 0, bosID: nil)
    }

    /// Counts the pre-tokens of `texts` on `jobs` threads (streaming: call it repeatedly).
    public func feed(_ texts: [[UInt8]], jobs: Int = 1) {
        let t = pieceTokenizer()
        let workers = max(1, min(jobs, texts.count))
        let counters = (0..<workers).map { _ in WordCounter() }
        nonisolated(unsafe) let shared = counters
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let encoder = BPEEncoder(t)
            let c = shared[w]
            var k = w
            while k < texts.count {
                texts[k].withUnsafeBytes { raw in encoder.forEachPiece(raw) { c.add($0) } }
                k += workers
            }
        }
        for c in counters { counter.merge(c) }
    }

    public var distinctWords: Int { counter.count }

    public func train() -> TrainedBPE {
        var idOf: [[UInt8]: UInt32] = [:]
        var tokens: [[UInt8]] = []
        func add(_ t: [UInt8]) {
            if idOf[t] == nil { idOf[t] = UInt32(tokens.count); tokens.append(t) }
        }
        for s in options.specialTokens { add(ByteLevelAlphabet.decode(s) ?? Array(s.utf8)) }
        let specialCount = tokens.count
        // Alphabet: bytes seen (or all 256), in code-point order of their byte-level characters.
        var seen = [Bool](repeating: options.fullByteAlphabet, count: 256)
        if !options.fullByteAlphabet { for b in counter.arena { seen[Int(b)] = true } }
        for b in (0..<256).filter({ seen[$0] }).sorted(by: { ByteLevelAlphabet.scalars[$0] < ByteLevelAlphabet.scalars[$1] }) {
            add([UInt8(b)])
        }
        let byteID = (0..<256).map { idOf[[UInt8($0)]] ?? UInt32.max }

        // Words as symbol ids in one flat array.
        let wordCount = counter.count
        var starts = [Int](repeating: 0, count: wordCount)
        var lengths = [Int32](repeating: 0, count: wordCount)
        var counts = [Int64](repeating: 0, count: wordCount)
        var syms: [UInt32] = []
        syms.reserveCapacity(counter.arena.count)
        for e in 0..<wordCount {
            starts[e] = syms.count
            for b in counter.word(e) where byteID[Int(b)] != UInt32.max { syms.append(byteID[Int(b)]) }
            lengths[e] = Int32(syms.count - starts[e])
            counts[e] = Int64(counter.counts[e])
        }

        // Initial pair counts and positions.
        var pairCounts = PairCounts(capacity: 1 << 16)
        var posLists: [[Int32]] = []
        var posIndex: [UInt64: Int] = [:]
        for w in 0..<wordCount {
            let s = starts[w], n = Int(lengths[w])
            guard n >= 2 else { continue }
            for k in s..<(s + n - 1) {
                let key = UInt64(syms[k]) << 32 | UInt64(syms[k + 1])
                pairCounts.add(key, counts[w])
                if let p = posIndex[key] {
                    if posLists[p].last != Int32(w) { posLists[p].append(Int32(w)) }
                } else {
                    posIndex[key] = posLists.count
                    posLists.append([Int32(w)])
                }
            }
        }
        var heap = BinaryHeap<MergeCandidate>()
        for (key, p) in posIndex {
            let c = pairCounts.get(key)
            if c > 0 { heap.push(MergeCandidate(count: UInt64(c), pair: key, pos: Int32(p))) }
        }
        posIndex = [:]

        var merges: [(UInt32, UInt32, UInt32)] = []
        var newPositions: [UInt64: Int] = [:]
        while tokens.count < options.vocabSize {
            guard var top = heap.pop() else { break }
            let current = pairCounts.get(top.pair)
            if top.count != UInt64(max(current, 0)) || current < 0 {
                top.count = UInt64(max(current, 0))
                heap.push(MergeCandidate(count: top.count, pair: top.pair, pos: top.pos))
                continue
            }
            if top.count < 1 || options.minFrequency > top.count { break }
            let a = UInt32(truncatingIfNeeded: top.pair >> 32), b = UInt32(truncatingIfNeeded: top.pair)
            let newToken = tokens[Int(a)] + tokens[Int(b)]
            let newID: UInt32
            if let existing = idOf[newToken] { newID = existing } else {
                newID = UInt32(tokens.count)
                idOf[newToken] = newID
                tokens.append(newToken)
            }
            merges.append((a, b, newID))

            // Merge in the words of this entry, collecting count changes and new positions.
            newPositions.removeAll(keepingCapacity: true)
            let positions = posLists[Int(top.pos)]
            posLists[Int(top.pos)] = []
            for w32 in positions {
                let w = Int(w32)
                let s = starts[w]
                var n = Int(lengths[w])
                let wc = counts[w]
                var i = 0
                while i < n {
                    if syms[s + i] == a && i + 1 < n && syms[s + i + 1] == b {
                        if i > 0 {
                            let prev = syms[s + i - 1]
                            pairCounts.add(UInt64(prev) << 32 | UInt64(a), -wc)
                            let key = UInt64(prev) << 32 | UInt64(newID)
                            pairCounts.add(key, wc)
                            note(key, w32, &newPositions, &posLists)
                        }
                        syms[s + i] = newID
                        if i + 2 < n {
                            for k in (s + i + 1)..<(s + n - 1) { syms[k] = syms[k + 1] }
                        }
                        n -= 1
                        if i < n - 1 {
                            let next = syms[s + i + 1]
                            pairCounts.add(UInt64(b) << 32 | UInt64(next), -wc)
                            let key = UInt64(newID) << 32 | UInt64(next)
                            pairCounts.add(key, wc)
                            note(key, w32, &newPositions, &posLists)
                        }
                    }
                    i += 1
                }
                lengths[w] = Int32(n)
            }
            for (key, p) in newPositions {
                let c = pairCounts.get(key)
                if c > 0 { heap.push(MergeCandidate(count: UInt64(c), pair: key, pos: Int32(p))) } else { posLists[p] = [] }
            }
        }
        return TrainedBPE(options: options, tokens: tokens, specialCount: specialCount, merges: merges)
    }

    /// Records word `w` for a pair whose count rose (once per word, as HF's position sets).
    @inline(__always)
    private func note(_ key: UInt64, _ w: Int32, _ newPositions: inout [UInt64: Int], _ posLists: inout [[Int32]]) {
        if let p = newPositions[key] {
            if posLists[p].last != w { posLists[p].append(w) }
        } else {
            newPositions[key] = posLists.count
            posLists.append([w])
        }
    }
}

/// A merge candidate of training: highest count first, then the smallest pair.
struct MergeCandidate: HeapElement {
    var count: UInt64
    var pair: UInt64
    var pos: Int32
    static func before(_ x: Self, _ y: Self) -> Bool { x.count != y.count ? x.count > y.count : x.pair < y.pair }
}
