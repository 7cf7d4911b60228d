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
        }
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
