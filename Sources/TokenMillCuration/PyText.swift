/// Python's string semantics over Unicode scalars, which the quality rule sets are defined in
/// (datatrove is Python): `str.isspace`, `str.isalpha`, `str.splitlines`, `strip`, `split`,
/// `lower`, and lengths in code points.
public enum PyText {
    public typealias Scalars = [Unicode.Scalar]

    /// `str.isspace` for one character: bidirectional class WS, B or S, or category Zs.
    @inline(__always)
    public static func isSpace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x1F) }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `str.isalpha` for one character: a letter (Lu, Ll, Lt, Lm, Lo).
    @inline(__always)
    public static func isAlpha(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// A line boundary of `str.splitlines` (CR LF counts as one).
    @inline(__always)
    public static func isLineBoundary(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `str.splitlines()`: the line ranges, without their line breaks.
    public static func splitLines(_ t: Scalars, in range: Range<Int>? = nil) -> [Range<Int>] {
        let r = range ?? 0..<t.count
        var out: [Range<Int>] = []
        var start = r.lowerBound, i = r.lowerBound
        while i < r.upperBound {
            if isLineBoundary(t[i]) {
                out.append(start..<i)
                if t[i] == "\r" && i + 1 < r.upperBound && t[i + 1] == "\n" { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < r.upperBound { out.append(start..<r.upperBound) }
        return out
    }

    /// `str.split(sep)` for one separator character: every piece, empty ones included.
    public static func split(_ t: Scalars, on sep: Unicode.Scalar, in range: Range<Int>? = nil) -> [Range<Int>] {
        let r = range ?? 0..<t.count
        var out: [Range<Int>] = []
        var start = r.lowerBound
        for i in r where t[i] == sep {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<r.upperBound)
        return out
    }

    /// `re.split(sep + "{k,}")`: pieces between runs of at least `k` copies of `sep`.
    public static func split(_ t: Scalars, onRunsOf sep: Unicode.Scalar, atLeast k: Int, in range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound, i = range.lowerBound
        while i < range.upperBound {
            if t[i] == sep {
                var j = i
                while j < range.upperBound && t[j] == sep { j += 1 }
                if j - i >= k {
                    out.append(start..<i)
                    start = j
                }
                i = j
            } else {
                i += 1
            }
        }
        out.append(start..<range.upperBound)
        return out
    }

    /// `str.split()`: runs of non-space characters.
    public static func words(_ t: Scalars, in range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound && isSpace(t[i]) { i += 1 }
            let s = i
            while i < range.upperBound && !isSpace(t[i]) { i += 1 }
            if i > s { out.append(s..<i) }
        }
        return out
    }

    /// `str.strip()` / `lstrip()` / `rstrip()` of a range.
    public static func strip(_ t: Scalars, _ r: Range<Int>, leading: Bool = true, trailing: Bool = true) -> Range<Int> {
        var a = r.lowerBound, b = r.upperBound
        if leading { while a < b && isSpace(t[a]) { a += 1 } }
        if trailing { while b > a && isSpace(t[b - 1]) { b -= 1 } }
        return a..<b
    }

    /// `str.lower()` (the full lower-case mappings).
    public static func lower(_ t: Scalars, _ r: Range<Int>) -> Scalars {
        var out: Scalars = []
        out.reserveCapacity(r.count)
        for i in r {
            let s = t[i]
            if s.value < 0x80 {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value | 0x20)! : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `needle in haystack[r]`.
    public static func contains(_ t: Scalars, _ r: Range<Int>, _ needle: Scalars) -> Bool {
        firstIndex(of: needle, in: t, r) != nil
    }

    public static func firstIndex(of needle: Scalars, in t: Scalars, _ r: Range<Int>, from: Int? = nil) -> Int? {
        let n = needle.count
        guard n > 0 else { return from ?? r.lowerBound }
        var i = from ?? r.lowerBound
        while i + n <= r.upperBound {
            if t[i] == needle[0] {
                var k = 1
                while k < n && t[i + k] == needle[k] { k += 1 }
                if k == n { return i }
            }
            i += 1
        }
        return nil
    }

    /// `str.count(needle)`: non-overlapping occurrences.
    public static func count(_ t: Scalars, _ r: Range<Int>, _ needle: Scalars) -> Int {
        var c = 0
        var i = r.lowerBound
        while let j = firstIndex(of: needle, in: t, r, from: i) { c += 1; i = j + needle.count }
        return c
    }

    public static func hasSuffix(_ t: Scalars, _ r: Range<Int>, _ suffix: Scalars) -> Bool {
        guard r.count >= suffix.count else { return false }
        return t[(r.upperBound - suffix.count)..<r.upperBound].elementsEqual(suffix)
    }

    public static func hasPrefix(_ t: Scalars, _ r: Range<Int>, _ prefix: Scalars) -> Bool {
        guard r.count >= prefix.count else { return false }
        return t[r.lowerBound..<(r.lowerBound + prefix.count)].elementsEqual(prefix)
    }

    public static func scalars(_ s: String) -> Scalars { Array(s.unicodeScalars) }

    public static func string(_ t: Scalars, _ r: Range<Int>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: t[r])
        return String(s)
    }
}
