import TokenMillCore

/// A document as the quality rule sets see it: its code points, and its English words (computed
/// once, again only after a rule set rewrote the text).
public struct QualityText {
    public private(set) var scalars: [Unicode.Scalar]
    private var cachedWords: [Range<Int>]?

    public init(_ text: String) { scalars = Array(text.unicodeScalars) }

    public var text: String { PyText.string(scalars, 0..<scalars.count) }

    public mutating func words() -> [Range<Int>] {
        if let w = cachedWords { return w }
        let w = EnglishWordTokenizer.shared.words(scalars)
        cachedWords = w
        return w
    }

    mutating func replace(with s: [Unicode.Scalar]) {
        scalars = s
        cachedWords = nil
    }
}

/// A rule set: keep (nil) or the reason to drop. It may rewrite the text (C4 removes lines).
public protocol QualityRule: Sendable {
    /// The rule set's name in recipes, on the command line and in rejects' `stage`.
    var name: String { get }
    func apply(_ doc: inout QualityText) -> DropReason?
}

/// datatrove's punctuation set (`PUNCTUATION_SET`): a word made only of these is a "symbol word".
enum QualityCharacters {
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool { isBasicPunctuation(c) || isTerminal(c) }

    /// datatrove's `PUNCTUATION` string (what `simplify_text` turns into spaces).
    static func isBasicPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x00...0x08, 0x0B...0x1F, 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x9F, 0xAB, 0xB4, 0xBB,
             0x2013...0x2014, 0x2019, 0x201C...0x201E, 0x2026, 0x2236, 0x2501, 0x25BA, 0x3001...0x3002, 0x3008...0x300D,
             0x3010...0x3011, 0xFF01, 0xFF05, 0xFF08...0xFF09, 0xFF0C, 0xFF0E, 0xFF11, 0xFF1A...0xFF1B, 0xFF1F, 0xFF5E:
            return true
        default:
            return false
        }
    }

    /// datatrove's `TERMINAL_PUNCTUATION`: sentence-final marks of many scripts.
    static func isTerminal(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21, 0x2E, 0x3F, 0x589, 0x61D...0x61F, 0x6D4, 0x700...0x702, 0x7F9, 0x837, 0x839, 0x83D...0x83E, 0x964...0x965,
             0x104A...0x104B, 0x1362, 0x1367...0x1368, 0x166E, 0x1735...0x1736, 0x17D4...0x17D6, 0x17D9...0x17DA, 0x1803,
             0x1809, 0x1944...0x1945, 0x1AA8...0x1AAB, 0x1B5A...0x1B5B, 0x1B5E...0x1B5F, 0x1B7D...0x1B7E, 0x1C3B...0x1C3C,
             0x1C7E...0x1C7F, 0x203C...0x203D, 0x2047...0x2049, 0x2E2E, 0x2E3C, 0x2E53...0x2E54, 0x3002, 0xA4FF,
             0xA60E...0xA60F, 0xA6F3, 0xA6F7, 0xA876...0xA877, 0xA8CE...0xA8CF, 0xA92F, 0xA9C8...0xA9C9, 0xAA5D...0xAA5F,
             0xAAF0...0xAAF1, 0xABEB, 0xFE52, 0xFE56...0xFE57, 0xFF01, 0xFF0E, 0xFF1F, 0xFF61, 0x10A56...0x10A57,
             0x10F55...0x10F59, 0x10F86...0x10F89, 0x11047...0x11048, 0x110BE...0x110C1, 0x11141...0x11143,
             0x111C5...0x111C6, 0x111CD, 0x111DE...0x111DF, 0x11238...0x11239, 0x1123B...0x1123C, 0x112A9,
             0x1144B...0x1144C, 0x115C2...0x115C3, 0x115C9...0x115D7, 0x11641...0x11642, 0x1173C...0x1173E, 0x11944,
             0x11946, 0x11A42...0x11A43, 0x11A9B...0x11A9C, 0x11C41...0x11C42, 0x11EF7...0x11EF8, 0x11F43...0x11F44,
             0x16A6E...0x16A6F, 0x16AF5, 0x16B37...0x16B38, 0x16B44, 0x16E98, 0x1BC9F, 0x1DA88:
            return true
        default:
            return false
        }
    }
}

