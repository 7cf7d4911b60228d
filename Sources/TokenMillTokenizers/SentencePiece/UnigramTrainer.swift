import Dispatch
import Foundation
import TokenMillCore

/// Trains a SentencePiece Unigram model the way sentencepiece's trainer does — seed pieces from
/// a suffix array, EM with the Bayesian (digamma) M-step, pruning by the likelihood lost when a
/// piece is replaced by its second-best segmentation, `shrinking_factor` per round, required
/// characters by `character_coverage` — with two differences that make it deterministic and
/// fast:
///
/// * sentences are split into words and counted first (sentencepiece does this too, after
///   seeding), and the seed suffix array runs over the distinct words, each suffix weighted by
///   its word's count: the same substrings and frequencies as sentencepiece's suffix array over
///   the whole corpus, for a fraction of the memory (a word's end counts as a varied right
///   context, as it nearly always is in running text);
/// * expected counts are summed in 64-bit fixed point, so the sums do not depend on how the
///   words are spread over threads: `--jobs 1` and `--jobs 8` give byte-identical models.
public struct UnigramTrainer {
    public struct Options: Sendable {
        public var vocabSize = 8000
        public var characterCoverage: Float = 0.9995
        public var byteFallback = false
        public var maxSentencePieceLength = 16
        public var maxSentenceLength = 4192
        public var splitDigits = false
        public var splitByWhitespace = true
        public var splitByUnicodeScript = true
        public var splitByNumber = true
        public var treatWhitespaceAsSuffix = false
        public var userDefinedSymbols: [String] = []
        public var controlSymbols: [String] = []
        /// 0 = every sentence; else a seeded uniform sample of this many (reservoir).
        public var inputSentenceSize = 0
        public var seed: UInt64 = 0
        public var shrinkingFactor: Float = 0.75
        public var numSubIterations = 2
        public var seedSentencePieceSize = 1_000_000
        public var unkID = 0, bosID = 1, eosID = 2, padID = -1
        /// "nmt_nfkc" (sentencepiece's default), "nfkc" or "identity".
        public var normalization = "nmt_nfkc"
        public var addDummyPrefix = true
        public var removeExtraWhitespaces = true
        public var jobs = 1
        public init() {}
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    static let unkChar: UInt32 = 0x2585
    static let wsChar: UInt32 = 0x2581
    static let unkPenalty: Float = 10

    /// Distinct words (normalized UTF-8, '▁' included) and their counts.
    struct Words {
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        var counts: [Int64] = []
        var count: Int { counts.count }
        func word(_ i: Int) -> ArraySlice<UInt8> { bytes[offsets[i]..<offsets[i + 1]] }
    }

    public struct Progress: Sendable {
        public var sentences = 0
        public var skippedTooLong = 0
        public var words = 0
        public var requiredChars = 0
        public var seedPieces = 0
        public var rounds = 0
    }
    public private(set) var progress = Progress()

    // MARK: - Training

