import Foundation
import TokenMillCore

/// Reads a Hugging Face `tokenizer.json` with a BPE model.
///
/// Supported: model BPE (`merges` as `[a, b]` pairs or legacy `"a b"` strings, `ignore_merges`,
/// `byte_fallback`, `unk_token`, `fuse_unk`); pre-tokenizers ByteLevel, Split (the GPT-2,
/// cl100k, o200k and Llama-3 regexes) and Sequence; normalizers NFC/NFD/NFKC/NFKD, Lowercase,
/// Prepend, Replace (string) and Sequence; `added_tokens` with their flags; decoders ByteLevel,
/// ByteFallback, Fuse, Strip, Replace and Sequence; post-processors TemplateProcessing (for the
/// BOS/EOS ids) and ByteLevel. Anything else fails with the JSON path and the reason.
public enum HFTokenizerLoader {
    public static func load(path: String, displayName: String? = nil) throws -> BPETokenizer {
        let (json, fingerprint, name) = try read(path: path, displayName: displayName)
        return try parse(json, path: path, fingerprint: fingerprint, name: name)
    }

    /// A BPE (`BPETokenizer`) or Unigram (`HFUnigramTokenizer`) `tokenizer.json`.
    public static func loadAny(path: String, displayName: String? = nil) throws -> any Tokenizer {
        let (json, fingerprint, name) = try read(path: path, displayName: displayName)
        if json["model"]?["type"]?.stringValue == "Unigram" {
            return try parseUnigram(json, path: path, fingerprint: fingerprint, name: name)
        }
        return try parse(json, path: path, fingerprint: fingerprint, name: name)
    }