private func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

/// Gopher's quality heuristics (Rae et al. 2021, as datatrove's `GopherQualityFilter`, same
/// defaults and reasons). Words are `EnglishWordTokenizer` words; "symbol words" are made only of
/// punctuation.
public struct GopherQualityRule: QualityRule, Equatable {
    public var name: String { "gopher_quality" }
    public var minDocWords: Int? = 50
    public var maxDocWords: Int? = 100_000
    public var minAvgWordLength: Double? = 3
    public var maxAvgWordLength: Double? = 10
    public var maxSymbolWordRatio: Double? = 0.1
    public var maxBulletLinesRatio: Double? = 0.9
    public var maxEllipsisLinesRatio: Double? = 0.3
    public var minAlphaWordsRatio: Double? = 0.8
    public var minStopWords: Int? = 2
    public var stopWords: [String] = ["the", "be", "to", "of", "and", "that", "have", "with"]

    public init() {}

    public func apply(_ doc: inout QualityText) -> DropReason? {
        let words = doc.words()
        let t = doc.scalars
        let nWords = Double(words.count)
        var nonSymbol = 0, nonSymbolLength = 0
        for w in words where t[w].contains(where: { !QualityCharacters.isPunctuation($0) }) {
            nonSymbol += 1
            nonSymbolLength += w.count
        }
        if let m = minDocWords, m != 0, nonSymbol < m { return DropReason("gopher_short_doc") }
        if let m = maxDocWords, m != 0, nonSymbol > m { return DropReason("gopher_long_doc") }
        if nonSymbol > 0 {  // the mean of nothing is NaN, which no bound rejects
            let mean = Double(nonSymbolLength) / Double(nonSymbol)
            if let m = minAvgWordLength, m != 0, mean < m { return DropReason("gopher_below_avg_threshold") }
            if let m = maxAvgWordLength, m != 0, mean > m { return DropReason("gopher_above_avg_threshold") }
        }
        let all = 0..<t.count
        if let m = maxSymbolWordRatio, m != 0 {
            if Double(PyText.count(t, all, ["#"])) / nWords > m { return DropReason("gopher_too_many_hashes") }
            let ellipses = PyText.count(t, all, scalars("...")) + PyText.count(t, all, ["…"])
            if Double(ellipses) / nWords > m { return DropReason("gopher_too_many_ellipsis") }
        }
        let lines = PyText.splitLines(t)
        if let m = maxBulletLinesRatio, m != 0 {
            let bullets = lines.filter { l in
                let s = PyText.strip(t, l, trailing: false)
                return !s.isEmpty && (t[s.lowerBound] == "•" || t[s.lowerBound] == "-")
            }.count
            if Double(bullets) / Double(lines.count) > m { return DropReason("gopher_too_many_bullets") }
        }
        if let m = maxEllipsisLinesRatio, m != 0 {
            let endings = lines.filter { l in
                let s = PyText.strip(t, l, leading: false)
                return PyText.hasSuffix(t, s, scalars("...")) || PyText.hasSuffix(t, s, ["…"])
            }.count
            if Double(endings) / Double(lines.count) > m { return DropReason("gopher_too_many_end_ellipsis") }
        }
        if let m = minAlphaWordsRatio, m != 0 {
            let alpha = words.filter { w in t[w].contains(where: PyText.isAlpha) }.count
            if Double(alpha) / nWords < m { return DropReason("gopher_below_alpha_threshold") }
        }
        if let m = minStopWords, m != 0 {
            let stop = Set(stopWords.map(scalars))
            let longest = stop.map(\.count).max() ?? 0
            var found = Set<[Unicode.Scalar]>()
            for w in words where w.count <= longest {
                let s = Array(t[w])
                if stop.contains(s) { found.insert(s) }
            }
            if found.count < m { return DropReason("gopher_enough_stop_words") }
        }
        return nil
    }
}