    /// Trains on `sentences` (each a line of raw UTF-8 text) and returns the model.
    public mutating func train(sentences input: [[UInt8]]) throws -> SentencePieceModel {
        let o = options
        let clock = ContinuousClock.now
        let trace = ProcessInfo.processInfo.environment["TOKENMILL_TRACE"] != nil
        func mark(_ what: String) {
            if trace { FileHandle.standardError.write(Data("unigram: \(what) at \(ContinuousClock.now - clock)\n".utf8)) }
        }
        let meta = try metaPieces()
        guard o.vocabSize > meta.count else {
            throw TokenMillError(.invalidConfiguration, "vocab_size \(o.vocabSize) leaves no room after \(meta.count) reserved pieces")
        }
        let normalizerSpec = try makeNormalizerSpec()
        let normalizer = try SentencePieceNormalizer(spec: normalizerSpec, treatWhitespaceAsSuffix: o.treatWhitespaceAsSuffix,
                                                     userDefined: [], path: "<unigram trainer>")
        // 1. Sentences: too long or reserved-char lines skipped, then an optional seeded sample.
        var selected: [Int] = []
        for (i, s) in input.enumerated() where !s.isEmpty {
            if s.count > o.maxSentenceLength { progress.skippedTooLong += 1; continue }
            if Self.containsUnkChar(s) { continue }
            selected.append(i)
        }
        if o.inputSentenceSize > 0 && selected.count > o.inputSentenceSize {
            var rng = SplitMix64(seed: o.seed)
            var reservoir = Array(selected[..<o.inputSentenceSize])
            for j in o.inputSentenceSize..<selected.count {
                let r = Int(rng.next() % UInt64(j + 1))
                if r < o.inputSentenceSize { reservoir[r] = selected[j] }
            }
            selected = reservoir.sorted()
        }
        progress.sentences = selected.count
        let chosen = selected

        // 2. Normalize, count characters and words (per job, merged: integer sums).
        let metaStrings = meta.map(\.piece).filter { !$0.isEmpty }.map { Array($0.utf8) }
        let jobs = max(1, min(o.jobs, max(1, selected.count / 1000)))
        var partCounts = [WordCounter?](repeating: nil, count: jobs)
        var partChars = [[Int64]](repeating: [], count: jobs)
        let splitWords = o.splitByWhitespace
        let suffix = o.treatWhitespaceAsSuffix
        partChars.withUnsafeMutableBufferPointer { pch in
          partCounts.withUnsafeMutableBufferPointer { pc in
            nonisolated(unsafe) let pch = pch, pc = pc
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                let words = WordCounter()
                var chars = [Int64](repeating: 0, count: 0x110000)
                var buffer: [UInt8] = []
                let lo = chosen.count * j / jobs, hi = chosen.count * (j + 1) / jobs
                for k in lo..<hi {
                    buffer.removeAll(keepingCapacity: true)
                    if metaStrings.isEmpty {
                        input[chosen[k]].withUnsafeBytes { normalizer.normalize($0, into: &buffer) }
                    } else {
                        Self.replacing(metaStrings, in: input[chosen[k]], with: 0x09).withUnsafeBytes { normalizer.normalize($0, into: &buffer) }
                    }
                    if buffer.isEmpty { continue }
                    Self.forEachScalar(buffer) { c, _, _ in if c != 0 && c != 0x20 && c < 0x110000 { chars[Int(c)] += 1 } }
                    buffer.withUnsafeBytes { raw in
                        Self.forEachWord(buffer, split: splitWords, suffix: suffix) { w in
                            words.add(UnsafeRawBufferPointer(rebasing: raw[w.startIndex..<w.endIndex]))
                        }
                    }
                }
                pc[j] = words
                pch[j] = chars
            }
          }
        }
        mark("normalized and counted")
        var charCounts: [UInt32: Int64] = [:]
        for part in partChars { for (c, n) in part.enumerated() where n > 0 { charCounts[UInt32(c), default: 0] += n } }
        partChars = []

        // 3. Required characters: the most frequent until `character_coverage` is reached.
        let total = charCounts.values.reduce(0, +)
        var required: [(UInt32, Int64)] = []
        var accumulated: Int64 = 0
        for (c, n) in charCounts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            if Double(accumulated) / Double(max(total, 1)) >= Double(o.characterCoverage) { break }
            accumulated += n
            required.append((c, n))
        }
        let requiredSet = Set(required.map(\.0))
        progress.requiredChars = required.count
        guard required.count + meta.count < o.vocabSize else {
            throw TokenMillError(.invalidConfiguration, "vocab_size \(o.vocabSize) is smaller than the \(required.count) required characters + \(meta.count) reserved pieces: raise vocab_size or lower character_coverage")
        }

        // 4. Rare characters become U+2585 in the words; duplicates merge.
        let merged = WordCounter()
        for part in partCounts {
            guard let part else { continue }
            part.arena.withUnsafeBytes { arena in
                for e in 0..<part.count {
                    let w = part.word(e)
                    var clean = true
                    Self.forEachScalar(w) { c, _, _ in if !requiredSet.contains(c) { clean = false } }
                    if clean { merged.add(UnsafeRawBufferPointer(rebasing: arena[w.startIndex..<w.endIndex]), count: part.counts[e]); continue }
                    var out: [UInt8] = []
                    Self.forEachScalar(w) { c, s, e in
                        if requiredSet.contains(c) { out += w[s..<e] } else { UTF8Repair.appendScalar(Self.unkChar, to: &out) }
                    }
                    out.withUnsafeBytes { merged.add($0, count: part.counts[e]) }
                }
            }
        }
        partCounts = []
        var words = Words()
        let order = (0..<merged.count).sorted { a, b in
            merged.counts[a] != merged.counts[b] ? merged.counts[a] > merged.counts[b] : merged.word(a).lexicographicallyPrecedes(merged.word(b))
        }
        for e in order {
            words.bytes += merged.word(e)
            words.offsets.append(words.bytes.count)
            words.counts.append(Int64(merged.counts[e]))
        }
        progress.words = words.count
        guard words.count > 0 else { throw TokenMillError(.invalidConfiguration, "no training text left after normalization") }

