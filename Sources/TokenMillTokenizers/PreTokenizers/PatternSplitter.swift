import Foundation

/// Splits text into pre-tokens exactly like the reference regexes, without a regex engine.
///
/// Why this is fast: each pattern's alternatives are hand-written loops over the UTF-8 bytes,
/// classifying scalars with one table load (`UnicodeClasses`) — no regex engine, no decoding
/// pass, no allocation per piece. Each matcher below names the alternative it
/// implements and reproduces its backtracking where it matters (possessive and greedy runs,
/// `\s+(?!\S)`, `\s*[\r\n]`). Patterns (tiktoken's `openai_public.py`, Meta's Llama 3):
///
/// * gpt2:   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// * cl100k (tiktoken ≥ 0.8): `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
///   — `\s++$` keeps a trailing white-space run whole, even across newlines.
/// * cl100kLegacy (the original form, also in many tokenizer.json files):
///   `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`
/// * llama3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
///   — the same splits as cl100kLegacy (the differences cannot change a match).
/// * o200k:  `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
///   `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
///   `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
///
/// `(?i:s)` also matches U+017F LATIN SMALL LETTER LONG S, as in the reference engines' case folding.
public struct PatternSplitter: Sendable {
    public enum Pattern: String, Sendable, CaseIterable {
        case gpt2, cl100k, cl100kLegacy, llama3, o200k
        /// tiktoken's cl100k regex as Hugging Face's Oniguruma engine reads it: there `{1,3}+`
        /// is a repeated group, not a possessive one, so digit runs are not cut in threes.
        case cl100kOniguruma

        public var regex: String {
            switch self {
            case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
            case .cl100k: return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
            case .cl100kOniguruma: return Pattern.cl100k.regex
            case .cl100kLegacy: return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#
            case .llama3: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
            case .o200k:
                return [
                    #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
                    #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#,
                    #"\p{N}{1,3}"#, #" ?[^\s\p{L}\p{N}]+[\r\n/]*"#, #"\s*[\r\n]+"#, #"\s+(?!\S)"#, #"\s+"#,
                ].joined(separator: "|")
            }
        }

        /// Other spellings of the same splits: tiktoken's r50k form of gpt2, and gpt2 with `[\p{L}]`.
        static let aliases: [String: Pattern] = [
            #"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"#: .gpt2,
            #"'s|'t|'re|'ve|'m|'ll|'d| ?[\p{L}]+| ?[\p{N}]+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#: .gpt2,
        ]

        /// How a Hugging Face `tokenizer.json` spells this pattern so that Oniguruma splits like we
        /// do (for cl100k: `\p{N}{1,3}` without the trailing `+`).
        public var huggingFaceRegex: String {
            switch self {
            case .cl100k: return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
            default: return regex
            }
        }

        /// The pattern of a tiktoken regex.
        public init?(regex: String) {
            if let p = Pattern.allCases.first(where: { $0.regex == regex && $0 != .cl100kOniguruma }) ?? Pattern.aliases[regex] { self = p } else { return nil }
        }

        /// The pattern a Hugging Face Split pre-tokenizer with this regex splits by (Oniguruma semantics).
        public init?(huggingFaceRegex regex: String) {
            if regex == Pattern.cl100k.regex { self = .cl100kOniguruma; return }
            if let p = Pattern.allCases.first(where: { $0.huggingFaceRegex == regex && $0 != .cl100kOniguruma }) { self = p; return }
            guard let p = Pattern(regex: regex) else { return nil }
            self = p
        }
    }

    public let pattern: Pattern
    public init(_ pattern: Pattern) { self.pattern = pattern }

    /// Calls `body(start, end)` with the byte range of each piece of `text` (valid UTF-8), in order;
    /// the pieces cover the text.
    @inline(__always)
    public func split(_ text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        UnicodeClasses.table.withUnsafeBufferPointer { table in
            let m = Matcher(t: base.assumingMemoryBound(to: UInt8.self), n: text.count, table: table.baseAddress!)
            var i = 0
            while i < m.n {
                let end: Int
                switch pattern {
                case .gpt2: end = m.gpt2(i)
                case .cl100k: end = m.cl100k(i, keepTrailingSpace: true, digitLimit: 3)
                case .cl100kOniguruma: end = m.cl100k(i, keepTrailingSpace: true, digitLimit: Int.max)
                case .cl100kLegacy, .llama3: end = m.cl100k(i, keepTrailingSpace: false, digitLimit: 3)
                case .o200k: end = m.o200k(i)
                }
                body(i, end)
                i = end
            }
        }
    }
}