/// Gopher's repetition heuristics (datatrove's `GopherRepetitionFilter`): duplicate paragraphs
/// and lines (by count and by characters), the most frequent 2–4-gram's share of the
/// characters, and the characters in repeated 5–10-grams.
public struct GopherRepetitionRule: QualityRule, Equatable {
    public var name: String { "gopher_repetition" }
    public var dupLineFrac: Double? = 0.3
    public var dupParaFrac: Double? = 0.3
    public var dupLineCharFrac: Double? = 0.2
    public var dupParaCharFrac: Double? = 0.2
    public var topNGrams: [(n: Int, frac: Double)] = [(2, 0.2), (3, 0.18), (4, 0.16)]
    public var dupNGrams: [(n: Int, frac: Double)] = [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.dupLineFrac == b.dupLineFrac && a.dupParaFrac == b.dupParaFrac && a.dupLineCharFrac == b.dupLineCharFrac
            && a.dupParaCharFrac == b.dupParaCharFrac && a.topNGrams.map(\.n) == b.topNGrams.map(\.n)
            && a.topNGrams.map(\.frac) == b.topNGrams.map(\.frac) && a.dupNGrams.map(\.n) == b.dupNGrams.map(\.n)
            && a.dupNGrams.map(\.frac) == b.dupNGrams.map(\.frac)
    }

    /// (elements seen before, their characters).
    static func duplicates(_ t: [Unicode.Scalar], _ parts: [Range<Int>]) -> (Int, Int) {
        var seen = Set<ArraySlice<Unicode.Scalar>>()
        var n = 0, chars = 0
        for p in parts where !seen.insert(t[p]).inserted {
            n += 1
            chars += p.count
        }
        return (n, chars)
    }

    public func apply(_ doc: inout QualityText) -> DropReason? {
        let t = doc.scalars
        if t.isEmpty { return DropReason("empty") }
        let length = Double(t.count)
        let paragraphs = PyText.split(t, onRunsOf: "\n", atLeast: 2, in: PyText.strip(t, 0..<t.count))
        let (paraDups, paraChars) = Self.duplicates(t, paragraphs)
        if let m = dupParaFrac, m != 0, Double(paraDups) / Double(paragraphs.count) > m { return DropReason("dup_para_frac") }
        if let m = dupParaCharFrac, m != 0, Double(paraChars) / length > m { return DropReason("dup_para_char_frac") }
        let lines = PyText.split(t, onRunsOf: "\n", atLeast: 1, in: 0..<t.count)
        let (lineDups, lineChars) = Self.duplicates(t, lines)
        if let m = dupLineFrac, m != 0, Double(lineDups) / Double(lines.count) > m { return DropReason("dup_line_frac") }
        if let m = dupLineCharFrac, m != 0, Double(lineChars) / length > m { return DropReason("dup_line_char_frac") }
        let words = doc.words()
        let h = NGramHashes(t, words)
        for (n, frac) in topNGrams where words.count >= n {
            // The most frequent n-gram (words joined by a space; the first seen among equals):
            // its length × its count.
            var counts: [NGramHashes.Key: (count: Int, first: Int)] = [:]
            var best: (count: Int, first: Int, length: Int) = (0, Int.max, 0)
            for i in 0...(words.count - n) {
                let (key, len) = h.key(i, n, separator: true)
                var e = counts[key] ?? (0, i)
                e.count += 1
                counts[key] = e
                if e.count > best.count || (e.count == best.count && e.first < best.first) { best = (e.count, e.first, len) }
            }
            if Double(best.length * best.count) / length > frac { return DropReason("top_\(n)_gram") }
        }
        for (n, frac) in dupNGrams {
            // Characters of n-grams (words concatenated) seen before; a repeat skips its n words.
            var seen = Set<NGramHashes.Key>()
            var repeated = 0
            var i = 0
            while i < words.count - n + 1 {
                let (key, len) = h.key(i, n, separator: false)
                if seen.contains(key) {
                    repeated += len
                    i += n
                } else {
                    seen.insert(key)
                    i += 1
                }
            }
            if Double(repeated) / length > frac { return DropReason("duplicated_\(n)_n_grams") }
        }
        return nil
    }
}

/// Hashes of word n-grams as strings: polynomial hashes of the code points modulo 2^61 − 1 with
/// two bases (122 bits), which compose (hash(a + b) = hash(a)·B^len(b) + hash(b)), so an n-gram
/// costs n steps and equal strings — however they split into words — get equal keys.
struct NGramHashes {
    struct Key: Hashable { let a: UInt64, b: UInt64 }
    static let p: UInt64 = (1 << 61) - 1
    static let bases: (UInt64, UInt64) = (1_000_003, 0x1F35_A7BD)

