import TokenMillCore

extension DropReason {
    /// Too little text left once repeated lines or paragraphs were removed.
    public static let tooShortAfterSpanDedup = DropReason("too_short_after_span_dedup")
}

/// Removes lines or paragraphs that repeat across the corpus (navigation, cookie banners,
/// licence footers: dolma's and CCNet's paragraph dedup, datatrove's line-level dedup). Two
/// passes: `count` every document, then `apply` to each. A span (a line, or a paragraph between
/// blank lines; compared with its surrounding white space trimmed; blank ones never count) seen
/// more than `maxOccurrences` times in the corpus is removed from every document, or, with
/// `keepFirst`, from every document but the first that has it. A document left with fewer than
/// `minChars` non-space characters is dropped. Keys are 128-bit stable hashes.
public final class SpanDeduplicator {
    public enum Unit: String, Sendable { case line, paragraph }

    public let unit: Unit
    public let maxOccurrences: Int
    public let keepFirst: Bool
    public let minChars: Int
    private var counts: [ExactDeduplicator.Key: UInt32] = [:]
    private var seen = Set<ExactDeduplicator.Key>()
    public private(set) var removedSpans = 0

    public init(unit: Unit = .line, maxOccurrences: Int = 1, keepFirst: Bool = false, minChars: Int = 50) {
        self.unit = unit
        self.maxOccurrences = max(1, maxOccurrences)
        self.keepFirst = keepFirst
        self.minChars = minChars
    }

    /// The spans of `text`: (range of the span, range of the span with the separator that goes
    /// with it when it is removed).
    func spans(_ t: [UInt8]) -> [(span: Range<Int>, removal: Range<Int>)] {
        var out: [(Range<Int>, Range<Int>)] = []
        var i = 0
        let n = t.count
        switch unit {
        case .line:
            while i <= n {
                var j = i
                while j < n && t[j] != 0x0A { j += 1 }
                out.append((i..<j, i..<min(n, j + 1)))
                i = j + 1
            }
        case .paragraph:
            // Paragraphs end at a run of 2+ line breaks (with only spaces or tabs between them).
            var start = 0
            while i < n {
                if t[i] == 0x0A {
                    var j = i + 1, breaks = 1
                    while j < n && (t[j] == 0x0A || t[j] == 0x20 || t[j] == 0x09) { if t[j] == 0x0A { breaks += 1 }; j += 1 }
                    if breaks >= 2 {
                        out.append((start..<i, start..<j))
                        start = j
                        i = j
                        continue
                    }
                }
                i += 1
            }
            out.append((start..<n, start..<n))
        }
        return out
    }

    func key(_ t: [UInt8], _ r: Range<Int>) -> ExactDeduplicator.Key? {
        var a = r.lowerBound, b = r.upperBound
        while a < b && (t[a] == 0x20 || t[a] == 0x09 || t[a] == 0x0A || t[a] == 0x0D) { a += 1 }
        while b > a && (t[b - 1] == 0x20 || t[b - 1] == 0x09 || t[b - 1] == 0x0A || t[b - 1] == 0x0D) { b -= 1 }
        guard a < b else { return nil }
        return t.withUnsafeBytes { ExactDeduplicator.key(UnsafeRawBufferPointer(rebasing: $0[a..<b])) }
    }

    /// Pass 1.
    public func count(_ text: String) {
        let t = Array(text.utf8)
        for s in spans(t) {
            if let k = key(t, s.span) {
                let c = counts[k, default: 0]
                if c <= UInt32(maxOccurrences) { counts[k] = c + 1 }
            }
        }
    }

    /// Pass 2, in input order: the text without its repeated spans, and a drop reason when too
    /// little is left.
    public func apply(_ text: String) -> (text: String, removed: Int, drop: DropReason?) {
        let t = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var removed = 0
        for s in spans(t) {
            if let k = key(t, s.span), counts[k, default: 0] > UInt32(maxOccurrences), !(keepFirst && seen.insert(k).inserted) {
                removed += 1
                continue
            }
            out.append(contentsOf: t[s.removal])
        }
        guard removed > 0 else { return (text, 0, nil) }
        removedSpans += removed
        // A removed last span leaves the separator of the one before it: drop trailing breaks.
        while let last = out.last, last == 0x0A || last == 0x20 || last == 0x09 { out.removeLast() }
        let visible = out.reduce(0) { $0 + ($1 > 0x20 && ($1 & 0xC0) != 0x80 ? 1 : 0) }
        return (String(decoding: out, as: UTF8.self), removed, visible < minChars ? .tooShortAfterSpanDedup : nil)
    }
}
