import TokenMillCore

/// Writes a trained BPE as a Hugging Face `tokenizer.json`, byte for byte as `tokenizers`
/// (serde_json, pretty) writes it: the same key order, two-space indentation, vocabulary in id
/// order, merges as `[a, b]` pairs, no final newline. Like HF, a pair merged twice is written
/// once, at the position of its last merge.
public enum HFTokenizerWriter {
    public static func json(_ trained: TrainedBPE) -> String {
        let o = trained.options
        func vocabString(_ id: Int) -> String {
            if id < trained.specialCount { return o.specialTokens.first { (ByteLevelAlphabet.decode($0) ?? Array($0.utf8)) == trained.tokens[id] } ?? "" }
            return ByteLevelAlphabet.encode(trained.tokens[id])
        }
        let strings = trained.tokens.indices.map(vocabString)
        var last: [UInt64: Int] = [:]
        for (i, m) in trained.merges.enumerated() { last[UInt64(m.0) << 32 | UInt64(m.1)] = i }
        let merges: [JSONValue] = trained.merges.enumerated().compactMap { i, m in
            last[UInt64(m.0) << 32 | UInt64(m.1)] == i ? .array([.string(strings[Int(m.0)]), .string(strings[Int(m.1)])]) : nil
        }
        func byteLevel(addPrefixSpace: Bool, useRegex: Bool) -> JSONValue {
            .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
                     ("trim_offsets", .bool(true)), ("use_regex", .bool(useRegex))])
        }
        let pre: JSONValue = o.pattern == .gpt2
            ? byteLevel(addPrefixSpace: false, useRegex: true)
            : .object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Split")), ("pattern", .object([("Regex", .string(o.pattern.huggingFaceRegex))])),
                         ("behavior", .string("Isolated")), ("invert", .bool(false))]),
                byteLevel(addPrefixSpace: false, useRegex: false),
            ]))])
        let normalizer: JSONValue
        switch o.normalizers.count {
        case 0: normalizer = .null
        case 1: normalizer = normalizerJSON(o.normalizers[0])
        default: normalizer = .object([("type", .string("Sequence")), ("normalizers", .array(o.normalizers.map(normalizerJSON)))])
        }
        let root = JSONValue.object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array((0..<trained.specialCount).map { id in
                .object([("id", .int(Int64(id))), ("content", .string(strings[id])), ("single_word", .bool(false)),
                         ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true))])
            })),
            ("normalizer", normalizer),
            ("pre_tokenizer", pre),
            ("post_processor", .null),
            ("decoder", byteLevel(addPrefixSpace: true, useRegex: true)),
            ("model", .object([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null),
                ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
                ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)), ("ignore_merges", .bool(false)),
                ("vocab", .object(strings.enumerated().map { ($0.element, .int(Int64($0.offset))) })),
                ("merges", .array(merges)),
            ])),
        ])
        return root.serialized(pretty: true, trailingNewline: false)
    }

    static func normalizerJSON(_ n: NormalizerStep) -> JSONValue {
        switch n {
        case .unicode(let f): return .object([("type", .string(f.rawValue.uppercased()))])
        case .lowercase: return .object([("type", .string("Lowercase"))])
        case .prepend(let p): return .object([("type", .string("Prepend")), ("prepend", .string(p))])
        case .replace(let a, let b):
            return .object([("type", .string("Replace")), ("pattern", .object([("String", .string(a))])), ("content", .string(b))])
        case .replaceRegex(let r, let b):
            return .object([("type", .string("Replace")), ("pattern", .object([("Regex", .string(r.rawValue))])), ("content", .string(b))])
        case .strip(let l, let r):
            return .object([("type", .string("Strip")), ("strip_left", .bool(l)), ("strip_right", .bool(r))])
        case .nmt: return .object([("type", .string("Nmt"))])
        case .precompiled(let map):
            return .object([("type", .string("Precompiled")), ("precompiled_charsmap", .string(Base64.encode(map.blob)))])
        }
    }

    /// How far below the lowest piece score the reserved pieces (unknown, control, byte, unused)
    /// are put in a Unigram `tokenizer.json`: `tokenizers` lets every vocabulary entry match
    /// text, where sentencepiece never matches these, so "</s>" or "<0x41>" in a document
    /// would otherwise become one token at score 0.
    public static let reservedScoreOffset: Float = 1000

    /// A Unigram SentencePiece model as a Hugging Face `tokenizer.json` that `tokenizers`
    /// encodes like sentencepiece: the charsmap as `Precompiled`, sentencepiece's white-space
    /// rules as `Replace` and `Prepend` normalizers, `Metaspace` without prepending (split
    /// before each '▁' when no piece has one inside), user-defined pieces as unnormalized added
    /// tokens, the decoder of Llama-style files. Scores are the float32 scores as float64.
    public static func unigramJSON(_ m: SentencePieceModel) throws -> String {
        guard m.modelType == .unigram else {
            throw TokenMillError(.invalidConfiguration, "tokenizer.json: only Unigram SentencePiece models are written this way (this one is \(m.modelType))")
        }
        guard !m.treatWhitespaceAsSuffix else {
            throw TokenMillError(.invalidConfiguration, "tokenizer.json: treat_whitespace_as_suffix has no Hugging Face equivalent")
        }
        let n = m.normalizer
        let space = n.escapeWhitespaces ? "\u{2581}" : " "
        let normal = m.pieces.filter { $0.type == .normal }.map(\.score)
        let maxScore = normal.max() ?? 0
        func effective(_ p: SentencePieceModel.Piece) -> Float? {
            switch p.type {
            case .normal: return p.score
            case .userDefined: return Float(p.piece.utf8.count) * maxScore - 0.1
            default: return nil
            }
        }
        let reserved = (m.pieces.compactMap(effective).min() ?? 0) - reservedScoreOffset
        // Exactly the float32 value (as float64). `tokenizers` reads long decimals with two
        // roundings (see `SerdeNumber`), so its float64 can be an ulp off; our reader does the same.
        func number(_ f: Float) -> JSONValue { .double(Double(f)) }
        let vocab: [JSONValue] = m.pieces.map { .array([.string($0.piece), number(effective($0) ?? reserved)]) }

        var normalizers: [NormalizerStep] = []
        if !n.precompiledCharsmap.isEmpty {
            normalizers.append(.precompiled(try PrecompiledCharsmap(n.precompiledCharsmap, what: "normalizer_spec.precompiled_charsmap")))
        }
        if n.removeExtraWhitespaces { normalizers += [.replaceRegex(.spaceRuns, " "), .replaceRegex(.edgeSpace, "")] }
        if n.addDummyPrefix { normalizers.append(.prepend(space)) }
        // Metaspace may split before every '▁' only when no piece has one after its start.
        let split = !m.pieces.contains { p in p.type != .userDefined && p.piece.unicodeScalars.dropFirst().contains("\u{2581}") }
        let pre: JSONValue = n.escapeWhitespaces
            ? .object([("type", .string("Metaspace")), ("replacement", .string(space)), ("prepend_scheme", .string("never")), ("split", .bool(split))])
            : .null
        var decoders: [JSONValue] = []
        if n.escapeWhitespaces {
            decoders.append(.object([("type", .string("Replace")), ("pattern", .object([("String", .string(space))])), ("content", .string(" "))]))
        }
        if m.byteFallback { decoders.append(.object([("type", .string("ByteFallback"))])) }
        decoders.append(.object([("type", .string("Fuse"))]))
        if n.addDummyPrefix {
            decoders.append(.object([("type", .string("Strip")), ("content", .string(" ")), ("start", .int(1)), ("stop", .int(0))]))
        }
        let added: [JSONValue] = m.pieces.enumerated().filter { $0.element.type == .userDefined }.map { id, p in
            .object([("id", .int(Int64(id))), ("content", .string(p.piece)), ("single_word", .bool(false)),
                     ("lstrip", .bool(false)), ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(false))])
        }
        let root = JSONValue.object([
            ("version", .string("1.0")),
            ("truncation", .null),
            ("padding", .null),
            ("added_tokens", .array(added)),
            ("normalizer", normalizers.isEmpty ? .null : .object([("type", .string("Sequence")), ("normalizers", .array(normalizers.map(normalizerJSON)))])),
            ("pre_tokenizer", pre),
            ("post_processor", .null),
            ("decoder", .object([("type", .string("Sequence")), ("decoders", .array(decoders))])),
            ("model", .object([
                ("type", .string("Unigram")),
                ("unk_id", m.unkID >= 0 ? .int(Int64(m.unkID)) : .null),
                ("vocab", .array(vocab)),
                ("byte_fallback", .bool(m.byteFallback)),
            ])),
        ])
        return root.serialized(pretty: true, trailingNewline: false)
    }
}

extension TrainedBPE {
    /// The trained model as a tokenizer (what `tokenizer.json` would load as).
    public func tokenizer(name: String = "trained-bpe") -> BPETokenizer {
        let json = HFTokenizerWriter.json(self)
        // Parsing our own output keeps one code path for loading and for training.
        let value = try! JSONScanner.parse(json)
        return try! HFTokenizerLoader.parse(value, path: name, fingerprint: SHA256Hasher.hex(json), name: name)
    }

    /// A tiktoken rank file: `base64(token bytes) rank` per line, ranks = ids, specials omitted.
    public func tiktokenRanks() -> String {
        var out = ""
        for id in specialCount..<tokens.count {
            out += Base64.encode(tokens[id]) + " " + String(id - specialCount) + "\n"
        }
        return out
    }
}