/// The alternatives of each pattern, matched directly on UTF-8 bytes: ASCII is classified by one
/// table load, other scalars are decoded where they are met. Each function returns the byte end
/// of the piece that starts at byte `i` (always > i). Backtracking steps (`\s+(?!\S)`, the o200k
/// letter runs) are resolved by remembering, while scanning forward, where the last scalar of
/// interest started.
struct Matcher {
    /// Typed pointers: their subscripts always inline (a raw buffer's may not, in large functions).
    let t: UnsafePointer<UInt8>
    let n: Int
    let table: UnsafePointer<UInt8>

    /// Class bits and byte length of the scalar at `i` (< n).
    @inline(__always) func at(_ i: Int) -> (c: UInt8, len: Int) {
        let b = t[i]
        if b < 0x80 { return (table[Int(b)], 1) }
        var v: UInt32
        var len: Int
        if b < 0xE0 { v = UInt32(b & 0x1F); len = 2 } else if b < 0xF0 { v = UInt32(b & 0x0F); len = 3 } else { v = UInt32(b & 0x07); len = 4 }
        if i + len > n { len = n - i }
        var k = 1
        while k < len { v = v << 6 | UInt32(t[i + k] & 0x3F); k += 1 }
        return (v < 0x110000 ? table[Int(v)] : 0, len)
    }

    @inline(__always) func has(_ i: Int, _ cls: UInt8) -> Bool { i < n && at(i).c & cls != 0 }
    @inline(__always) func isL(_ i: Int) -> Bool { has(i, UnicodeClasses.letter) }
    @inline(__always) func isN(_ i: Int) -> Bool { has(i, UnicodeClasses.number) }
    @inline(__always) func isWS(_ i: Int) -> Bool { has(i, UnicodeClasses.space) }
    @inline(__always) func isCRLF(_ i: Int) -> Bool { i < n && (t[i] == 0x0A || t[i] == 0x0D) }
    /// [^\s\p{L}\p{N}]
    @inline(__always) func isOther(_ i: Int) -> Bool {
        i < n && at(i).c & (UnicodeClasses.letter | UnicodeClasses.number | UnicodeClasses.space) == 0
    }
    /// [^\r\n\p{L}\p{N}]
    @inline(__always) func isPrefix(_ i: Int) -> Bool {
        i < n && t[i] != 0x0A && t[i] != 0x0D && at(i).c & (UnicodeClasses.letter | UnicodeClasses.number) == 0
    }
    @inline(__always) func len(_ i: Int) -> Int { at(i).len }

    @inline(__always) func run(from i: Int, _ cls: UInt8) -> Int {
        var j = i
        while j < n {
            let (c, l) = at(j)
            if c & cls == 0 { break }
            j += l
        }
        return j
    }

    @inline(__always) func runOther(from i: Int) -> Int {
        var j = i
        while j < n {
            let (c, l) = at(j)
            if c & (UnicodeClasses.letter | UnicodeClasses.number | UnicodeClasses.space) != 0 { break }
            j += l
        }
        return j
    }