    let hashes: [(UInt64, UInt64)]
    let powers: [(UInt64, UInt64)]
    let lengths: [Int]

    init(_ t: [Unicode.Scalar], _ words: [Range<Int>]) {
        var hashes: [(UInt64, UInt64)] = [], powers: [(UInt64, UInt64)] = []
        hashes.reserveCapacity(words.count); powers.reserveCapacity(words.count)
        for w in words {
            var h = (UInt64(0), UInt64(0)), q = (UInt64(1), UInt64(1))
            for i in w {
                let v = UInt64(t[i].value) + 1
                h = (Self.add(Self.mul(h.0, Self.bases.0), v), Self.add(Self.mul(h.1, Self.bases.1), v))
                q = (Self.mul(q.0, Self.bases.0), Self.mul(q.1, Self.bases.1))
            }
            hashes.append(h); powers.append(q)
        }
        self.hashes = hashes
        self.powers = powers
        self.lengths = words.map(\.count)
    }

    @inline(__always) static func mul(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        // (hi·2^64 + lo) mod 2^61−1
        let r = (lo & p) + (lo >> 61) + (hi << 3)
        return r >= p ? (r - p >= p ? r - 2 * p : r - p) : r
    }

    @inline(__always) static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a + b
        return r >= p ? r - p : r
    }

    /// The key and the length (code points) of words i..<i+n, joined by a space or not.
    func key(_ i: Int, _ n: Int, separator: Bool) -> (Key, Int) {
        var h = (UInt64(0), UInt64(0))
        var len = 0
        let space = UInt64(0x20) + 1
        for j in i..<(i + n) {
            if separator && j > i {
                h = (Self.add(Self.mul(h.0, Self.bases.0), space), Self.add(Self.mul(h.1, Self.bases.1), space))
                len += 1
            }
            h = (Self.add(Self.mul(h.0, powers[j].0), hashes[j].0), Self.add(Self.mul(h.1, powers[j].1), hashes[j].1))
            len += lengths[j]
        }
        return (Key(a: h.0, b: h.1), len)
    }
}

/// C4's rules (Raffel et al. 2020, as datatrove's `C4QualityFilter`): lines without terminal
/// punctuation, with fewer than 3 words, with "javascript" or cookie/terms-of-use phrases, or
/// with a word over 1000 characters are removed, Wikipedia citation marks are cut; a document
/// with "lorem ipsum" or a curly bracket, or fewer than 5 sentences left, is dropped.
public struct C4QualityRule: QualityRule, Equatable {
    public var name: String { "c4" }
    public var removeCitations = true
    public var filterNoTerminalPunct = true
    public var minNumSentences = 5
    public var minWordsPerLine = 3
    public var maxWordLength = 1000
    public var filterLoremIpsum = true
    public var filterJavascript = true
    public var filterCurlyBracket = true
    public var filterPolicy = true

    public init() {}

    static let policy = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"].map(scalars)
    static let endings = [".", "?", "!", "\"", "'"].map(scalars)

    public func apply(_ doc: inout QualityText) -> DropReason? {
        let t = doc.scalars
        var sentences = 0
        var kept: [[Unicode.Scalar]] = []
        for raw in PyText.splitLines(t) {
            let r = PyText.strip(t, raw)
            let words = PyText.words(t, in: r)
            if maxWordLength != -1 && words.contains(where: { $0.count > maxWordLength }) { continue }
            var line = Array(t[r])
            if removeCitations { line = Self.removingCitations(line) }
            let all = 0..<line.count
            if filterNoTerminalPunct && (!Self.endings.contains(where: { PyText.hasSuffix(line, all, $0) }) || PyText.hasSuffix(line, all, scalars("..."))) {
                continue
            }
            if words.count < minWordsPerLine { continue }
            let lower = PyText.lower(line, all)
            let lowerAll = 0..<lower.count
            if filterLoremIpsum && PyText.contains(lower, lowerAll, scalars("lorem ipsum")) { return DropReason("lorem_ipsum") }
            if filterJavascript && PyText.contains(lower, lowerAll, scalars("javascript")) { continue }
            if filterCurlyBracket && line.contains("{") { return DropReason("curly_bracket") }
            if filterPolicy && Self.policy.contains(where: { PyText.contains(lower, lowerAll, $0) }) { continue }
            if minNumSentences != -1 { sentences += EnglishWordTokenizer.shared.sentenceCount(line, all) }
            kept.append(line)
        }
        if sentences < minNumSentences { return DropReason("too_few_sentences") }
        var out: [Unicode.Scalar] = []
        for (i, l) in kept.enumerated() {
            if i > 0 { out.append("\n") }
            out.append(contentsOf: l)
        }
        let stripped = Array(out[PyText.strip(out, 0..<out.count)])
        if stripped != doc.scalars { doc.replace(with: stripped) }
        return nil
    }