        // 5. Seed pieces, then EM and pruning rounds until 1.1 × vocab_size pieces remain.
        mark("\(words.count) distinct words")
        var pieces = makeSeedPieces(words)
        progress.seedPieces = pieces.count
        mark("\(pieces.count) seed pieces")
        let desired = Int(Double(o.vocabSize) * 1.1)
        while true {
            for _ in 0..<o.numSubIterations {
                let expected = expectedCounts(pieces, words)
                pieces = mStep(pieces, expected)
                mark("EM: \(pieces.count) pieces")
            }
            progress.rounds += 1
            if pieces.count <= desired { break }
            pieces = prune(pieces, words, desired: desired)
            mark("pruned to \(pieces.count)")
        }

        // 6. Final pieces: required characters first, then the best-scoring pieces.
        let minScore = pieces.map(\.score).min() ?? 0
        let scoreOf = Dictionary(pieces.map { ($0.bytes, $0.score) }, uniquingKeysWith: { a, _ in a })
        var final: [[UInt8]: Float] = [:]
        var penalty: Float = 0
        for (c, _) in required {
            var b: [UInt8] = []
            UTF8Repair.appendScalar(c, to: &b)
            if let s = scoreOf[b] { final[b] = s } else { final[b] = minScore + penalty; penalty += 0.0001 }
        }
        let room = o.vocabSize - meta.count
        for p in pieces.sorted(by: Self.byScore) where final[p.bytes] == nil {
            if final.count == room { break }
            final[p.bytes] = p.score
        }
        let finalSorted = final.map { Piece(bytes: $0.key, score: $0.value) }.sorted(by: Self.byScore)
        guard finalSorted.count == room else {
            throw TokenMillError(.invalidConfiguration, "vocab_size \(o.vocabSize) is too high for this corpus: only \(finalSorted.count + meta.count) pieces could be made (lower vocab_size)")
        }

