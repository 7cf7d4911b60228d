import TokenMillCore

/// How text is normalized before pre-tokenization (Hugging Face normalizers).
public enum NormalizerStep: Sendable, Equatable {
    case unicode(UnicodeNormalizer.Form)
    case lowercase
    case prepend(String)
    case replace(String, String)
}

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
            ("normalizers", .array(normalizers.map { .string("\($0)") })),
            ("pre_tokenizers", .array(preTokenizers.map { .string("\($0)") })),
            ("allowed_special", .array(allowedSpecial.sorted().map { .string($0) })),
            ("eos_id", .int(Int64(eosID))),
            ("sha256", .string(fingerprint)),
        ])
    }

    public func makeEncoder() -> any TokenEncoder { BPEEncoder(self) }

    /// The same tokenizer with another end-of-document id.
    public func with(eosID: UInt32) -> BPETokenizer {
        BPETokenizer(name: name, flavor: flavor, model: model, normalizers: normalizers, preTokenizers: preTokenizers,
                     decoders: decoders, addedTokens: addedTokens, allowedSpecial: allowedSpecial,
                     disallowedSpecial: disallowedSpecial, fingerprint: fingerprint, eosID: eosID, bosID: bosID)
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

/// One thread's encoder: caches pieces and reuses every buffer.
final class BPEEncoder: TokenEncoder {
    let t: BPETokenizer
    let cache = PieceCache()
    let scratch = BPEScratch()
    let splitWorkspace = PatternSplitter.Workspace()
    let normWorkspace = UnicodeNormalizer.Workspace()
    var normalized: [UInt8] = []
    var normalizedB: [UInt8] = []

    init(_ t: BPETokenizer) { self.t = t }

    func disallowedSpecial(in text: UnsafeRawBufferPointer) -> String? {
        guard !t.disallowedMatcher.isEmpty else { return nil }
        var found: String?
        t.disallowedMatcher.split(text) { _, _, id in
            if found == nil, let id { found = t.addedTokens.first(where: { $0.id == id })?.content }
        }
        return found
    }

    func encode(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        t.rawMatcher.split(text) { s, e, token in
            if let token { ids.append(token); return }
            encodeSegment(UnsafeRawBufferPointer(rebasing: text[s..<e]), into: &ids)
        }
    }

    /// The byte path. tiktoken: its `_encode_bytes` — encode the valid UTF-8 prefix, then take
    /// the last piece (extended over trailing all-space tokens) together with every byte after the
    /// first invalid one, and BPE them as one piece. Hugging Face byte-level: valid runs are
    /// encoded as text, each invalid run as one raw piece. Either way `decode(ids) == bytes`.
    func encodeBytes(_ bytes: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        let valid = UTF8Validity.validPrefix(bytes)
        if valid == bytes.count {
            // tiktoken's byte path is `encode_ordinary`: no special token is recognized.
            if t.flavor == .tiktoken { preTokenize(bytes, into: &ids) } else { encode(bytes, into: &ids) }
            return
        }
        guard t.model.byteLevel else {
            var repaired: [UInt8] = []
            UTF8Repair.append(bytes, to: &repaired)
            repaired.withUnsafeBytes { encode($0, into: &ids) }
            return
        }
        if t.flavor == .tiktoken {
            let start = ids.count
            lastPieceTokens = 0
            trackLastPiece = true
            preTokenize(UnsafeRawBufferPointer(rebasing: bytes[..<valid]), into: &ids)
            trackLastPiece = false
            var last = lastPieceTokens
            let count = ids.count - start
            func allSpace(_ id: UInt32) -> Bool {
                let b = Int(id) < t.model.tokenBytes.count ? t.model.tokenBytes[Int(id)] : []
                return b.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }
            }
            if last > 0 && allSpace(ids[ids.count - last]) {
                while last < count && allSpace(ids[ids.count - last - 1]) { last += 1 }
            }
            var unstable: [UInt8] = []
            if count > 0 && last > 0 {
                unstable = t.decode(Array(ids[(ids.count - last)...]))
                ids.removeLast(last)
            }
            unstable.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[valid...]))
            unstable.withUnsafeBytes { t.model.encodeRawPiece($0, into: &ids, scratch: scratch) }
            return
        }
        var i = 0
        while i < bytes.count {
            let run = UTF8Validity.validPrefix(UnsafeRawBufferPointer(rebasing: bytes[i...]))
            if run > 0 {
                encode(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + run)]), into: &ids)
                i += run
            } else {
                var j = i + 1
                while j < bytes.count && UTF8Validity.validPrefix(UnsafeRawBufferPointer(rebasing: bytes[j...])) == 0 { j += 1 }
                t.model.encodeRawPiece(UnsafeRawBufferPointer(rebasing: bytes[i..<j]), into: &ids, scratch: scratch)
                i = j
            }
        }
    }

    /// Calls `body` with every pre-token of `text` (after normalization and added-token
    /// splitting): the trainer's view of the text.
    func forEachPiece(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            pieceSink = escaping
            var ignored: [UInt32] = []
            encode(text, into: &ignored)
            pieceSink = nil
        }
    }

    private var pieceSink: ((UnsafeRawBufferPointer) -> Void)?
    private var trackLastPiece = false
    private var lastPieceTokens = 0

    private func encodeSegment(_ segment: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        if t.normalizers.isEmpty {
            preTokenize(segment, into: &ids)
            return
        }
        var current = normalized
        normalized = []
        current.removeAll(keepingCapacity: true)
        current.append(contentsOf: segment)
        for step in t.normalizers {
            var out = normalizedB
            normalizedB = []
            out.removeAll(keepingCapacity: true)
            current.withUnsafeBytes { raw in
                switch step {
                case .unicode(let form): UnicodeNormalizer(form).normalize(raw, into: &out, workspace: normWorkspace)
                case .lowercase: UnicodeNormalizer.lowercase(raw, into: &out, workspace: normWorkspace)
                case .prepend(let p): if !raw.isEmpty { out.append(contentsOf: p.utf8) }; out.append(contentsOf: raw)
                case .replace(let a, let b): ByteReplace.replace(raw, Array(a.utf8), Array(b.utf8), into: &out)
                }
            }
            normalizedB = current
            current = out
        }
        current.withUnsafeBytes { raw in
            t.normalizedMatcher.split(raw) { s, e, token in
                if let token { ids.append(token); return }
                preTokenize(UnsafeRawBufferPointer(rebasing: raw[s..<e]), into: &ids)
            }
        }
        normalized = current
    }

    private func preTokenize(_ text: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        if text.isEmpty { return }
        // A leading space for byte-level `add_prefix_space`, when the text lacks one.
        for case .byteLevel(true, _) in t.preTokenizers where text[0] != 0x20 {
            var spaced: [UInt8] = [0x20]
            spaced.append(contentsOf: text)
            spaced.withUnsafeBytes { split($0, step: 0, into: &ids) }
            return
        }
        split(text, step: 0, into: &ids)
    }

    /// Applies the pre-tokenizer steps in turn (each refines the previous one's pieces).
    private func split(_ text: UnsafeRawBufferPointer, step: Int, into ids: inout [UInt32]) {
        var k = step
        while k < t.splitters.count && t.splitters[k] == nil { k += 1 }
        guard k < t.splitters.count else { encodePiece(text, into: &ids); return }
        if k == t.splitters.count - 1 || !t.splitters[(k + 1)...].contains(where: { $0 != nil }) {
            t.splitters[k]!.split(text, workspace: splitWorkspace) { a, b in
                encodePiece(UnsafeRawBufferPointer(rebasing: text[a..<b]), into: &ids)
            }
            return
        }
        var ranges: [(Int, Int)] = []
        t.splitters[k]!.split(text, workspace: splitWorkspace) { a, b in ranges.append((a, b)) }
        for (a, b) in ranges { split(UnsafeRawBufferPointer(rebasing: text[a..<b]), step: k + 1, into: &ids) }
    }

    @inline(__always)
    private func encodePiece(_ piece: UnsafeRawBufferPointer, into ids: inout [UInt32]) {
        if let sink = pieceSink { sink(piece); return }
        let h = PieceCache.hash(piece)
        let start = ids.count
        if !cache.appendCached(piece, hash: h, to: &ids) {
            t.model.encodePiece(piece, into: &ids, scratch: scratch)
            cache.insert(piece, hash: h, ids: ids[start...])
        }
        if trackLastPiece { lastPieceTokens = ids.count - start }
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