    /// Removes `[12]`, `[]`, `[edit]` and `[citation needed]` (left to right, non-overlapping).
    static func removingCitations(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard line.contains("[") else { return line }
        let words = [scalars("[edit]"), scalars("[citation needed]")]
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < line.count {
            if line[i] == "[" {
                var j = i + 1
                while j < line.count && line[j].properties.numericType == .decimal { j += 1 }
                if j < line.count && line[j] == "]" { i = j + 1; continue }
                if let w = words.first(where: { PyText.hasPrefix(line, i..<line.count, $0) }) { i += w.count; continue }
            }
            out.append(line[i])
            i += 1
        }
        return out
    }
}

/// FineWeb's own rules (datatrove's `FineWebQualityFilter`): too few lines ending in terminal
/// punctuation, too many short lines, too many characters in duplicated lines, too many line
/// breaks per word.
public struct FineWebQualityRule: QualityRule, Equatable {
    public var name: String { "fineweb" }
    public var linePunctThreshold = 0.12
    public var linePunctExcludeZero = false
    public var shortLineThreshold = 0.67
    public var shortLineLength = 30
    public var charDuplicatesRatio = 0.01
    public var newLineRatio = 0.3

    public init() {}

    public func apply(_ doc: inout QualityText) -> DropReason? {
        let t = doc.scalars
        let lines = PyText.split(t, on: "\n").filter { !PyText.strip(t, $0).isEmpty }
        if lines.isEmpty { return DropReason("empty") }
        let n = Double(lines.count)
        let punct = Double(lines.filter { QualityCharacters.isTerminal(t[$0.upperBound - 1]) }.count) / n
        if punct < linePunctThreshold && !(punct == 0 && linePunctExcludeZero) { return DropReason("line_punct_ratio") }
        if Double(lines.filter { $0.count <= shortLineLength }.count) / n > shortLineThreshold { return DropReason("short_line_ratio") }
        let newlines = t.lazy.filter { $0 == "\n" }.count
        if Double(GopherRepetitionRule.duplicates(t, lines).1) / Double(t.count - newlines) > charDuplicatesRatio {
            return DropReason("char_dup_ratio")
        }
        if Double(newlines) / Double(doc.words().count) > newLineRatio { return DropReason("list_ratio") }
        return nil
    }
}

/// Rule sets by name, with datatrove's parameter names as options (`min_doc_words: 100`,
/// `top_n_grams: "2:0.2,3:0.18"`, `none` switches a bound off): what recipes and
/// `tokenmill filter --rules … --rule-option gopher_quality.min_doc_words=100` build.
public enum QualityRules {
    public static let names = ["gopher_quality", "gopher_repetition", "c4", "fineweb"]

