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
