import Foundation

/// Splits text into pre-tokens exactly like the reference regexes, without a regex engine.
///
/// Why this is fast: the text is decoded once into scalars and class bytes (`UnicodeClasses`),
/// then each pattern's alternatives are tried as hand-written loops over those arrays — no
/// backtracking engine, no allocation per piece. Each matcher below names the alternative it
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

        public var regex: String {
            switch self {
            case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
            case .cl100k: return #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#
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

        /// The pattern whose regex is `regex`.
        public init?(regex: String) {
            if let p = Pattern.allCases.first(where: { $0.regex == regex }) ?? Pattern.aliases[regex] { self = p } else { return nil }
        }
    }

    /// Reused decode buffers (one per thread).
    public final class Workspace {
        var scalars: [UInt32] = []
        var classes: [UInt8] = []
        var offsets: [Int] = []
        public init() {}
    }

    public let pattern: Pattern
    public init(_ pattern: Pattern) { self.pattern = pattern }

    /// Calls `body(start, end)` with the byte range of each piece of `text` (valid UTF-8), in order;
    /// the pieces cover the text.
    @inline(__always)
    public func split(_ text: UnsafeRawBufferPointer, workspace: Workspace, _ body: (Int, Int) -> Void) {
        Self.decode(text, workspace)
        let n = workspace.scalars.count
        workspace.scalars.withUnsafeBufferPointer { s in
            workspace.classes.withUnsafeBufferPointer { c in
                workspace.offsets.withUnsafeBufferPointer { off in
                    let m = Matcher(s: s, c: c, n: n)
                    var i = 0
                    while i < n {
                        let end: Int
                        switch pattern {
                        case .gpt2: end = m.gpt2(i)
                        case .cl100k: end = m.cl100k(i, keepTrailingSpace: true)
                        case .cl100kLegacy, .llama3: end = m.cl100k(i, keepTrailingSpace: false)
                        case .o200k: end = m.o200k(i)
                        }
                        body(off[i], off[end])
                        i = end
                    }
                }
            }
        }
    }

    /// Decodes valid UTF-8 into scalars, class bytes and byte offsets (n + 1 of them).
    static func decode(_ text: UnsafeRawBufferPointer, _ w: Workspace) {
        w.scalars.removeAll(keepingCapacity: true)
        w.classes.removeAll(keepingCapacity: true)
        w.offsets.removeAll(keepingCapacity: true)
        let n = text.count
        w.scalars.reserveCapacity(n)
        w.classes.reserveCapacity(n)
        w.offsets.reserveCapacity(n + 1)
        UnicodeClasses.table.withUnsafeBufferPointer { table in
            var i = 0
            while i < n {
                let b = text[i]
                var v: UInt32
                var len: Int
                if b < 0x80 { v = UInt32(b); len = 1 }
                else if b < 0xE0 { v = UInt32(b & 0x1F); len = 2 }
                else if b < 0xF0 { v = UInt32(b & 0x0F); len = 3 }
                else { v = UInt32(b & 0x07); len = 4 }
                if len > 1 {
                    if i + len > n { len = n - i }
                    for k in 1..<len { v = v << 6 | UInt32(text[i + k] & 0x3F) }
                }
                w.scalars.append(v)
                w.classes.append(v < 0x110000 ? table[Int(v)] : 0)
                w.offsets.append(i)
                i += len
            }
            w.offsets.append(n)
        }
    }
}

/// The alternatives of each pattern over decoded scalars; each returns the end of the piece that
/// starts at `i` (always > i).
struct Matcher {
    let s: UnsafeBufferPointer<UInt32>
    let c: UnsafeBufferPointer<UInt8>
    let n: Int