        // 7. The model: reserved pieces at their ids, the rest in score order.
        var model = SentencePieceModel()
        model.modelType = .unigram
        model.vocabSize = o.vocabSize
        model.byteFallback = o.byteFallback
        model.treatWhitespaceAsSuffix = o.treatWhitespaceAsSuffix
        model.unkID = o.unkID
        model.bosID = o.bosID
        model.eosID = o.eosID
        model.padID = o.padID
        model.normalizer = normalizerSpec
        var byID: [Int: SentencePieceModel.Piece] = [:]
        for m in meta { byID[m.id] = SentencePieceModel.Piece(piece: m.piece, score: 0, type: m.type) }
        var next = 0
        for id in 0..<o.vocabSize {
            if let m = byID[id] { model.pieces.append(m); continue }
            let p = finalSorted[next]
            next += 1
            model.pieces.append(SentencePieceModel.Piece(piece: String(decoding: p.bytes, as: UTF8.self), score: p.score, type: .normal))
        }
        model.trainer = trainerRecord()
        return model
    }

    // MARK: - Pieces

    struct Piece {
        var bytes: [UInt8]
        var score: Float
    }

    /// Score descending, then bytes ascending (sentencepiece's `Sorted`).
    static func byScore(_ a: Piece, _ b: Piece) -> Bool {
        a.score != b.score ? a.score > b.score : a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    struct Meta {
        var id: Int
        var piece: String
        var type: SentencePieceModel.PieceType
    }

    /// Reserved pieces with their ids: unk/bos/eos/pad at theirs, then control and user-defined
    /// symbols and (with byte_fallback) the 256 byte pieces at the lowest free ids.
    func metaPieces() throws -> [Meta] {
        let o = options
        var taken: [Int: Meta] = [:]
        func put(_ id: Int, _ piece: String, _ type: SentencePieceModel.PieceType) throws {
            guard id >= 0 else { return }
            guard id < o.vocabSize, taken[id] == nil else {
                throw TokenMillError(.invalidConfiguration, "reserved id \(id) for \(piece) is taken or outside vocab_size \(o.vocabSize)")
            }
            taken[id] = Meta(id: id, piece: piece, type: type)
        }
        guard o.unkID >= 0 else { throw TokenMillError(.invalidConfiguration, "unk_id \(o.unkID): <unk> must have an id (0 by default)") }
        try put(o.unkID, "<unk>", .unknown)
        try put(o.bosID, "<s>", .control)
        try put(o.eosID, "</s>", .control)
        try put(o.padID, "<pad>", .control)
        var seen = Set(taken.values.map(\.piece))
        var id = 0
        func add(_ piece: String, _ type: SentencePieceModel.PieceType) throws {
            guard piece != "<unk>" else { throw TokenMillError(.invalidConfiguration, "<unk> cannot be a control or user-defined symbol") }
            if let existing = taken.values.first(where: { $0.piece == piece }), ["<s>", "</s>", "<pad>"].contains(piece) {
                taken[existing.id]!.type = type
                return
            }
            guard seen.insert(piece).inserted else { throw TokenMillError(.invalidConfiguration, "symbol \(piece) is defined twice") }
            while taken[id] != nil { id += 1 }
            guard id < o.vocabSize else { throw TokenMillError(.invalidConfiguration, "too many reserved symbols for vocab_size \(o.vocabSize)") }
            taken[id] = Meta(id: id, piece: piece, type: type)
        }
        for s in o.controlSymbols { try add(s, .control) }
        for s in o.userDefinedSymbols { try add(s, .userDefined) }
        if o.byteFallback {
            for b in 0..<256 {
                let hex = String(b, radix: 16, uppercase: true)
                try add("<0x\(hex.count == 1 ? "0" + hex : hex)>", .byte)
            }
        }
        return taken.values.sorted { $0.id < $1.id }
    }

    func makeNormalizerSpec() throws -> SentencePieceModel.Normalizer {
        var spec = SentencePieceModel.Normalizer()
        spec.name = options.normalization
        spec.addDummyPrefix = options.addDummyPrefix
        spec.removeExtraWhitespaces = options.removeExtraWhitespaces
        spec.escapeWhitespaces = true
        switch options.normalization {
        case "nmt_nfkc": spec.precompiledCharsmap = NormalizationRules.nmtNFKCBlob
        case "nfkc": spec.precompiledCharsmap = try NormalizationRules.compile(NormalizationRules.buildNFKC())
        case "identity": spec.precompiledCharsmap = []
        default: throw TokenMillError(.invalidConfiguration, "normalization \(options.normalization): expected nmt_nfkc, nfkc or identity")
        }
        return spec
    }

    func trainerRecord() -> SentencePieceModel.TrainerRecord {
        let o = options
        var t = SentencePieceModel.TrainerRecord()
        t.characterCoverage = o.characterCoverage
        t.inputSentenceSize = o.inputSentenceSize
        t.seedSentencePieceSize = o.seedSentencePieceSize
        t.shrinkingFactor = o.shrinkingFactor
        t.maxSentenceLength = o.maxSentenceLength
        t.numSubIterations = o.numSubIterations
        t.maxSentencePieceLength = o.maxSentencePieceLength
        t.splitByUnicodeScript = o.splitByUnicodeScript
        t.splitByNumber = o.splitByNumber
        t.splitByWhitespace = o.splitByWhitespace
        t.splitDigits = o.splitDigits
        t.controlSymbols = o.controlSymbols
        t.userDefinedSymbols = o.userDefinedSymbols
        t.seed = o.seed
        return t
    }

    // MARK: - Text helpers

    /// Calls `body` with each code point of valid UTF-8 and its byte range.
    @inline(__always)
    static func forEachScalar(_ b: ArraySlice<UInt8>, _ body: (UInt32, Int, Int) -> Void) {
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            let len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            let end = min(i + len, b.endIndex)
            var v: UInt32 = len == 1 ? UInt32(c) : UInt32(c) & (0xFF >> UInt32(len + 1))
            var k = i + 1
            while k < end { v = v << 6 | UInt32(b[k] & 0x3F); k += 1 }
            body(v, i, end)
            i = end
        }
    }
    static func forEachScalar(_ b: [UInt8], _ body: (UInt32, Int, Int) -> Void) { forEachScalar(b[...], body) }

    /// Words of normalized text: a new word begins at each '▁' (or ends after it, in suffix mode).
    static func forEachWord(_ text: [UInt8], split: Bool, suffix: Bool, _ body: (ArraySlice<UInt8>) -> Void) {
        guard split else { body(text[...]); return }
        var start = 0
        var i = 0
        while i < text.count {
            let isWS = i + 2 < text.count && text[i] == 0xE2 && text[i + 1] == 0x96 && text[i + 2] == 0x81
            if isWS {
                if suffix {
                    body(text[start..<(i + 3)])
                    start = i + 3
                } else if i > start {
                    body(text[start..<i])
                    start = i
                }
                i += 3
            } else {
                i += 1
            }
        }
        if start < text.count { body(text[start...]) }
    }

    static func containsUnkChar(_ s: [UInt8]) -> Bool {
        var i = 0
        while i + 2 < s.count {
            if s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x85 { return true }
            i += 1
        }
        return false
    }

    static func replacing(_ needles: [[UInt8]], in text: [UInt8], with byte: UInt8) -> [UInt8] {
        var first = [Bool](repeating: false, count: 256)
        for n in needles { first[Int(n[0])] = true }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        outer: while i < text.count {
            if !first[Int(text[i])] { out.append(text[i]); i += 1; continue }
            for n in needles where n.count <= text.count - i && text[i..<(i + n.count)].elementsEqual(n) {
                out.append(byte)
                i += n.count
                continue outer
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

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
        // Code points of all words, each followed by a 0 boundary; weights per position.
        var text: [UInt32] = []
        var weight: [Int64] = []
        var wordEnd: [Int32] = []
        text.reserveCapacity(words.bytes.count + words.count)
        var allChars: [UInt32: Int64] = [:]
        for w in 0..<words.count {
            let n = words.counts[w]
            let start = text.count
            Self.forEachScalar(words.word(w)) { c, _, _ in
                text.append(c)
                if c != Self.unkChar { allChars[c, default: 0] += n }
            }
            let end = text.count
            for _ in start..<end { weight.append(n); wordEnd.append(Int32(end)) }
            text.append(0)
            weight.append(0)
            wordEnd.append(Int32(end))
        }
        let cap = options.maxSentencePieceLength + 1
        // Suffixes (word-bounded, compared on their first `cap` characters).
        var sa: [Int32] = []
        sa.reserveCapacity(text.count)
        for i in 0..<text.count where text[i] != 0 { sa.append(Int32(i)) }
        text.withUnsafeBufferPointer { t in
            wordEnd.withUnsafeBufferPointer { we in
                sa.sort { a, b in
                    let ea = min(Int(we[Int(a)]), Int(a) + cap), eb = min(Int(we[Int(b)]), Int(b) + cap)
                    var i = Int(a), j = Int(b)
                    while i < ea && j < eb {
                        if t[i] != t[j] { return t[i] < t[j] }
                        i += 1; j += 1
                    }
                    if (i < ea) != (j < eb) { return i == ea }
                    return a < b
                }
            }
        }
        func lcp(_ a: Int32, _ b: Int32) -> Int {
            let ea = min(Int(wordEnd[Int(a)]), Int(a) + cap), eb = min(Int(wordEnd[Int(b)]), Int(b) + cap)
            var i = Int(a), j = Int(b), n = 0
            while i < ea && j < eb && text[i] == text[j] { i += 1; j += 1; n += 1 }
            return n
        }
        var lcps = [Int](repeating: 0, count: sa.count + 1)
        for i in 1..<max(1, sa.count) { lcps[i] = lcp(sa[i - 1], sa[i]) }
        var prefix = [Int64](repeating: 0, count: sa.count + 1)
        for i in 0..<sa.count { prefix[i + 1] = prefix[i] + weight[Int(sa[i])] }

        var candidates: [(start: Int32, length: Int32, score: Int64)] = []
        func consider(_ start: Int32, _ length: Int, _ freq: Int64) {
            guard length >= 2, length <= options.maxSentencePieceLength,
                  isValidPiece(text[Int(start)..<(Int(start) + length)]) else { return }
            candidates.append((start, Int32(length), freq * Int64(length)))
        }
        // Internal nodes: LCP intervals (lcp value, left bound), closed with their right bound.
        var stack: [(lcp: Int, lb: Int)] = [(0, 0)]
        for i in 1...sa.count {
            var lb = i - 1
            let h = i < sa.count ? lcps[i] : 0
            while h < stack.last!.lcp {
                let top = stack.removeLast()
                lb = top.lb
                consider(sa[top.lb], top.lcp, prefix[i] - prefix[top.lb])
            }
            if h > stack.last!.lcp { stack.append((h, lb)) }
        }
        // Suffixes that reach their word's end, occur in no other word, and repeat in this one.
        for i in 0..<sa.count {
            let p = Int(sa[i])
            let toEnd = Int(wordEnd[p]) - p
            guard toEnd <= options.maxSentencePieceLength, weight[p] >= 2,
                  lcps[i] < toEnd, lcps[i + 1] < toEnd else { continue }
            consider(sa[i], toEnd, weight[p])
        }
        // The best `seed_sentencepiece_size` by score, ties by the piece's characters.
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            return text[Int(a.start)..<Int(a.start + a.length)].lexicographicallyPrecedes(text[Int(b.start)..<Int(b.start + b.length)])
        }
        if candidates.count > options.seedSentencePieceSize { candidates.removeLast(candidates.count - options.seedSentencePieceSize) }

        var seeds: [(bytes: [UInt8], freq: Double)] = []
        for (c, n) in allChars.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            var b: [UInt8] = []
            UTF8Repair.appendScalar(c, to: &b)
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
                let charLen = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
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
