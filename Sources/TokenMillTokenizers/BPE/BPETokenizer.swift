import TokenMillCore

/// How normalized text is cut into pieces.
public enum PreTokenizerStep: Sendable, Equatable {
    /// A known split regex, pieces isolated.
    case split(PatternSplitter.Pattern)
    /// GPT-2 byte-level: optional leading space, optional GPT-2 split; bytes map 1:1 to symbols.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
}

/// How ids become text again (Hugging Face decoders), for character-level vocabularies.
public enum DecoderStep: Sendable, Equatable {
    case byteLevel
    case byteFallback
    case fuse
    case strip(content: String, start: Int, stop: Int)
    case replace(String, String)
    /// `Metaspace`: the replacement becomes ' ', and is dropped from the first token when the
    /// pre-tokenizer prepends one.
    case metaspace(replacement: String, dropFromFirst: Bool)
}

/// A byte-level or character-level BPE tokenizer, loaded from a Hugging Face `tokenizer.json`
/// or a tiktoken rank file, or trained by `BPETrainer`.
public struct BPETokenizer: Tokenizer {
    public enum Flavor: String, Sendable { case huggingFace = "huggingface", tiktoken }

    public let name: String
    public let flavor: Flavor
    public let model: BPEModel
    public let normalizers: [NormalizerStep]
    public let preTokenizers: [PreTokenizerStep]
    public let decoders: [DecoderStep]
    public let addedTokens: [AddedToken]
    /// tiktoken: special tokens encoded as specials when found in text.
    public let allowedSpecial: Set<String>
    /// tiktoken: special tokens whose presence in plain text is refused.
    public let disallowedSpecial: Set<String>
    public let fingerprint: String
    public let eosID: UInt32
    public let bosID: UInt32?
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let disallowedMatcher: AddedTokenMatcher
    let specialBytes: [UInt32: [UInt8]]
    let splitters: [PatternSplitter?]
    let addsPrefixSpace: Bool

    public init(name: String, flavor: Flavor, model: BPEModel, normalizers: [NormalizerStep],
                preTokenizers: [PreTokenizerStep], decoders: [DecoderStep], addedTokens: [AddedToken],
                allowedSpecial: Set<String> = [], disallowedSpecial: Set<String> = [],
                fingerprint: String, eosID: UInt32?, bosID: UInt32?) {
        self.name = name
        self.flavor = flavor
        self.model = model
        self.normalizers = normalizers
        self.preTokenizers = preTokenizers
        self.decoders = decoders
        self.addedTokens = addedTokens
        self.allowedSpecial = allowedSpecial
        self.disallowedSpecial = disallowedSpecial
        self.fingerprint = fingerprint
        self.bosID = bosID
        switch flavor {
        case .huggingFace:
            rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized || $0.special })
            normalizedMatcher = AddedTokenMatcher(addedTokens.filter { $0.normalized && !$0.special })
            disallowedMatcher = AddedTokenMatcher([])
        case .tiktoken:
            rawMatcher = AddedTokenMatcher(addedTokens.filter { allowedSpecial.contains($0.content) })
            normalizedMatcher = AddedTokenMatcher([])
            disallowedMatcher = AddedTokenMatcher(addedTokens.filter { disallowedSpecial.contains($0.content) })
        }
        var sb: [UInt32: [UInt8]] = [:]
        for t in addedTokens { sb[t.id] = Array(t.content.utf8) }
        specialBytes = sb
        splitters = preTokenizers.map { step in
            switch step {
            case .split(let p): return PatternSplitter(p)
            case .byteLevel(_, let useRegex): return useRegex ? PatternSplitter(.gpt2) : nil
            }
        }
        addsPrefixSpace = preTokenizers.contains(.byteLevel(addPrefixSpace: true, useRegex: true))
            || preTokenizers.contains(.byteLevel(addPrefixSpace: true, useRegex: false))
        self.eosID = eosID ?? addedTokens.first(where: { $0.special })?.id ?? UInt32(max(0, model.vocabularySize - 1))
    }

    public var vocabularySize: Int {
        max(model.vocabularySize, Int(addedTokens.map(\.id).max() ?? 0) + 1)
    }

    public var spec: JSONValue {
        .object([
            ("type", .string("bpe")),
            ("flavor", .string(flavor.rawValue)),
            ("name", .string(name)),
            ("vocab_size", .int(Int64(vocabularySize))),
            ("byte_level", .bool(model.byteLevel)),
            ("byte_fallback", .bool(model.byteFallback)),
            ("normalizers", .array(normalizers.map { .string("\($0)") })),
            ("pre_tokenizers", .array(preTokenizers.map { .string("\($0)") })),
            ("allowed_special", .array(allowedSpecial.sorted().map { .string($0) })),
            ("eos_id", .int(Int64(eosID))),
            ("sha256", .string(fingerprint)),
        ])
    }

    public func makeEncoder() -> any TokenEncoder { BPEEncoder(self) }

    /// The same tokenizer with another end-of-document id.
    public func with(eosID: UInt32) -> BPETokenizer { with(model: model, eosID: eosID) }

    /// The same tokenizer over another instance of its model (tests: another piece cache).
    func with(model: BPEModel, eosID: UInt32? = nil) -> BPETokenizer {
        BPETokenizer(name: name, flavor: flavor, model: model, normalizers: normalizers, preTokenizers: preTokenizers,
                     decoders: decoders, addedTokens: addedTokens, allowedSpecial: allowedSpecial,
                     disallowedSpecial: disallowedSpecial, fingerprint: fingerprint, eosID: eosID ?? self.eosID, bosID: bosID)
    }

    /// The id of a special or added token.
    public func tokenID(_ content: String) -> UInt32? {
        addedTokens.first(where: { $0.content == content })?.id ?? model.id(of: Array(content.utf8))
    }

    public func decode(_ ids: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        if model.byteLevel || decoders.isEmpty {
            for id in ids {
                if let s = specialBytes[id] { out.append(contentsOf: s) }
                else if Int(id) < model.tokenBytes.count { out.append(contentsOf: model.tokenBytes[Int(id)]) }
            }
            return out
        }
        return CharacterDecoder(decoders: decoders).decode(ids.map { id -> [UInt8] in
            specialBytes[id] ?? (Int(id) < model.tokenBytes.count ? model.tokenBytes[Int(id)] : [])
        })
    }
}

