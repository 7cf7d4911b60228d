/// English words as datatrove's quality filters count them. datatrove's `split_into_words(text,
/// "en")` is spaCy's blank English tokenizer, so the Gopher and FineWeb thresholds are thresholds
/// on *its* tokens; C4's sentence count is spaCy's sentencizer over the same tokens. This is a
/// reimplementation of that algorithm, written from spaCy's documented behaviour
/// (`Tokenizer.explain`), not a port of its code:
///
/// 1. split on white space (Python's `str.isspace`);
/// 2. for each chunk: unless it is a special case (`don't` → `do` `n't`, `e.g.`, `:)`), peel
///    prefixes (opening punctuation, quotes, currency, `..`) and suffixes (closing punctuation,
///    quotes, `'s`, a period after a lower-case letter or digit, units after a number) until none
///    is left or a special case remains;
/// 3. keep a URL whole; otherwise split at infixes (`..`, a hyphen between letters, a comma
///    between letters, `.` between a lower- and an upper-case letter, `:<>=/` before a letter,
///    an operator between digits);
/// 4. merge back the special cases that contain affix characters (`):` was split into `)` `:`).
///
/// Tokens are ranges of code points into the text. The result equals spaCy 3.8's tokens on
/// every document of the shared English corpus but one (an overlapping emoticon).
public final class EnglishWordTokenizer: Sendable {
    public typealias Scalars = [Unicode.Scalar]
    public static let shared = EnglishWordTokenizer()

    /// A special case: its text and the lengths of its tokens.
    struct Special: Sendable {
        let key: Scalars
        let lengths: [Int]
    }

    private let specials: [Special]
    private let specialIndex: [UInt64: [Int]]
    private let maxSpecialLength: Int
    /// Special cases that affix splitting takes apart: their pieces, keyed by the first piece.
    private let patterns: [UInt64: [(pieces: [Scalars], special: Int)]]

    public init() {
        let table = EnglishTokenizerExceptions.table()
        var specials: [Special] = []
        var index: [UInt64: [Int]] = [:]
        for (key, tokens) in table {
            let k = Array(key.unicodeScalars)
            index[Self.hash(k, 0..<k.count), default: []].append(specials.count)
            specials.append(Special(key: k, lengths: tokens.map { $0.unicodeScalars.count }))
        }
        self.specials = specials
        self.specialIndex = index
        self.maxSpecialLength = specials.map(\.key.count).max() ?? 0
        var patterns: [UInt64: [(pieces: [Scalars], special: Int)]] = [:]
        for (i, s) in specials.enumerated() {
            let k = s.key
            let r = 0..<k.count
            guard Self.prefixLength(k, r) > 0 || Self.suffixLength(k, r) > 0 || Self.hasInfix(k, r) || k.contains(" ") else { continue }
            var pieces: [Range<Int>] = []
            Self.splitChunk(k, r, into: &pieces, specials: nil)
            let first = pieces[0]
            patterns[Self.hash(k, first), default: []].append((pieces.map { Array(k[$0]) }, i))
        }
        self.patterns = patterns
    }