    public static func make(_ name: String, options: [String: String] = [:]) throws -> any QualityRule {
        var o = Options(rule: name, values: options)
        let rule: any QualityRule
        switch name {
        case "gopher_quality":
            var r = GopherQualityRule()
            try o.int("min_doc_words", &r.minDocWords); try o.int("max_doc_words", &r.maxDocWords)
            try o.double("min_avg_word_length", &r.minAvgWordLength); try o.double("max_avg_word_length", &r.maxAvgWordLength)
            try o.double("max_symbol_word_ratio", &r.maxSymbolWordRatio); try o.double("max_bullet_lines_ratio", &r.maxBulletLinesRatio)
            try o.double("max_ellipsis_lines_ratio", &r.maxEllipsisLinesRatio)
            try o.double("max_non_alpha_words_ratio", &r.minAlphaWordsRatio); try o.int("min_stop_words", &r.minStopWords)
            if let s = o.take("stop_words") { r.stopWords = s.split(separator: ",").map { String($0) } }
            rule = r
        case "gopher_repetition":
            var r = GopherRepetitionRule()
            try o.double("dup_line_frac", &r.dupLineFrac); try o.double("dup_para_frac", &r.dupParaFrac)
            try o.double("dup_line_char_frac", &r.dupLineCharFrac); try o.double("dup_para_char_frac", &r.dupParaCharFrac)
            try o.nGrams("top_n_grams", &r.topNGrams); try o.nGrams("dup_n_grams", &r.dupNGrams)
            rule = r
        case "c4":
            var r = C4QualityRule()
            try o.bool("remove_citations", &r.removeCitations); try o.bool("filter_no_terminal_punct", &r.filterNoTerminalPunct)
            try o.int("min_num_sentences", &r.minNumSentences); try o.int("min_words_per_line", &r.minWordsPerLine)
            try o.int("max_word_length", &r.maxWordLength); try o.bool("filter_lorem_ipsum", &r.filterLoremIpsum)
            try o.bool("filter_javascript", &r.filterJavascript); try o.bool("filter_curly_bracket", &r.filterCurlyBracket)
            try o.bool("filter_policy", &r.filterPolicy)
            rule = r
        case "fineweb":
            var r = FineWebQualityRule()
            try o.double("line_punct_thr", &r.linePunctThreshold); try o.bool("line_punct_exclude_zero", &r.linePunctExcludeZero)
            try o.double("short_line_thr", &r.shortLineThreshold); try o.int("short_line_length", &r.shortLineLength)
            try o.double("char_duplicates_ratio", &r.charDuplicatesRatio); try o.double("new_line_ratio", &r.newLineRatio)
            rule = r
        default:
            throw TokenMillError(.invalidConfiguration, "unknown rule set '\(name)': use one of \(names.joined(separator: ", "))")
        }
        if let unknown = o.values.keys.sorted().first {
            throw TokenMillError(.invalidConfiguration, "rule set \(name) has no option '\(unknown)'")
        }
        return rule
    }

    struct Options {
        let rule: String
        var values: [String: String]

        mutating func take(_ key: String) -> String? { values.removeValue(forKey: key) }

        func bad(_ key: String, _ v: String, _ what: String) -> TokenMillError {
            TokenMillError(.invalidConfiguration, "\(rule).\(key) = '\(v)': expected \(what)")
        }

        /// An optional bound: a value, or `none` to switch it off.
        mutating func optional<T: LosslessStringConvertible>(_ key: String, _ x: inout T?) throws {
            guard let v = take(key) else { return }
            if v == "none" || v == "null" { x = nil; return }
            guard let n = T(v) else { throw bad(key, v, T.self == Int.self ? "an integer or none" : "a number or none") }
            x = n
        }

        mutating func required<T: LosslessStringConvertible>(_ key: String, _ x: inout T) throws {
            guard let v = take(key) else { return }
            guard let n = T(v) else { throw bad(key, v, T.self == Int.self ? "an integer" : "a number") }
            x = n
        }

        mutating func int(_ key: String, _ x: inout Int?) throws { try optional(key, &x) }
        mutating func int(_ key: String, _ x: inout Int) throws { try required(key, &x) }
        mutating func double(_ key: String, _ x: inout Double?) throws { try optional(key, &x) }
        mutating func double(_ key: String, _ x: inout Double) throws { try required(key, &x) }

        mutating func bool(_ key: String, _ x: inout Bool) throws {
            guard let v = take(key) else { return }
            switch v.lowercased() {
            case "true", "yes", "1": x = true
            case "false", "no", "0": x = false
            default: throw bad(key, v, "true or false")
            }
        }

        mutating func nGrams(_ key: String, _ x: inout [(n: Int, frac: Double)]) throws {
            guard let v = take(key) else { return }
            var out: [(n: Int, frac: Double)] = []
            for item in v.split(separator: ",") {
                let p = item.split(separator: ":")
                guard p.count == 2, let n = Int(p[0]), n > 0, let f = Double(p[1]) else { throw bad(key, v, "n:fraction pairs like 2:0.2,3:0.18") }
                out.append((n, f))
            }
            x = out
        }
    }
}