    @inline(__always) func isL(_ i: Int) -> Bool { i < n && c[i] & UnicodeClasses.letter != 0 }
    @inline(__always) func isN(_ i: Int) -> Bool { i < n && c[i] & UnicodeClasses.number != 0 }
    @inline(__always) func isWS(_ i: Int) -> Bool { i < n && c[i] & UnicodeClasses.space != 0 }
    @inline(__always) func isCRLF(_ i: Int) -> Bool { i < n && (s[i] == 0x0A || s[i] == 0x0D) }
    /// [^\s\p{L}\p{N}]
    @inline(__always) func isOther(_ i: Int) -> Bool {
        i < n && c[i] & (UnicodeClasses.letter | UnicodeClasses.number | UnicodeClasses.space) == 0
    }
    /// [^\r\n\p{L}\p{N}]
    @inline(__always) func isPrefix(_ i: Int) -> Bool {
        i < n && c[i] & (UnicodeClasses.letter | UnicodeClasses.number) == 0 && s[i] != 0x0A && s[i] != 0x0D
    }
    @inline(__always) func run(from i: Int, _ cls: UInt8) -> Int {
        var j = i
        while j < n && c[j] & cls != 0 { j += 1 }
        return j
    }
    @inline(__always) func runOther(from i: Int) -> Int {
        var j = i
        while isOther(j) { j += 1 }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, case-sensitive or (?i); returns the end or nil.
    @inline(__always) func contraction(_ i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < n, s[i] == 0x27 else { return nil }
        func lower(_ v: UInt32) -> UInt32 {
            guard caseInsensitive else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 32 }
            if v == 0x17F { return 0x73 }  // ſ folds to s
            return v
        }
        let a = lower(s[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return i + 2 }  // s t m d
        guard i + 2 < n else { return nil }
        let b = lower(s[i + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return i + 3 }  // re ve ll
        return nil
    }

    /// `\s+(?!\S)|\s+` at a white-space scalar.
    @inline(__always) func whitespace(_ i: Int) -> Int {
        let k = run(from: i, UnicodeClasses.space)
        if k == n { return k }
        return k - i >= 2 ? k - 1 : i + 1
    }

    /// `\s*[\r\n]` (and `\s*[\r\n]+`): up to the last CR/LF of the white-space run, or nil.
    @inline(__always) func spacesThroughNewline(_ i: Int) -> Int? {
        let k = run(from: i, UnicodeClasses.space)
        var m = k - 1
        while m >= i {
            if s[m] == 0x0A || s[m] == 0x0D { return m + 1 }
            m -= 1
        }
        return nil
    }

    func gpt2(_ i: Int) -> Int {
        if let e = contraction(i, caseInsensitive: false) { return e }
        let start = (s[i] == 0x20 && i + 1 < n) ? i + 1 : i
        if isL(start) { return run(from: start, UnicodeClasses.letter) }
        if isN(start) { return run(from: start, UnicodeClasses.number) }
        if isOther(start) { return runOther(from: start) }
        if isL(i) { return run(from: i, UnicodeClasses.letter) }
        if isN(i) { return run(from: i, UnicodeClasses.number) }
        if isOther(i) { return runOther(from: i) }
        return whitespace(i)
    }

    func cl100k(_ i: Int, keepTrailingSpace: Bool) -> Int {
        if let e = contraction(i, caseInsensitive: true) { return e }
        // [^\r\n\p{L}\p{N}]?+\p{L}+  (possessive: a taken prefix is never given back)
        if isPrefix(i) {
            if isL(i + 1) { return run(from: i + 1, UnicodeClasses.letter) }
        } else if isL(i) {
            return run(from: i, UnicodeClasses.letter)
        }
        if isN(i) { return min(run(from: i, UnicodeClasses.number), i + 3) }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*`
        let j = (s[i] == 0x20 && isOther(i + 1)) ? i + 1 : i
        if isOther(j) {
            var e = runOther(from: j)
            while isCRLF(e) { e += 1 }
            return e
        }
        // `\s++$`: a white-space run that reaches the end of the text stays whole.
        if keepTrailingSpace, isWS(i), run(from: i, UnicodeClasses.space) == n { return n }
        if let e = spacesThroughNewline(i) { return e }
        return whitespace(i)
    }

    func o200k(_ i: Int) -> Int {
        let up = UnicodeClasses.upperish, lo = UnicodeClasses.lowerish
        let starts = isPrefix(i) ? [i + 1, i] : [i]
        // [UP]*[LO]+ with the optional contraction.
        for j in starts {
            let p = run(from: j, up)
            var k = p
            while k >= j {
                if k < n && c[k] & lo != 0 {
                    let q = run(from: k, lo)
                    return contraction(q, caseInsensitive: true) ?? q
                }
                k -= 1
            }
        }
        // [UP]+[LO]* with the optional contraction.
        for j in starts {
            let p = run(from: j, up)
            if p > j {
                let q = run(from: p, lo)
                return contraction(q, caseInsensitive: true) ?? q
            }
        }
        if isN(i) { return min(run(from: i, UnicodeClasses.number), i + 3) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        let j = (s[i] == 0x20 && isOther(i + 1)) ? i + 1 : i
        if isOther(j) {
            var e = runOther(from: j)
            while e < n && (s[e] == 0x0A || s[e] == 0x0D || s[e] == 0x2F) { e += 1 }
            return e
        }
        if let e = spacesThroughNewline(i) { return e }
        return whitespace(i)
    }
}