    static func read(path: String, displayName: String?) throws -> (JSONValue, String, String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): cannot read the tokenizer file")
        }
        let bytes = [UInt8](data)
        let json: JSONValue
        do { json = try JSONScanner.parse(bytes, numbers: .serdeJSON) } catch let f as JSONScanner.Failure {
            throw TokenMillError(.invalidConfiguration, "\(path): not valid JSON: \(f.description)")
        }
        return (json, SHA256Hasher.hex(bytes), displayName ?? String(path.split(separator: "/").last ?? Substring(path)))
    }

    static func parseAddedTokens(_ json: JSONValue, path: String) throws -> [AddedToken] {
        var added: [AddedToken] = []
        for (i, t) in (json["added_tokens"]?.arrayValue ?? []).enumerated() {
            guard let id = t["id"]?.intValue, id >= 0, id < 10_000_000, let content = t["content"]?.stringValue else {
                throw fail(path, "added_tokens[\(i)]", "needs an integer 'id' and a string 'content'")
            }
            func flag(_ k: String, _ d: Bool) -> Bool { if case .bool(let b)? = t[k] { return b }; return d }
            added.append(AddedToken(id: UInt32(id), content: content, special: flag("special", false),
                                    singleWord: flag("single_word", false), lstrip: flag("lstrip", false),
                                    rstrip: flag("rstrip", false), normalized: flag("normalized", !flag("special", false))))
        }
        return added
    }

    /// A Unigram `tokenizer.json`: `vocab` as `[token, score]` pairs, `unk_id`, `byte_fallback`;
    /// the `Metaspace` pre-tokenizer (alone or after nothing else); the normalizers and decoders
    /// of the BPE reader plus `Precompiled`, `Nmt`, `Strip`, regex `Replace` and `Metaspace`.
    public static func parseUnigram(_ json: JSONValue, path: String, fingerprint: String, name: String) throws -> HFUnigramTokenizer {
        guard case .object = json, let model = json["model"] else { throw fail(path, "model", "missing") }
        guard let list = model["vocab"]?.arrayValue else { throw fail(path, "model.vocab", "missing or not a list of [token, score] pairs") }
        var pieces: [[UInt8]] = [], scores: [Double] = []
        pieces.reserveCapacity(list.count)
        scores.reserveCapacity(list.count)
        for (i, entry) in list.enumerated() {
            guard let pair = entry.arrayValue, pair.count == 2, let token = pair[0].stringValue, let score = pair[1].doubleValue else {
                throw fail(path, "model.vocab[\(i)]", "expected a [token, score] pair")
            }
            pieces.append(Array(token.utf8))
            scores.append(score)
        }
        var unk: UInt32?
        if let u = model["unk_id"], u != .null {
            guard let id = u.intValue, id >= 0, Int(id) < pieces.count else { throw fail(path, "model.unk_id", "not an id of the vocabulary") }
            unk = UInt32(id)
        }
        let byteFallback: Bool = { if case .bool(let b)? = model["byte_fallback"] { return b }; return false }()
        let normalizers = try parseNormalizer(json["normalizer"], path: path, key: "normalizer")
        let metaspace = try parseMetaspace(json["pre_tokenizer"], path: path, key: "pre_tokenizer")
        let decoders = try parseDecoder(json["decoder"], path: path, key: "decoder")
        let added = try parseAddedTokens(json, path: path)
        var idOf: [String: UInt32] = [:]
        for (i, p) in pieces.enumerated() { idOf[String(decoding: p, as: UTF8.self)] = UInt32(i) }
        for t in added { idOf[t.content] = t.id }
        let (bos, eos) = try parsePostProcessor(json["post_processor"], path: path, idOf: idOf)
        return try HFUnigramTokenizer(name: name, fingerprint: fingerprint, pieces: pieces, scores: scores, unkID: unk,
                                      byteFallback: byteFallback, normalizers: normalizers, metaspace: metaspace,
                                      decoders: decoders, addedTokens: added, eosID: eos, bosID: bos, path: path)
    }

    static func parseMetaspace(_ v: JSONValue?, path: String, key: String) throws -> HFUnigramTokenizer.Metaspace? {
        guard let v, v != .null else { return nil }
        let type = v["type"]?.stringValue ?? "?"
        if type == "Sequence", let list = v["pretokenizers"]?.arrayValue, list.count == 1 {
            return try parseMetaspace(list[0], path: path, key: "\(key).pretokenizers[0]")
        }
        if type == "Sequence", let list = v["pretokenizers"]?.arrayValue, list.count == 2, list[0]["type"]?.stringValue == "WhitespaceSplit" {
            var m = try parseMetaspace(list[1], path: path, key: "\(key).pretokenizers[1]")
            m?.whitespaceSplit = true
            return m
        }
        guard type == "Metaspace" else {
            throw fail(path, "\(key).type", "'\(type)' is not supported with a Unigram model (only Metaspace, alone or after WhitespaceSplit)")
        }
        guard let replacement = v["replacement"]?.stringValue, replacement.unicodeScalars.count == 1 else {
            throw fail(path, "\(key).replacement", "must be one character")
        }
        let prepend: HFUnigramTokenizer.Metaspace.Prepend
        if let scheme = v["prepend_scheme"]?.stringValue {
            guard let p = HFUnigramTokenizer.Metaspace.Prepend(rawValue: scheme) else {
                throw fail(path, "\(key).prepend_scheme", "'\(scheme)' is not always, first or never")
            }
            prepend = p
        } else if case .bool(let b)? = v["add_prefix_space"] {
            prepend = b ? .always : .never
        } else {
            prepend = .always
        }
        let split: Bool = { if case .bool(let b)? = v["split"] { return b }; return true }()
        return HFUnigramTokenizer.Metaspace(replacement: Array(replacement.utf8), prepend: prepend, split: split)
    }

    static func fail(_ path: String, _ key: String, _ why: String) -> TokenMillError {
        TokenMillError(.invalidConfiguration, "\(path): \(key): \(why)")
    }

    public static func parse(_ json: JSONValue, path: String, fingerprint: String, name: String) throws -> BPETokenizer {
        guard case .object = json, let model = json["model"] else { throw fail(path, "model", "missing") }
        let type = model["type"]?.stringValue ?? (model["merges"] != nil ? "BPE" : "?")
        guard type == "BPE" else {
            throw fail(path, "model.type", "unknown or unsupported model type '\(type)' (this reader takes BPE and Unigram)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key], v != .null, v != .string("") {
                throw fail(path, "model.\(key)", "is not supported (byte-level BPE does not use it)")
            }
        }
        let preTokenizers = try parsePreTokenizer(json["pre_tokenizer"], path: path, key: "pre_tokenizer")
        let decoders = try parseDecoder(json["decoder"], path: path, key: "decoder")
        let byteLevel = preTokenizers.contains { if case .byteLevel = $0 { return true }; return false }
            || decoders.contains(.byteLevel)
        let normalizers = try parseNormalizer(json["normalizer"], path: path, key: "normalizer")

        // Vocabulary.
        guard case let .object(vocabPairs)? = model["vocab"] else { throw fail(path, "model.vocab", "missing or not an object") }
        var strings: [String?] = []
        var idOf: [String: UInt32] = [:]
        idOf.reserveCapacity(vocabPairs.count)
        for (token, v) in vocabPairs {
            guard let id = v.intValue, id >= 0, id < 10_000_000 else { throw fail(path, "model.vocab[\"\(token)\"]", "id is not a valid integer") }
            if Int(id) >= strings.count { strings += [String?](repeating: nil, count: Int(id) + 1 - strings.count) }
            strings[Int(id)] = token
            idOf[token] = UInt32(id)
        }
        let added = try parseAddedTokens(json, path: path)
        for t in added {
            if Int(t.id) >= strings.count { strings += [String?](repeating: nil, count: Int(t.id) + 1 - strings.count) }
            if strings[Int(t.id)] == nil { strings[Int(t.id)] = t.content }
        }
        let tokenBytes: [[UInt8]] = strings.map { s in
            guard let s else { return [] }
            if byteLevel, let raw = ByteLevelAlphabet.decode(s) { return raw }
            return Array(s.utf8)
        }

        // Merges.
        guard let mergeList = model["merges"]?.arrayValue else { throw fail(path, "model.merges", "missing or not a list") }
        var merges: [(UInt32, UInt32, UInt32)] = []
        merges.reserveCapacity(mergeList.count)
        for (r, m) in mergeList.enumerated() {
            let (a, b): (String, String)
            switch m {
            case .string(let s):
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw fail(path, "model.merges[\(r)]", "'\(s)' is not two tokens separated by one space")
                }
                (a, b) = (String(parts[0]), String(parts[1]))
            case .array(let pair):
                guard pair.count == 2, let x = pair[0].stringValue, let y = pair[1].stringValue else {
                    throw fail(path, "model.merges[\(r)]", "a merge must be a pair of two strings")
                }
                (a, b) = (x, y)
            default:
                throw fail(path, "model.merges[\(r)]", "a merge must be a string \"a b\" or a pair [\"a\", \"b\"]")
            }
            guard let ia = idOf[a] else { throw fail(path, "model.merges[\(r)]", "'\(a)' is not in the vocabulary") }
            guard let ib = idOf[b] else { throw fail(path, "model.merges[\(r)]", "'\(b)' is not in the vocabulary") }
            guard let im = idOf[a + b] else { throw fail(path, "model.merges[\(r)]", "the merge result '\(a + b)' is not in the vocabulary") }
            merges.append((ia, ib, im))
        }
        var unk: UInt32?
        if let u = model["unk_token"]?.stringValue {
            guard let id = idOf[u] else { throw fail(path, "model.unk_token", "'\(u)' is not in the vocabulary") }
            unk = id
        }
        func flag(_ k: String) -> Bool { if case .bool(let b)? = model[k] { return b }; return false }
        let bpe = BPEModel(tokenBytes: tokenBytes, merges: merges, byteLevel: byteLevel, ignoreMerges: flag("ignore_merges"),
                           unkID: unk, fuseUnk: flag("fuse_unk"), byteFallback: flag("byte_fallback"))
        let (bos, eos) = try parsePostProcessor(json["post_processor"], path: path, idOf: idOf)
        return BPETokenizer(name: name, flavor: .huggingFace, model: bpe, normalizers: normalizers,
                            preTokenizers: preTokenizers, decoders: decoders, addedTokens: added,
                            fingerprint: fingerprint, eosID: eos, bosID: bos)
    }

    static func parsePreTokenizer(_ v: JSONValue?, path: String, key: String) throws -> [PreTokenizerStep] {
        guard let v, v != .null else { return [] }
        let type = v["type"]?.stringValue ?? "?"
        switch type {
        case "ByteLevel":
            func flag(_ k: String, _ d: Bool) -> Bool { if case .bool(let b)? = v[k] { return b }; return d }
            return [.byteLevel(addPrefixSpace: flag("add_prefix_space", true), useRegex: flag("use_regex", true))]
        case "Sequence":
            var out: [PreTokenizerStep] = []
            for (i, p) in (v["pretokenizers"]?.arrayValue ?? []).enumerated() {
                out += try parsePreTokenizer(p, path: path, key: "\(key).pretokenizers[\(i)]")
            }
            return out
        case "Split":
            let behavior = v["behavior"]?.stringValue ?? "Isolated"
            guard behavior == "Isolated" else { throw fail(path, "\(key).behavior", "'\(behavior)' is not supported (only Isolated)") }
            if case .bool(true)? = v["invert"] { throw fail(path, "\(key).invert", "true is not supported") }
            guard let regex = v["pattern"]?["Regex"]?.stringValue else {
                throw fail(path, "\(key).pattern", "only {\"Regex\": …} patterns are supported")
            }
            guard let p = PatternSplitter.Pattern(huggingFaceRegex: regex) else {
                throw fail(path, "\(key).pattern.Regex", "the pattern \(String(reflecting: regex)) is not one of the built-in scanners (gpt2, cl100k, o200k, llama3)")
            }
            return [.split(p)]
        default:
            throw fail(path, "\(key).type", "unknown or unsupported pre-tokenizer '\(type)'")
        }
    }

    static func parseNormalizer(_ v: JSONValue?, path: String, key: String) throws -> [NormalizerStep] {
        guard let v, v != .null else { return [] }
        let type = v["type"]?.stringValue ?? "?"
        switch type {
        case "NFC": return [.unicode(.nfc)]
        case "NFD": return [.unicode(.nfd)]
        case "NFKC": return [.unicode(.nfkc)]
        case "NFKD": return [.unicode(.nfkd)]
        case "Lowercase": return [.lowercase]
        case "Prepend": return [.prepend(v["prepend"]?.stringValue ?? "")]
        case "Replace":
            if let r = v["pattern"]?["Regex"]?.stringValue {
                guard let known = NormalizerStep.KnownRegex(rawValue: r) else {
                    throw fail(path, "\(key).pattern.Regex", "the pattern \(String(reflecting: r)) is not one this reader implements (\(NormalizerStep.KnownRegex.allCases.map { String(reflecting: $0.rawValue) }.joined(separator: ", ")))")
                }
                return [.replaceRegex(known, v["content"]?.stringValue ?? "")]
            }
            guard let s = v["pattern"]?["String"]?.stringValue else { throw fail(path, "\(key).pattern", "must be {\"String\": …} or {\"Regex\": …}") }
            return [.replace(s, v["content"]?.stringValue ?? "")]
        case "Strip":
            func flag(_ k: String) -> Bool { if case .bool(let b)? = v[k] { return b }; return true }
            return [.strip(left: flag("strip_left"), right: flag("strip_right"))]
        case "Nmt": return [.nmt]
        case "Precompiled":
            guard let b64 = v["precompiled_charsmap"]?.stringValue else { return [] }
            guard let blob = Base64.decode(Array(b64.utf8)) else { throw fail(path, "\(key).precompiled_charsmap", "is not valid base64") }
            if blob.isEmpty { return [] }
            return [.precompiled(try PrecompiledCharsmap(blob, what: "\(path): \(key).precompiled_charsmap"))]
        case "Sequence":
            var out: [NormalizerStep] = []
            for (i, n) in (v["normalizers"]?.arrayValue ?? []).enumerated() { out += try parseNormalizer(n, path: path, key: "\(key).normalizers[\(i)]") }
            return out
        default:
            throw fail(path, "\(key).type", "unknown or unsupported normalizer '\(type)'")
        }
    }

    static func parseDecoder(_ v: JSONValue?, path: String, key: String) throws -> [DecoderStep] {
        guard let v, v != .null else { return [] }
        let type = v["type"]?.stringValue ?? "?"
        switch type {
        case "ByteLevel": return [.byteLevel]
        case "ByteFallback": return [.byteFallback]
        case "Fuse": return [.fuse]
        case "Strip":
            return [.strip(content: v["content"]?.stringValue ?? " ", start: Int(v["start"]?.intValue ?? 0), stop: Int(v["stop"]?.intValue ?? 0))]
        case "Replace":
            guard let s = v["pattern"]?["String"]?.stringValue else { throw fail(path, "\(key).pattern", "only String patterns are supported") }
            return [.replace(s, v["content"]?.stringValue ?? "")]
        case "Metaspace":
            let scheme = v["prepend_scheme"]?.stringValue ?? ({ if case .bool(false)? = v["add_prefix_space"] { return "never" }; return "always" }())
            return [.metaspace(replacement: v["replacement"]?.stringValue ?? "\u{2581}", dropFromFirst: scheme != "never")]
        case "Sequence":
            var out: [DecoderStep] = []
            for (i, d) in (v["decoders"]?.arrayValue ?? []).enumerated() { out += try parseDecoder(d, path: path, key: "\(key).decoders[\(i)]") }
            return out
        default:
            throw fail(path, "\(key).type", "unknown or unsupported decoder '\(type)'")
        }
    }

    /// BOS and EOS ids from a TemplateProcessing `single` template (special tokens before and after `$A`).
    static func parsePostProcessor(_ v: JSONValue?, path: String, idOf: [String: UInt32]) throws -> (UInt32?, UInt32?) {
        guard let v, v != .null else { return (nil, nil) }
        switch v["type"]?.stringValue ?? "?" {
        case "ByteLevel": return (nil, nil)
        case "Sequence":
            var result: (UInt32?, UInt32?) = (nil, nil)
            for p in v["processors"]?.arrayValue ?? [] {
                let r = try parsePostProcessor(p, path: path, idOf: idOf)
                result = (r.0 ?? result.0, r.1 ?? result.1)
            }
            return result
        case "TemplateProcessing":
            var bos: UInt32?, eos: UInt32?
            var seenSequence = false
            for item in v["single"]?.arrayValue ?? [] {
                if item["Sequence"] != nil { seenSequence = true; continue }
                if let name = item["SpecialToken"]?["id"]?.stringValue {
                    let id = v["special_tokens"]?[name]?["ids"]?.arrayValue?.first?.intValue.map(UInt32.init) ?? idOf[name]
                    if seenSequence { eos = id } else { bos = id }
                }
            }
            return (bos, eos)
        case let t:
            throw fail(path, "post_processor.type", "unknown or unsupported post-processor '\(t)'")
        }
    }
}
