import TokenMillCore

/// A Hugging Face `tokenizer.json` with a Unigram model, encoded as `tokenizers` encodes it —
/// which is not quite sentencepiece: scores are float64, every vocabulary entry (control and
/// byte pieces included) can match text, a fused run of unknown characters is looked up again
/// as a string, and the `Precompiled` normalizer works by grapheme cluster.
///
/// Pipeline: added tokens (unnormalized ones on the raw text) → normalizers → normalized added
/// tokens → `Metaspace` pre-tokenizer (' ' → '▁', optional prepend, split before each '▁') →
/// Viterbi per piece → byte fallback. Decoding runs the `decoder` steps.
public struct HFUnigramTokenizer: Tokenizer {
    /// The `Metaspace` pre-tokenizer.
    public struct Metaspace: Sendable, Equatable {
        public enum Prepend: String, Sendable { case always, first, never }
        public var replacement: [UInt8]
        public var prepend: Prepend
        public var split: Bool
        /// Preceded by `WhitespaceSplit` (words cut at Unicode white space, which is dropped).
        public var whitespaceSplit = false
    }

    public let name: String
    public let fingerprint: String
    /// Vocabulary entries (UTF-8) and float64 scores, by id.
    public let pieces: [[UInt8]]
    public let scores: [Double]
    public let unkID: UInt32?
    public let byteFallback: Bool
    public let normalizers: [NormalizerStep]
    public let metaspace: Metaspace?
    public let decoders: [DecoderStep]
    public let addedTokens: [AddedToken]
    public private(set) var eosID: UInt32
    public let bosID: UInt32?
    let minScore: Double
    /// All entries as a double array (duplicates: the last id, like HF's `token_to_ids`).
    let units: [UInt32]
    let idOf: BytesTable
    let byteIDs: [UInt32]
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let addedBytes: [UInt32: [UInt8]]

    public init(name: String, fingerprint: String, pieces: [[UInt8]], scores: [Double], unkID: UInt32?, byteFallback: Bool,
                normalizers: [NormalizerStep], metaspace: Metaspace?, decoders: [DecoderStep], addedTokens: [AddedToken],
                eosID: UInt32?, bosID: UInt32?, path: String) throws {
        self.name = name
        self.fingerprint = fingerprint
        self.pieces = pieces
        self.scores = scores
        self.unkID = unkID
        self.byteFallback = byteFallback
        self.normalizers = normalizers
        self.metaspace = metaspace
        self.decoders = decoders
        self.addedTokens = addedTokens
        self.bosID = bosID
        minScore = scores.min() ?? 0
        var last: [[UInt8]: UInt32] = [:]
        for (i, p) in pieces.enumerated() where !p.isEmpty { last[p] = UInt32(i) }
        guard !last.keys.contains(where: { $0.contains(0) }) else {
            throw TokenMillError(.invalidConfiguration, "\(path): model.vocab: a token contains a NUL character, which this reader does not support")
        }
        units = try DoubleArrayBuilder.build(last.map { ($0.key, $0.value) })
        var table = BytesTable(capacity: last.count, keyBytes: pieces.reduce(0) { $0 + $1.count })
        for (p, id) in last { table.insert(p, id: id) }
        idOf = table
        byteIDs = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            return table.get(Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".utf8)) ?? UInt32.max
        }
        rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized || $0.special })
        normalizedMatcher = AddedTokenMatcher(addedTokens.filter { $0.normalized && !$0.special })
        var ab: [UInt32: [UInt8]] = [:]
        for t in addedTokens { ab[t.id] = Array(t.content.utf8) }
        addedBytes = ab
        // Without a post-processor naming it: the conventional end-of-text pieces, else the first
        // special added token that is not the unknown one.
        self.eosID = eosID ?? ["</s>", "<|endoftext|>", "<eos>"].lazy.compactMap { table.get(Array($0.utf8)) }.first
            ?? addedTokens.first(where: { $0.special && $0.id != unkID })?.id ?? 0
    }

    public var vocabularySize: Int { max(pieces.count, Int(addedTokens.map(\.id).max() ?? 0) + 1) }

    public var spec: JSONValue {
        .object([("type", .string("unigram")), ("flavor", .string("huggingface")), ("name", .string(name)),
                 ("vocab_size", .int(Int64(vocabularySize))), ("byte_fallback", .bool(byteFallback)),
                 ("normalizers", .array(normalizers.map { .string(Self.describe($0)) })),
                 ("eos_id", .int(Int64(eosID))), ("sha256", .string(fingerprint))])
    }

    static func describe(_ n: NormalizerStep) -> String {
        if case .precompiled = n { return "precompiled" }
        return "\(n)"
    }

    /// The id of an added token or vocabulary entry.
    public func tokenID(_ content: String) -> UInt32? {
        addedTokens.first(where: { $0.content == content })?.id ?? idOf.get(Array(content.utf8))
    }

    /// The same tokenizer with another end-of-document id.
    public func with(eosID: UInt32) -> HFUnigramTokenizer {
        var copy = self
        copy.eosID = eosID
        return copy
    }

    public func makeEncoder() -> any TokenEncoder { HFUnigramEncoder(self) }

    public func decode(_ ids: [UInt32]) -> [UInt8] {
        let tokens = ids.map { id -> [UInt8] in addedBytes[id] ?? (Int(id) < pieces.count ? pieces[Int(id)] : []) }
        return decoders.isEmpty ? tokens.flatMap { $0 } : CharacterDecoder(decoders: decoders).decode(tokens)
    }
}