    /// At most `limit` scalars of \p{N}.
    @inline(__always) func digits(_ i: Int, limit: Int = 3) -> Int {
        var j = i, k = 0
        while k < limit && j < n {
            let (c, l) = at(j)
            if c & UnicodeClasses.number == 0 { break }
            j += l
            k += 1
        }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, case-sensitive or (?i) (where `ſ` folds to `s`); the end or nil.
    @inline(__always) func contraction(_ i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < n, t[i] == 0x27 else { return nil }
        @inline(__always) func lower(_ b: UInt8) -> UInt8 { caseInsensitive && b >= 0x41 && b <= 0x5A ? b + 32 : b }
        let a = lower(t[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return i + 2 }  // s t m d
        if caseInsensitive, a == 0xC5, i + 2 < n, t[i + 2] == 0xBF { return i + 3 }  // ſ (U+017F)
        guard i + 2 < n else { return nil }
        let b = lower(t[i + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return i + 3 }  // re ve ll
        return nil
    }

    /// `\s+(?!\S)|\s+` at a white-space scalar: the run, less its last scalar when a
    /// non-space follows and the run has two or more.
    @inline(__always) func whitespace(_ i: Int) -> Int {
        var j = i, lastStart = i, count = 0
        while j < n {
            let (c, l) = at(j)
            if c & UnicodeClasses.space == 0 { break }
            lastStart = j
            j += l
            count += 1
        }
        if j == n { return j }
        return count >= 2 ? lastStart : i + len(i)
    }

    /// `\s*[\r\n]` (and `\s*[\r\n]+`): through the last CR/LF of the white-space run, or nil.
    @inline(__always) func spacesThroughNewline(_ i: Int) -> Int? {
        var j = i, last = -1
        while j < n {
            let (c, l) = at(j)
            if c & UnicodeClasses.space == 0 { break }
            if t[j] == 0x0A || t[j] == 0x0D { last = j }
            j += l
        }
        return last >= 0 ? last + 1 : nil
    }

    func gpt2(_ i: Int) -> Int {
        if let e = contraction(i, caseInsensitive: false) { return e }
        let start = (t[i] == 0x20 && i + 1 < n) ? i + 1 : i
        if isL(start) { return run(from: start, UnicodeClasses.letter) }
        if isN(start) { return run(from: start, UnicodeClasses.number) }
        if isOther(start) { return runOther(from: start) }
        if isL(i) { return run(from: i, UnicodeClasses.letter) }
        if isN(i) { return run(from: i, UnicodeClasses.number) }
        if isOther(i) { return runOther(from: i) }
        return whitespace(i)
    }

    func cl100k(_ i: Int, keepTrailingSpace: Bool, digitLimit: Int) -> Int {
        if let e = contraction(i, caseInsensitive: true) { return e }
        let (c0, l0) = at(i)
        // [^\r\n\p{L}\p{N}]?+\p{L}+  (possessive: a taken prefix is never given back)
        if c0 & (UnicodeClasses.letter | UnicodeClasses.number) == 0 && t[i] != 0x0A && t[i] != 0x0D {
            if isL(i + l0) { return run(from: i + l0, UnicodeClasses.letter) }
        } else if c0 & UnicodeClasses.letter != 0 {
            return run(from: i, UnicodeClasses.letter)
        }
        if c0 & UnicodeClasses.number != 0 { return digits(i, limit: digitLimit) }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*`
        let j = (t[i] == 0x20 && isOther(i + 1)) ? i + 1 : i
        if isOther(j) {
            var e = runOther(from: j)
            while isCRLF(e) { e += 1 }
            return e
        }
        // `\s++$`: a white-space run that reaches the end of the text stays whole.
        if keepTrailingSpace, c0 & UnicodeClasses.space != 0, run(from: i, UnicodeClasses.space) == n { return n }
        if let e = spacesThroughNewline(i) { return e }
        return whitespace(i)
    }

    func o200k(_ i: Int) -> Int {
        let up = UnicodeClasses.upperish, lo = UnicodeClasses.lowerish
        let first = isPrefix(i) ? i + len(i) : -1
        // [UP]*[LO]+ with the optional contraction: the longest UP run, backed off to the last
        // scalar from which an LO run can start.
        for j in [first, i] where j >= 0 {
            var p = j, lastLO = -1
            while p < n {
                let (c, l) = at(p)
                if c & up == 0 { break }
                if c & lo != 0 { lastLO = p }
                p += l
            }
            let k = has(p, lo) ? p : lastLO
            if k >= 0 {
                let q = run(from: k, lo)
                return contraction(q, caseInsensitive: true) ?? q
            }
        }
        // [UP]+[LO]* with the optional contraction.
        for j in [first, i] where j >= 0 {
            let p = run(from: j, up)
            if p > j {
                let q = run(from: p, lo)
                return contraction(q, caseInsensitive: true) ?? q
            }
        }
        if isN(i) { return digits(i) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        let j = (t[i] == 0x20 && isOther(i + 1)) ? i + 1 : i
        if isOther(j) {
            var e = runOther(from: j)
            while e < n && (t[e] == 0x0A || t[e] == 0x0D || t[e] == 0x2F) { e += 1 }
            return e
        }
        if let e = spacesThroughNewline(i) { return e }
        return whitespace(i)
    }
}
