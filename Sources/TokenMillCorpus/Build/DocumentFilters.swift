import TokenMillCuration
import TokenMillCore

/// The filters every build applies before tokenizing: a document with no visible character is
/// dropped as `empty_text`; `min_chars`/`max_chars` (inclusive) drop `too_short`/`too_long`.
/// Characters are Unicode scalars, counted on the UTF-8 bytes without decoding.
struct DocumentFilters {
    let spec: FilterSpec

    func decide(_ text: [UInt8]) -> (reason: DropReason?, chars: Int) {
        let chars = Self.scalarCount(text)
        if Self.isBlank(text) { return (.emptyText, chars) }
        if let min = spec.minChars, chars < min { return (.tooShort, chars) }
        if let max = spec.maxChars, chars > max { return (.tooLong, chars) }
        return (nil, chars)
    }

    static func scalarCount(_ text: [UInt8]) -> Int {
        var n = 0
        for b in text where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// True when the text holds only white space and invisible format characters (NBSP, ZWSP,
    /// ZWJ/ZWNJ, word joiner, BOM, ideographic space…).
    static func isBlank(_ text: [UInt8]) -> Bool {
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            if b < 0x80 {
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) { i += 1; continue }
                return false
            }
            // Decode one scalar (the text is valid UTF-8).
            var v: UInt32
            var len: Int
            if b >= 0xF0 { v = UInt32(b & 0x07); len = 4 } else if b >= 0xE0 { v = UInt32(b & 0x0F); len = 3 } else { v = UInt32(b & 0x1F); len = 2 }
            guard i + len <= n else { return false }
            for k in 1..<len { v = v << 6 | UInt32(text[i + k] & 0x3F) }
            if !invisible(v) { return false }
            i += len
        }
        return true
    }

    static func invisible(_ v: UInt32) -> Bool {
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200F, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF: return true
        default: return false
        }
    }
}

/// A source's curation stages from its `filters:` (after the built-in ones): normalization (which
/// rewrites the text that is then filtered, tokenized and kept), degenerate text, word and byte
/// bounds, quality rule sets in order. One per thread (it holds a normalizer workspace).
struct SourceCuration {
    let spec: FilterSpec
    let junk: JunkFilter?
    let bounds: LengthFilter
    let rules: [any QualityRule]
    let words: WordBlocklist?
    let sampler: SeededSampler?
    let language: LanguageFilter?
    let workspace = TextNormalizer.Workspace()

    init(spec: FilterSpec, seed: UInt64) throws {
        self.spec = spec
        junk = spec.junk ? JunkFilter() : nil
        bounds = LengthFilter(minWords: spec.minWords, maxWords: spec.maxWords, minBytes: spec.minBytes, maxBytes: spec.maxBytes)
        rules = try spec.rules.map { try QualityRules.make($0.name, options: $0.options) }
        words = try spec.blocklistWords.map { try WordBlocklist(contentsOf: $0) }
        sampler = spec.sample.map { SeededSampler(rate: $0, seed: seed) }
        if spec.identifiesLanguage {
            let model = try spec.languageModel.map { try LanguageModels.load(path: $0) }
                ?? LanguageModels.bundled()
            language = try LanguageFilter(model: model, languages: spec.languages ?? [], threshold: spec.languageThreshold ?? 0.65)
        } else {
            language = nil
        }
    }

    /// Normalizes `text` in place when asked.
    func normalize(_ text: inout [UInt8]) {
        guard let n = spec.normalize else { return }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        text.withUnsafeBytes { n.normalize($0, into: &out, workspace: workspace) }
        text = out
    }

    /// The drop reason and the stage that dropped the document, or nil; a rule set may rewrite
    /// the text (C4 removes lines). With language identification, `language` is set to the top
    /// language and its probability.
    func decide(_ text: inout [UInt8], id: String, language found: inout (language: String, score: Double)?) -> (reason: DropReason, stage: String)? {
        if let junk, let r = text.withUnsafeBytes({ junk.decide($0) }) { return (r, "junk") }
        let string = String(decoding: text, as: UTF8.self)
        if let r = bounds.decide(string) { return (r, "length") }
        if let words, let r = words.decide(string) { return (r, "blocklist") }
        if let language {
            let d = language.decide(string)
            found = (d.language, d.score)
            if let r = d.drop { return (r, "language") }
        }
        if !rules.isEmpty {
            var doc = QualityText(string)
            for rule in rules {
                if let r = rule.apply(&doc) { return (r, rule.name) }
            }
            let after = doc.text
            if after != string { text = Array(after.utf8) }
        }
        if let sampler, let r = sampler.decide(key: id.isEmpty ? string : id) { return (r, "sample") }
        return nil
    }
}
