/// Tokens matched in the text before (or, for `normalized` ones, after) normalization, as in
/// Hugging Face's added vocabulary and tiktoken's allowed special tokens.
public struct AddedToken: Sendable, Equatable {
    public var id: UInt32
    public var content: String
    public var special: Bool
    public var singleWord: Bool
    public var lstrip: Bool
    public var rstrip: Bool
    public var normalized: Bool

    public init(id: UInt32, content: String, special: Bool = true, singleWord: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// Finds added tokens in text: leftmost match, longest on ties (Hugging Face uses an
/// Aho-Corasick automaton with leftmost-longest semantics).
struct AddedTokenMatcher: Sendable {
    let tokens: [AddedToken]
    private let contents: [[UInt8]]
    private let firstBytes: [Bool]

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens.filter { !$0.content.isEmpty }
        contents = self.tokens.map { Array($0.content.utf8) }
        var first = [Bool](repeating: false, count: 256)
        for c in contents { first[Int(c[0])] = true }
        firstBytes = first
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text` into segments: `.text(range)` and `.token(id, range)` (ranges include the
    /// white space taken by lstrip/rstrip).
    func split(_ text: UnsafeRawBufferPointer, _ body: (_ start: Int, _ end: Int, _ token: UInt32?) -> Void) {
        guard !tokens.isEmpty else { body(0, text.count, nil); return }
        var segmentStart = 0
        var i = 0
        let n = text.count
        while i < n {
            guard firstBytes[Int(text[i])] else { i += 1; continue }
            var best = -1
            for (k, c) in contents.enumerated() where c.count <= n - i && (best < 0 || c.count > contents[best].count) {
                var ok = true
                for j in 0..<c.count where text[i + j] != c[j] { ok = false; break }
                if ok && (!tokens[k].singleWord || isWordBoundary(text, i, i + c.count)) { best = k }
            }
            guard best >= 0 else { i += 1; continue }
            var start = i, end = i + contents[best].count
            if tokens[best].lstrip { while start > segmentStart && isSpace(text[start - 1]) { start -= 1 } }
            if tokens[best].rstrip { while end < n && isSpace(text[end]) { end += 1 } }
            if start > segmentStart { body(segmentStart, start, nil) }
            body(start, end, tokens[best].id)
            segmentStart = end
            i = end
        }
        if segmentStart < n { body(segmentStart, n, nil) }
    }

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private func isWordBoundary(_ t: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Bool {
        func word(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80 }
        return (s == 0 || !word(t[s - 1])) && (e == t.count || !word(t[e]))
    }
}