final class HFUnigramEncoder: TokenEncoder {
    let t: HFUnigramTokenizer
    private let workspace = UnicodeNormalizer.Workspace()
    private var bufA: [UInt8] = []
    private var bufB: [UInt8] = []
    private var score: [Double] = []
    private var from: [Int] = []
    private var nodeID: [Int32] = []
    private var path: [(Int, Int, Int32)] = []

    init(_ t: HFUnigramTokenizer) { self.t = t }

    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        if t.rawMatcher.isEmpty {
            segment(text, atStart: true, into: &ids)
            return
        }
        t.rawMatcher.split(text) { s, e, token in
            if let token { ids.append(token); return }
            segment(UnsafeRawBufferPointer(rebasing: text[s..<e]), atStart: s == 0, into: &ids)
        }
    }

    /// Normalizes a stretch of raw text between added tokens and encodes it.
    private func segment(_ raw: UnsafeRawBufferPointer, atStart: Bool, into ids: inout [UInt32]) {
        var current = bufA
        bufA = []
        current.removeAll(keepingCapacity: true)
        current.append(contentsOf: raw)
        // `first` prepends only to text whose first character is the original's first.
        var atStart = atStart
        for step in t.normalizers {
            if atStart && current.withUnsafeBytes({ step.removesFirstCharacter(of: $0) }) { atStart = false }
            var out = bufB
            bufB = []
            out.removeAll(keepingCapacity: true)
            current.withUnsafeBytes { step.apply($0, into: &out, workspace: workspace) }
            bufB = current
            current = out
        }
        current.withUnsafeBytes { norm in
            if t.normalizedMatcher.isEmpty {
                preTokenize(norm, atStart: atStart, into: &ids)
            } else {
                t.normalizedMatcher.split(norm) { s, e, token in
                    if let token { ids.append(token); return }
                    preTokenize(UnsafeRawBufferPointer(rebasing: norm[s..<e]), atStart: atStart && s == 0, into: &ids)
                }
            }
        }
        bufA = current
    }

    /// `Metaspace`: spaces become the replacement, which may be prepended, and the text splits
    /// before each replacement.
    private func preTokenize(_ text: UnsafeRawBufferPointer, atStart: Bool, into ids: inout [UInt32]) {
        guard !text.isEmpty else { return }
        guard let m = t.metaspace else { viterbi(text, into: &ids); return }
        guard m.whitespaceSplit else { metaspace(text, m, atStart: atStart, into: &ids); return }
        var i = 0
        var word = -1
        while i < text.count {
            if let w = NormalizerStep.whitespaceWidth(text, at: i) {
                if word >= 0 { metaspace(UnsafeRawBufferPointer(rebasing: text[word..<i]), m, atStart: atStart && word == 0, into: &ids) }
                word = -1
                i += w
            } else {
                if word < 0 { word = i }
                i += 1
            }
        }
        if word >= 0 { metaspace(UnsafeRawBufferPointer(rebasing: text[word...]), m, atStart: atStart && word == 0, into: &ids) }
    }

    private func metaspace(_ text: UnsafeRawBufferPointer, _ m: HFUnigramTokenizer.Metaspace, atStart: Bool, into ids: inout [UInt32]) {
        var s: [UInt8] = []
        s.reserveCapacity(text.count + 8)
        let rep = m.replacement
        // Checked after ' ' became the replacement.
        let startsWithRep = text[0] == 0x20 || text.count >= rep.count && text.starts(with: rep)
        if !startsWithRep && (m.prepend == .always || m.prepend == .first && atStart) { s.append(contentsOf: rep) }
        for b in text { if b == 0x20 { s.append(contentsOf: rep) } else { s.append(b) } }
        s.withUnsafeBytes { w in
            guard m.split else { viterbi(w, into: &ids); return }
            var start = 0
            var i = 1
            while i < w.count {
                if w[i] == rep[0] && i + rep.count <= w.count && (1..<rep.count).allSatisfy({ w[i + $0] == rep[$0] }) {
                    viterbi(UnsafeRawBufferPointer(rebasing: w[start..<i]), into: &ids)
                    start = i
                    i += rep.count
                } else {
                    i += 1
                }
            }
            viterbi(UnsafeRawBufferPointer(rebasing: w[start...]), into: &ids)
        }
    }

    /// `tokenizers`' optimized Unigram encoding: best path per end position in float64, the
    /// first candidate kept on ties; an unknown node (min score − 10) where no one-character
    /// entry starts; runs of unknown nodes fused into one string; every string looked up again,
    /// with byte fallback when it is not an entry.
    private func viterbi(_ s: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        let size = s.count
        guard size > 0, !t.units.isEmpty else { return }
        score.removeAll(keepingCapacity: true)
        score.append(contentsOf: repeatElement(0, count: size + 1))
        from.removeAll(keepingCapacity: true)
        from.append(contentsOf: repeatElement(-1, count: size + 1))
        nodeID.removeAll(keepingCapacity: true)
        nodeID.append(contentsOf: repeatElement(-1, count: size + 1))
        let unkScore = t.minScore - 10
        let units = t.units
        let unk = t.unkID.map { Int32($0) } ?? -1
        var start = 0
        while start < size {
            let b = s[start]
            let mblen = min(UTF8Repair.sequenceLength(lead: b), size - start)
            let base = score[start]
            var single = false
            units.withUnsafeBufferPointer { units in
                DoubleArrayBuilder.forEachPrefix(units, of: s, from: start) { end, id in
                    let candidate = t.scores[id] + base
                    if from[end] == -1 || candidate > score[end] {
                        score[end] = candidate
                        from[end] = start
                        nodeID[end] = Int32(id)
                    }
                    if end - start == mblen { single = true }
                }
            }
            if !single {
                let candidate = unkScore + base
                if from[start + mblen] == -1 || candidate > score[start + mblen] {
                    score[start + mblen] = candidate
                    from[start + mblen] = start
                    nodeID[start + mblen] = unk
                }
            }
            start += mblen
        }
        // Back to front, fusing unknown runs; then front to back.
        path.removeAll(keepingCapacity: true)
        var e = size
        while e > 0 {
            let a = from[e]
            if nodeID[e] == unk && unk >= 0, let lastPiece = path.last, lastPiece.2 == unk, lastPiece.0 == e {
                path[path.count - 1].0 = a
            } else {
                path.append((a, e, nodeID[e]))
            }
            e = a
        }
        for (a, b, _) in path.reversed() {
            let piece = UnsafeRawBufferPointer(rebasing: s[a..<b])
            if let id = t.idOf.get(piece) { ids.append(id); continue }
            if t.byteFallback && piece.allSatisfy({ t.byteIDs[Int($0)] != UInt32.max }) {
                for byte in piece { ids.append(t.byteIDs[Int(byte)]) }
                continue
            }
            if let u = t.unkID { ids.append(u) }
        }
    }
}