enum ByteReplace {
    static func replace(_ raw: UnsafeRawBufferPointer, _ a: [UInt8], _ b: [UInt8], into out: inout [UInt8]) {
        guard !a.isEmpty else { out.append(contentsOf: raw); return }
        var i = 0
        while i < raw.count {
            if raw[i] == a[0], i + a.count <= raw.count, (0..<a.count).allSatisfy({ raw[i + $0] == a[$0] }) {
                out.append(contentsOf: b)
                i += a.count
            } else {
                out.append(raw[i])
                i += 1
            }
        }
    }
}

/// Decoders for character-level vocabularies (byte fallback, ▁ replacement, strip).
struct CharacterDecoder {
    let decoders: [DecoderStep]

    func decode(_ pieces: [[UInt8]]) -> [UInt8] {
        var tokens = pieces
        for step in decoders {
            switch step {
            case .byteLevel:
                tokens = tokens.map { ByteLevelAlphabet.decode(String(decoding: $0, as: UTF8.self)) ?? $0 }
            case .byteFallback:
                tokens = tokens.map { t in
                    if t.count == 6, t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78, t[5] == 0x3E,
                       let v = UInt8(String(decoding: t[3..<5], as: UTF8.self), radix: 16) { return [v] }
                    return t
                }
            case .fuse:
                tokens = [tokens.flatMap { $0 }]
            case .replace(let a, let b):
                tokens = tokens.map { t in
                    var out: [UInt8] = []
                    t.withUnsafeBytes { ByteReplace.replace($0, Array(a.utf8), Array(b.utf8), into: &out) }
                    return out
                }
            case .metaspace(let replacement, let dropFromFirst):
                let r = Array(replacement.utf8)
                tokens = tokens.enumerated().map { i, t in
                    var out: [UInt8] = []
                    t.withUnsafeBytes { ByteReplace.replace($0, r, i == 0 && dropFromFirst ? [] : [0x20], into: &out) }
                    return out
                }
            case .strip(let content, let start, let stop):
                let c = Array(content.utf8)
                tokens = tokens.map { t in
                    var s = t[...]
                    for _ in 0..<start where s.starts(with: c) { s = s.dropFirst(c.count) }
                    for _ in 0..<stop where s.reversed().starts(with: c.reversed()) { s = s.dropLast(c.count) }
                    return Array(s)
                }
            }
        }
        return tokens.flatMap { $0 }
    }
}
