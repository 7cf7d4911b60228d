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

    /// Sentences in one byte buffer: sentence `i` is `bytes[ends[i - 1]..<ends[i]]` (from 0 for
    /// the first), so a corpus of millions of lines is two allocations, not millions.
    public struct Sentences: Sendable {
        public private(set) var bytes: [UInt8] = []
        public private(set) var ends: [Int] = []
        public init() {}
        public var count: Int { ends.count }
        public mutating func append(_ sentence: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: sentence)
            ends.append(bytes.count)
        }
        public mutating func append(_ sentence: [UInt8]) { sentence.withUnsafeBytes { append($0) } }
        /// Appends each non-empty line of `text` (lines end at '\n').
        public mutating func appendLines(of text: [UInt8]) {
            text.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var start = 0
                while start < raw.count {
                    let end = memchr(base + start, 0x0A, raw.count - start).map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? raw.count
                    if end > start { append(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
                    start = end + 1
                }
            }
        }
        func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }
    }

    // MARK: - Training

    /// Trains on `sentences` (each a line of raw UTF-8 text) and returns the model.
    public mutating func train(sentences: [[UInt8]]) throws -> SentencePieceModel {
        var all = Sentences()
        for s in sentences { all.append(s) }
        return try train(sentences: all)
    }

    /// Trains on `sentences` (each a line of raw UTF-8 text) and returns the model.
    public mutating func train(sentences input: Sentences) throws -> SentencePieceModel {
        try input.bytes.withUnsafeBufferPointer { try train(input, $0) }
    }

    private mutating func train(_ input: Sentences, _ text: UnsafeBufferPointer<UInt8>) throws -> SentencePieceModel {
        let o = options
        let clock = ContinuousClock.now
        let trace = ProcessInfo.processInfo.environment["TOKENMILL_TRACE"] != nil
        func mark(_ what: String) {
            guard trace else { return }
            // Peak resident memory so far, from /proc where there is one.
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { " (peak \($0.dropFirst(6).trimmingCharacters(in: .whitespaces)))" } ?? ""
            FileHandle.standardError.write(Data("unigram: \(what) at \(ContinuousClock.now - clock)\(peak)\n".utf8))
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
        for i in 0..<input.count {
            let s = UnsafeBufferPointer(rebasing: text[input.range(i)])
            if s.isEmpty { continue }
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

        // 2. Normalize and count words (per job, merged below: integer sums).
        let metaStrings = meta.map(\.piece).filter { !$0.isEmpty }.map { Array($0.utf8) }
        let metaFirstBytes = (0..<256).map { b in metaStrings.contains { Int($0[0]) == b } }
        let jobs = max(1, min(o.jobs, max(1, selected.count / 1000)))
        var partCounts = [WordCounter?](repeating: nil, count: jobs)
        let splitWords = o.splitByWhitespace
        let suffix = o.treatWhitespaceAsSuffix
        partCounts.withUnsafeMutableBufferPointer { pc in
            nonisolated(unsafe) let pc = pc, text = text
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                let words = WordCounter()
                var buffer: [UInt8] = []
                let lo = chosen.count * j / jobs, hi = chosen.count * (j + 1) / jobs
                for k in lo..<hi {
                    buffer.removeAll(keepingCapacity: true)
                    let sentence = UnsafeBufferPointer(rebasing: text[input.range(chosen[k])])
                    if let replaced = Self.replacing(metaStrings, firstBytes: metaFirstBytes, in: sentence, with: 0x09) {
                        replaced.withUnsafeBytes { normalizer.normalize($0, into: &buffer) }
                    } else {
                        normalizer.normalize(UnsafeRawBufferPointer(sentence), into: &buffer)
                    }
                    if buffer.isEmpty { continue }
                    buffer.withUnsafeBytes { raw in
                        Self.forEachWord(buffer, split: splitWords, suffix: suffix) { w in
                            words.add(UnsafeRawBufferPointer(rebasing: raw[w.startIndex..<w.endIndex]))
                        }
                    }
                }
                pc[j] = words
            }
        }
        mark("normalized and counted")
        // Characters: the words cover the normalized text, so their counts give every character's.
        var charTotals = [Int64](repeating: 0, count: 0x110000)
        for part in partCounts {
            guard let part else { continue }
            for e in 0..<part.count {
                let n = Int64(part.counts[e])
                Self.forEachScalar(part.word(e)) { c, _, _ in if c != 0 && c != 0x20 && c < 0x110000 { charTotals[Int(c)] += n } }
            }
        }
        var charCounts: [UInt32: Int64] = [:]
        for (c, n) in charTotals.enumerated() where n > 0 { charCounts[UInt32(c)] = n }
        charTotals = []

        // 3. Required characters: the most frequent until `character_coverage` is reached.
        let total = charCounts.values.reduce(0, +)
        var required: [(UInt32, Int64)] = []
        var accumulated: Int64 = 0
        for (c, n) in charCounts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            if Double(accumulated) / Double(max(total, 1)) >= Double(o.characterCoverage) { break }
            accumulated += n
            required.append((c, n))
        }
        var isRequired = [Bool](repeating: false, count: 0x110000)
        for (c, _) in required { isRequired[Int(c)] = true }
        progress.requiredChars = required.count
        guard required.count + meta.count < o.vocabSize else {
            throw TokenMillError(.invalidConfiguration, "vocab_size \(o.vocabSize) is smaller than the \(required.count) required characters + \(meta.count) reserved pieces: raise vocab_size or lower character_coverage")
        }

        // 4. Rare characters become U+2585 in the words; duplicates merge.
        let merged = WordCounter()
        for part in partCounts {
            guard let part else { continue }
            let counts = part.counts
            part.arena.withUnsafeBytes { arena in
                for e in 0..<part.count {
                    let w = part.word(e)
                    var clean = true
                    Self.forEachScalar(w) { c, _, _ in if c >= 0x110000 || !isRequired[Int(c)] { clean = false } }
                    if clean { merged.add(UnsafeRawBufferPointer(rebasing: arena[w.startIndex..<w.endIndex]), count: counts[e]); continue }
                    var out: [UInt8] = []
                    Self.forEachScalar(w) { c, s, e in
                        if c < 0x110000 && isRequired[Int(c)] { out += w[s..<e] } else { UTF8Repair.appendScalar(Self.unkChar, to: &out) }
                    }
                    out.withUnsafeBytes { merged.add($0, count: counts[e]) }
                }
            }
        }
        partCounts = []
        // Most frequent first, then by bytes.
        let counts = merged.counts, starts = merged.starts
        var order = Array(0..<merged.count)
        merged.arena.withUnsafeBytes { arena in
            order.sort { a, b in
                if counts[a] != counts[b] { return counts[a] > counts[b] }
                let la = starts[a + 1] - starts[a], lb = starts[b + 1] - starts[b]
                let r = memcmp(arena.baseAddress! + starts[a], arena.baseAddress! + starts[b], min(la, lb))
                return r != 0 ? r < 0 : la < lb
            }
        }
        var words = Words()
        words.bytes.reserveCapacity(merged.arena.count)
        words.offsets.reserveCapacity(order.count + 1)
        words.counts.reserveCapacity(order.count)
        for e in order {
            words.bytes += merged.word(e)
            words.offsets.append(words.bytes.count)
            words.counts.append(Int64(counts[e]))
        }
        progress.words = words.count
        guard words.count > 0 else { throw TokenMillError(.invalidConfiguration, "no training text left after normalization") }

        // 5. Seed pieces, then EM and pruning rounds until 1.1 × vocab_size pieces remain.
        mark("\(words.count) distinct words")
        var pieces = makeSeedPieces(words)
        progress.seedPieces = pieces.count
        mark("\(pieces.count) seed pieces")
        var edges = makeEdges(pieces, words)
        mark("\(edges.count) lattice edges")
        /// Keeps the pieces at `kept` (ascending or not) and renumbers the edges to match.
        func keep(_ kept: [Int]) {
            guard kept.count < pieces.count else { return }
            var newIndex = [Int32](repeating: -1, count: pieces.count)
            for (n, old) in kept.enumerated() { newIndex[old] = Int32(n) }
            edges.renumber(newIndex)
        }
        let desired = Int(Double(o.vocabSize) * 1.1)
        while true {
            for _ in 0..<o.numSubIterations {
                let expected = expectedCounts(pieces, words, &edges)
                let step = mStep(pieces, expected)
                keep(step.kept)
                pieces = step.pieces
                mark("EM: \(pieces.count) pieces")
            }
            progress.rounds += 1
            if pieces.count <= desired { break }
            let kept = prune(pieces, words, &edges, desired: desired)
            keep(kept)
            pieces = kept.map { pieces[$0] }
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
        a.score != b.score ? a.score > b.score : a.bytes.bytesPrecede(b.bytes)
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
        return t
    }

    // MARK: - Text helpers

    /// Calls `body` with each code point of valid UTF-8 and its byte range.
    @inline(__always)
    static func forEachScalar(_ b: ArraySlice<UInt8>, _ body: (UInt32, Int, Int) -> Void) {
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            let len = UTF8Repair.sequenceLength(lead: c)
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

    static func containsUnkChar(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i + 2 < s.count {
            if s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x85 { return true }
            i += 1
        }
        return false
    }

    /// `text` with every occurrence of a needle replaced by `byte`; nil when no needle occurs.
    /// `firstBytes[b]` tells whether a needle starts with byte `b`.
    static func replacing(_ needles: [[UInt8]], firstBytes: [Bool], in text: UnsafeBufferPointer<UInt8>, with byte: UInt8) -> [UInt8]? {
        guard !needles.isEmpty else { return nil }
        var out: [UInt8]? = nil
        var copied = 0
        var i = 0
        outer: while i < text.count {
            if !firstBytes[Int(text[i])] { i += 1; continue }
            for n in needles where n[0] == text[i] && n.count <= text.count - i && text[i..<(i + n.count)].elementsEqual(n) {
                if out == nil { out = []; out!.reserveCapacity(text.count) }
                out! += text[copied..<i]
                out!.append(byte)
                i += n.count
                copied = i
                continue outer
            }
            i += 1
        }
        guard out != nil else { return nil }
        out! += text[copied...]
        return out
    }
}