    /// The words of `t` (white space never is one).
    public func words(_ t: Scalars) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var chunk: [Range<Int>] = []
        for c in PyText.words(t, in: 0..<t.count) {
            chunk.removeAll(keepingCapacity: true)
            Self.splitChunk(t, c, into: &chunk, specials: self)
            mergeSpecials(t, &chunk)
            out.append(contentsOf: chunk)
        }
        return out
    }

    public func words(_ s: String) -> [String] {
        let t = Array(s.unicodeScalars)
        return words(t).map { PyText.string(t, $0) }
    }

    /// The number of sentences spaCy's sentencizer finds in `t[r]`: a sentence ends after a
    /// token that is one of the sentence-final characters, once a token that is not punctuation
    /// follows. White-space tokens (what is left of a white-space run after the one space that
    /// follows a word) count as tokens, as in spaCy.
    public func sentenceCount(_ t: Scalars, _ r: Range<Int>) -> Int {
        var tokens: [Range<Int>] = []
        var chunk: [Range<Int>] = []
        var i = r.lowerBound
        while i < r.upperBound {
            if PyText.isSpace(t[i]) {
                var j = i
                while j < r.upperBound && PyText.isSpace(t[j]) { j += 1 }
                var a = i
                if i > r.lowerBound && t[i] == " " { a += 1 }
                if a < j { tokens.append(a..<j) }
                i = j
            } else {
                var j = i
                while j < r.upperBound && !PyText.isSpace(t[j]) { j += 1 }
                chunk.removeAll(keepingCapacity: true)
                Self.splitChunk(t, i..<j, into: &chunk, specials: self)
                mergeSpecials(t, &chunk)
                tokens.append(contentsOf: chunk)
                i = j
            }
        }
        guard !tokens.isEmpty else { return 0 }
        var n = 1
        var seenFinal = false
        for tok in tokens {
            let final = tok.count == 1 && Self.isSentenceFinal(t[tok.lowerBound])
            if seenFinal && !final && !tok.allSatisfy({ Self.isPunctuation(t[$0]) }) {
                n += 1
                seenFinal = false
            } else if final {
                seenFinal = true
            }
        }
        return n
    }

    // MARK: special cases

    static func hash(_ t: Scalars, _ r: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in r { h = (h ^ UInt64(t[i].value)) &* 0x100_0000_01b3 }
        return h
    }

    func special(_ t: Scalars, _ r: Range<Int>) -> Special? {
        guard r.count <= maxSpecialLength, let candidates = specialIndex[Self.hash(t, r)] else { return nil }
        for c in candidates where specials[c].key.elementsEqual(t[r]) { return specials[c] }
        return nil
    }

    /// spaCy's special-case matcher: token runs inside one chunk that spell a special case
    /// which affix splitting took apart become that special case's tokens. Longest matches
    /// first, then leftmost; a match that shares its first or last token with a taken one is
    /// skipped.
    private func mergeSpecials(_ t: Scalars, _ tokens: inout [Range<Int>]) {
        guard tokens.count > 1 else { return }
        var matches: [(start: Int, end: Int, special: Int)] = []
        for i in tokens.indices {
            guard let candidates = patterns[Self.hash(t, tokens[i])] else { continue }
            for (pieces, s) in candidates where i + pieces.count <= tokens.count {
                var ok = true
                for (k, p) in pieces.enumerated() where !t[tokens[i + k]].elementsEqual(p) { ok = false; break }
                if ok { matches.append((i, i + pieces.count, s)) }
            }
        }
        guard !matches.isEmpty else { return }
        matches.sort { ($0.end - $0.start, -$0.start) > ($1.end - $1.start, -$1.start) }
        var seen = Set<Int>()
        var taken: [Int: (end: Int, special: Int)] = [:]
        for m in matches {
            if !seen.contains(m.start) && !seen.contains(m.end - 1) { taken[m.start] = (m.end, m.special) }
            for k in m.start..<m.end { seen.insert(k) }
        }
        var out: [Range<Int>] = []
        var i = 0
        while i < tokens.count {
            if let m = taken[i] {
                var a = tokens[i].lowerBound
                for len in specials[m.special].lengths { out.append(a..<(a + len)); a += len }
                i = m.end
            } else {
                out.append(tokens[i])
                i += 1
            }
        }
        tokens = out
    }

    // MARK: the affix algorithm

    /// Splits one white-space-free chunk (`Tokenizer.explain`'s loop).
    static func splitChunk(_ t: Scalars, _ chunk: Range<Int>, into out: inout [Range<Int>], specials sp: EnglishWordTokenizer?) {
        var s = chunk.lowerBound, e = chunk.upperBound
        var suffixes: [Range<Int>] = []
        func emitSpecial(_ x: Special) {
            var a = s
            for len in x.lengths { out.append(a..<(a + len)); a += len }
            s = e
        }
        while s < e {
            if let x = sp?.special(t, s..<e) { emitSpecial(x); continue }
            while s < e && (prefixLength(t, s..<e) > 0 || suffixLength(t, s..<e) > 0) {
                if let x = sp?.special(t, s..<e) { emitSpecial(x); break }
                let p = prefixLength(t, s..<e)
                if p > 0 {
                    out.append(s..<(s + p))
                    s += p
                    if s < e, sp?.special(t, s..<e) != nil { continue }
                }
                if s < e {
                    let q = suffixLength(t, s..<e)
                    if q > 0 {
                        suffixes.append((e - q)..<e)
                        e -= q
                    }
                }
            }
            guard s < e else { break }
            if isURL(t, s..<e) {
                out.append(s..<e)
            } else if let x = sp?.special(t, s..<e) {
                emitSpecial(x)
            } else {
                var offset = s
                forEachInfix(t, s..<e) { a, b in
                    if offset == s && a == s { return }
                    if a > offset { out.append(offset..<a) }
                    out.append(a..<b)
                    offset = b
                }
                if offset < e { out.append(offset..<e) }
            }
            s = e
        }
        out.append(contentsOf: suffixes.reversed())
    }

    // Character classes.
    @inline(__always) static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    @inline(__always) static func isLower(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x80 ? (c.value >= 0x61 && c.value <= 0x7A) : c.properties.generalCategory == .lowercaseLetter
    }
    @inline(__always) static func isUpper(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x80 ? (c.value >= 0x41 && c.value <= 0x5A) : c.properties.generalCategory == .uppercaseLetter
    }
    @inline(__always) static func isIcon(_ c: Unicode.Scalar) -> Bool { c.value >= 0xA6 && c.properties.generalCategory == .otherSymbol }
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static let punctuation = Set("…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪".unicodeScalars)
    static let quotes = Set("'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧".unicodeScalars)
    static let currency: [Scalars] = (["$", "£", "€", "¥", "฿", "US$", "C$", "A$", "₽", "﷼"]
        + (0x20A0...0x20BF).map { String(Unicode.Scalar($0)!) }).map { Array($0.unicodeScalars) }
    static let units: [Scalars] = """
        km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz m/s km/h kmh mph \
        hPa Pa mbar mb MB kb KB gb GB tb TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм кг г мг \
        м/с км/ч кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тбكم كم² كم³ م م² م³ سم سم² سم³ مم مم² مم³ كم غرام جرام جم \
        كغ ملغ كوب اكواب
        """.split(separator: " ").map { Array($0.unicodeScalars) }
    static let unitsAndCurrency = currency + units
    static let maxUnitLength = unitsAndCurrency.map(\.count).max()!
    static let prefixSingles = Set("§%=—–".unicodeScalars).union(punctuation).union(quotes)
        .union(currency.filter { $0.count == 1 }.map { $0[0] })
    static let suffixSingles = punctuation.union(quotes).union("—–".unicodeScalars)
    /// What may stand before a period that is split off as a suffix (besides digits and
    /// lower-case letters).
    static let beforeFinalPeriod = Set("%²-+|()?:[]".unicodeScalars).union(punctuation).union(quotes)
    static let hyphens: [Scalars] = ["-", "–", "—", "--", "---", "——", "~"].map { Array($0.unicodeScalars) }

    static func prefixLength(_ t: Scalars, _ r: Range<Int>) -> Int {
        let c = t[r.lowerBound]
        if prefixSingles.contains(c) { return 1 }
        if c == "+" && !(r.count > 1 && isDigit(t[r.lowerBound + 1])) { return 1 }
        if c == "." && r.count > 1 && t[r.lowerBound + 1] == "." {
            var j = r.lowerBound
            while j < r.upperBound && t[j] == "." { j += 1 }
            return j - r.lowerBound
        }
        for cur in currency where cur.count > 1 && PyText.hasPrefix(t, r, cur) { return cur.count }
        return isIcon(c) ? 1 : 0
    }

    /// The longest suffix rule that matches at the end of `t[r]` (Python's `re.search` finds the
    /// leftmost match of the `…$` alternatives).
    static func suffixLength(_ t: Scalars, _ r: Range<Int>) -> Int {
        let n = r.count, e = r.upperBound
        let c = t[e - 1]
        var best = (suffixSingles.contains(c) || isIcon(c)) ? 1 : 0
        if c == "." {
            var j = e
            while j > r.lowerBound && t[j - 1] == "." { j -= 1 }
            if e - j >= 2 { best = max(best, e - j) }
            if n >= 2 {
                let p = t[e - 2]
                if isDigit(p) || isLower(p) || beforeFinalPeriod.contains(p) { best = max(best, 1) }
                if n >= 3 && isUpper(p) && isUpper(t[e - 3]) { best = max(best, 1) }
                if n >= 3 && t[e - 3] == "°" && (p == "F" || p == "f" || p == "C" || p == "c" || p == "K" || p == "k") { best = max(best, 1) }
            }
        }
        if n >= 2 && (t[e - 2] == "'" || t[e - 2] == "’") && (c == "s" || c == "S") { best = max(best, 2) }
        if c == "+" && n >= 2 && isDigit(t[e - 2]) { best = max(best, 1) }
        // A unit or currency after a number: only when a digit stands among the last few characters.
        var k = e - 1
        while k > r.lowerBound && e - k <= maxUnitLength && !isDigit(t[k - 1]) { k -= 1 }
        if k > r.lowerBound && isDigit(t[k - 1]) {
            for u in unitsAndCurrency where n > u.count && u.count > best && PyText.hasSuffix(t, r, u) && isDigit(t[e - u.count - 1]) {
                best = u.count
            }
        }
        return best
    }

    static func hasInfix(_ t: Scalars, _ r: Range<Int>) -> Bool {
        var found = false
        forEachInfix(t, r) { _, _ in found = true }
        return found
    }

    /// The infix matches of `t[r]`, left to right, non-overlapping (`re.finditer`).
    static func forEachInfix(_ t: Scalars, _ r: Range<Int>, _ body: (Int, Int) -> Void) {
        var i = r.lowerBound
        let e = r.upperBound
        while i < e {
            let c = t[i]
            var m = 0
            let before: Unicode.Scalar? = i > r.lowerBound ? t[i - 1] : nil
            let after: Unicode.Scalar? = i + 1 < e ? t[i + 1] : nil
            if c == "." && after == "." {
                var j = i
                while j < e && t[j] == "." { j += 1 }
                m = j - i
            } else if c == "…" || isIcon(c) {
                m = 1
            } else if c == "+" || c == "-" || c == "*" || c == "^", let b = before, isDigit(b), let a = after, isDigit(a) || a == "-" {
                m = 1
            } else if c == ".", let b = before, isLower(b) || quotes.contains(b), let a = after, isUpper(a) || quotes.contains(a) {
                m = 1
            } else if c == ",", let b = before, PyText.isAlpha(b), let a = after, PyText.isAlpha(a) {
                m = 1
            } else if c == "-" || c == "–" || c == "—" || c == "~" || c == ":" || c == "<" || c == ">" || c == "=" || c == "/",
                      let b = before, PyText.isAlpha(b) || isDigit(b) {
                for h in hyphens where i + h.count < e && PyText.hasPrefix(t, i..<e, h) && PyText.isAlpha(t[i + h.count]) {
                    m = h.count
                    break
                }
                if m == 0 && ":<>=/".unicodeScalars.contains(c), let a = after, PyText.isAlpha(a) { m = 1 }
            }
            if m > 0 {
                body(i, i + m)
                i += m
            } else {
                i += 1
            }
        }
    }

    // MARK: URLs (spaCy's `url_match`)

    /// `[scheme://][userinfo@]host[:port][/?#…]`, the host a dotted name with a lower-case
    /// top-level label of 2–63 letters, or a public IPv4 address.
    static func isURL(_ t: Scalars, _ r: Range<Int>) -> Bool {
        guard r.count >= 4, t[r].contains(".") else { return false }  // a host has a dot and a 2-letter top level
        var starts = [r.lowerBound]
        if let p = PyText.firstIndex(of: Array("://".unicodeScalars), in: t, r), p - r.lowerBound >= 2,
           t[r.lowerBound..<p].allSatisfy({ isWordChar($0) || $0 == "+" || $0 == "-" || $0 == "." }) {
            starts.insert(p + 3, at: 0)
        }
        for s in starts {
            if hostAndRest(t, s..<r.upperBound) { return true }
            var k = s + 1
            while k < r.upperBound {
                if t[k] == "@" && hostAndRest(t, (k + 1)..<r.upperBound) { return true }
                k += 1
            }
        }
        return false
    }

    private static func isWordChar(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        if c.value < 0x80 { return isDigit(c) || PyText.isAlpha(c) }
        return PyText.isAlpha(c) || c.properties.numericType != nil || c.properties.generalCategory == .nonspacingMark
            || c.properties.generalCategory == .spacingMark || c.properties.generalCategory == .connectorPunctuation
    }

    private static func hostAndRest(_ t: Scalars, _ r: Range<Int>) -> Bool {
        var j = r.lowerBound
        while j < r.upperBound && !":/?#".unicodeScalars.contains(t[j]) { j += 1 }
        guard isHost(t, r.lowerBound..<j) || isIPv4(t, r.lowerBound..<j) else { return false }
        if j < r.upperBound && t[j] == ":" {
            var k = j + 1
            while k < r.upperBound && isDigit(t[k]) { k += 1 }
            guard (2...5).contains(k - j - 1) else { return false }
            j = k
        }
        return j == r.upperBound || "/?#".unicodeScalars.contains(t[j])
    }

    private static func isHostChar(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x80 ? (PyText.isAlpha(c) || isDigit(c)) : (c.value >= 0xA1 && c.value <= 0xFFFF)
    }

    private static func isTLDChar(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return isLower(c) }
        if c.value < 0xA1 { return false }
        if isLower(c) { return true }
        return PyText.isAlpha(c) && !isUpper(c) && c.value > 0x24F
    }

    private static func isHost(_ t: Scalars, _ r: Range<Int>) -> Bool {
        let labels = PyText.split(t, on: ".", in: r)
        guard labels.count >= 2, let tld = labels.last, (2...63).contains(tld.count), tld.allSatisfy({ isTLDChar(t[$0]) }) else { return false }
        for l in labels.dropLast() {
            guard (1...64).contains(l.count), isHostChar(t[l.lowerBound]), isHostChar(t[l.upperBound - 1]),
                  l.allSatisfy({ isHostChar(t[$0]) || t[$0] == "_" || t[$0] == "-" }) else { return false }
        }
        return true
    }

    private static func isIPv4(_ t: Scalars, _ r: Range<Int>) -> Bool {
        let parts = PyText.split(t, on: ".", in: r)
        guard parts.count == 4 else { return false }
        var v: [Int] = []
        for (k, p) in parts.enumerated() {
            guard (1...3).contains(p.count), p.allSatisfy({ isDigit(t[$0]) }) else { return false }
            let leadingZero = p.count > 1 && t[p.lowerBound] == "0"
            // The first and last parts never start with 0; the middle ones may ("05", "00").
            if leadingZero && (k == 0 || k == 3 || p.count == 3) { return false }
            v.append(Int(PyText.string(t, p))!)
        }
        guard (1...223).contains(v[0]), v[1] <= 255, v[2] <= 255, (1...254).contains(v[3]) else { return false }
        let privateRange = v[0] == 10 || v[0] == 127 || (v[0] == 169 && v[1] == 254) || (v[0] == 192 && v[1] == 168)
            || (v[0] == 172 && (16...31).contains(v[1]))
        return !privateRange
    }

    // MARK: sentence-final characters (spaCy's sentencizer defaults)

    static let sentenceFinal: Set<Unicode.Scalar> = Set("""
        !.?։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？𐩖𐩗𑁇𑁈𑂾𑂿𑃀𑃁𑅁𑅂𑅃𑇅𑇆𑇍𑇞𑇟𑈸𑈹𑈻𑈼𑊩𑑋𑑌𑗂𑗃𑗉𑗊𑗋𑗌𑗍𑗎𑗏𑗐𑗑𑗒𑗓𑗔𑗕𑗖𑗗𑙁𑙂𑜼𑜽𑜾𑩂𑩃𑪛𑪜𑱁𑱂𖩮𖩯𖫵𖬷𖬸𖭄𛲟𝪈｡。
        """.unicodeScalars)

    @inline(__always) static func isSentenceFinal(_ c: Unicode.Scalar) -> Bool { sentenceFinal.contains(c) }
}
