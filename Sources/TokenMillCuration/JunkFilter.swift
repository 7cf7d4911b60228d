import TokenMillCore

extension DropReason {
    /// Nothing visible: empty, white space or invisible characters only.
    public static let noVisibleText = DropReason("no_visible_text")
    /// Visible, but not one letter: punctuation, digits, symbols, emoji or markup only.
    public static let noLetters = DropReason("no_letters")
}

/// Drops degenerate documents: those with nothing visible, and those without a single letter
/// once HTML/XML tags (`<p>`) and character entities (`&nbsp;`, `&#160;`) are set aside.
public struct JunkFilter: Sendable, Equatable {
    public init() {}

    public func decide(_ text: UnsafeRawBufferPointer) -> DropReason? {
        var visible = false
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            if b < 0x80 {
                if (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A { return nil }  // an ASCII letter
                if b == UInt8(ascii: "<"), let end = Self.markupEnd(text, i, close: UInt8(ascii: ">"), limit: 256) { visible = true; i = end; continue }
                if b == UInt8(ascii: "&"), let end = Self.entityEnd(text, i) { visible = true; i = end; continue }
                if b > 0x20 && b != 0x7F { visible = true }
                i += 1
                continue
            }
            let (c, len) = UTF8Repair.scalar(text, at: i)
            if let s = Unicode.Scalar(c) {
                let p = s.properties
                if p.isAlphabetic && !p.isEmojiPresentation { return nil }
                if !p.isWhitespace && !p.isDefaultIgnorableCodePoint && p.generalCategory != .format && p.generalCategory != .control { visible = true }
            }
            i += len
        }
        return visible ? .noLetters : .noVisibleText
    }

    public func decide(_ s: String) -> DropReason? {
        var copy = s
        return copy.withUTF8 { decide(UnsafeRawBufferPointer($0)) }
    }

    /// The end of a tag `<…>` starting at `i` (no nested '<', at most `limit` bytes).
    static func markupEnd(_ t: UnsafeRawBufferPointer, _ i: Int, close: UInt8, limit: Int) -> Int? {
        var j = i + 1
        while j < t.count && j - i <= limit {
            if t[j] == close { return j + 1 }
            if t[j] == UInt8(ascii: "<") { return nil }
            j += 1
        }
        return nil
    }

    /// The end of a character entity `&name;`, `&#123;` or `&#x1F;` starting at `i`.
    static func entityEnd(_ t: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        var j = i + 1
        while j < t.count && j - i <= 12 {
            let b = t[j]
            if b == UInt8(ascii: ";") { return j > i + 1 ? j + 1 : nil }
            guard (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x30 && b <= 0x39 || b == UInt8(ascii: "#") else { return nil }
            j += 1
        }
        return nil
    }
}
