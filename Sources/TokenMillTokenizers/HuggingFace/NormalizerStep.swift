import TokenMillCore

/// How text is normalized before pre-tokenization (Hugging Face normalizers).
public enum NormalizerStep: Sendable, Equatable {
    case unicode(UnicodeNormalizer.Form)
    case lowercase
    case prepend(String)
    case replace(String, String)
    /// `Replace` with a regex: only the patterns sentencepiece conversions use (`KnownRegex`).
    case replaceRegex(KnownRegex, String)
    /// `Strip`: Unicode white space (Rust's `char::is_whitespace`) off either end.
    case strip(left: Bool, right: Bool)
    /// `Nmt`: removes C0/C1 control characters, maps some spaces and separators to ' '.
    case nmt
    /// `Precompiled`: a sentencepiece charsmap applied by grapheme cluster, as HF does.
    case precompiled(PrecompiledCharsmap)

    /// The regex patterns a `Replace` normalizer may use, matched by their exact source text.
    public enum KnownRegex: String, Sendable, CaseIterable {
        /// Runs of two or more spaces.
        case spaceRuns = " {2,}"
        /// One space at the start or at the end of the text.
        case edgeSpace = "\\A | \\z"
    }

    /// Appends the normalized `text` to `out`.
    func apply(_ text: UnsafeRawBufferPointer, into out: inout [UInt8], workspace: UnicodeNormalizer.Workspace) {
        switch self {
        case .unicode(let form): UnicodeNormalizer(form).normalize(text, into: &out, workspace: workspace)
        case .lowercase: UnicodeNormalizer.lowercase(text, into: &out, workspace: workspace)
        case .prepend(let p): if !text.isEmpty { out.append(contentsOf: p.utf8) }; out.append(contentsOf: text)
        case .replace(let a, let b): ByteReplace.replace(text, Array(a.utf8), Array(b.utf8), into: &out)
        case .replaceRegex(.spaceRuns, let content):
            var i = 0
            while i < text.count {
                if text[i] == 0x20 && i + 1 < text.count && text[i + 1] == 0x20 {
                    while i < text.count && text[i] == 0x20 { i += 1 }
                    out.append(contentsOf: content.utf8)
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
        case .replaceRegex(.edgeSpace, let content):
            guard !text.isEmpty else { return }
            var a = 0, b = text.count
            if text[0] == 0x20 { out.append(contentsOf: content.utf8); a = 1 }
            let trailing = b > a && text[b - 1] == 0x20
            if trailing { b -= 1 }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[a..<b]))
            if trailing { out.append(contentsOf: content.utf8) }
        case .strip(let left, let right):
            var a = 0, b = text.count
            if left { while a < b, let w = Self.whitespaceWidth(text, at: a) { a += w } }
            if right {
                while b > a {
                    var s = b - 1
                    while s > a && text[s] & 0xC0 == 0x80 { s -= 1 }
                    guard let w = Self.whitespaceWidth(text, at: s), s + w == b else { break }
                    b = s
                }
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[a..<b]))
        case .nmt:
            var i = 0
            while i < text.count {
                let (cp, len) = UTF8Repair.scalar(text, at: i)
                switch cp {
                case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: break
                case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD: out.append(0x20)
                default: out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[i..<(i + len)]))
                }
                i += len
            }
        case .precompiled(let map):
            map.normalizeByGraphemes(text, into: &out)
        }
    }

    /// Whether the step deletes the first character of `text` (then Hugging Face aligns the
    /// normalized text's start to a later original offset, which `Metaspace`'s `first` sees).
    func removesFirstCharacter(of text: UnsafeRawBufferPointer) -> Bool {
        guard !text.isEmpty else { return false }
        switch self {
        case .unicode, .lowercase, .prepend, .replaceRegex(.spaceRuns, _): return false
        case .replace(let a, let b): return b.isEmpty && !a.isEmpty && text.starts(with: a.utf8)
        case .replaceRegex(.edgeSpace, let b): return b.isEmpty && text[0] == 0x20
        case .strip(let left, _): return left && Self.whitespaceWidth(text, at: 0) != nil
        case .nmt, .precompiled:
            let b = text[0]
            let len = min(UTF8Repair.sequenceLength(lead: b), text.count)
            var out: [UInt8] = []
            if case .precompiled(let map) = self {
                // The first grapheme cluster, normalized alone.
                let head = UnsafeRawBufferPointer(rebasing: text[0..<min(text.count, 64)])
                let first = min(String(decoding: head, as: UTF8.self).first.map { $0.utf8.count } ?? len, head.count)
                map.normalizeByGraphemes(UnsafeRawBufferPointer(rebasing: text[0..<first]), into: &out)
            } else {
                Self.nmt.apply(UnsafeRawBufferPointer(rebasing: text[0..<len]), into: &out, workspace: UnicodeNormalizer.Workspace())
            }
            return out.isEmpty
        }
    }

    /// The UTF-8 width of the white-space character at `i` (Unicode White_Space), or nil.
    static func whitespaceWidth(_ t: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let b = t[i]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) ? 1 : nil }
        if b == 0xC2, i + 1 < t.count, t[i + 1] == 0x85 || t[i + 1] == 0xA0 { return 2 }
        guard b == 0xE1 || b == 0xE2 || b == 0xE3, i + 2 < t.count else { return nil }
        let cp = (UInt32(b) & 0x0F) << 12 | UInt32(t[i + 1] & 0x3F) << 6 | UInt32(t[i + 2] & 0x3F)
        switch cp {
        case 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return 3
        default: return nil
        }
    }
}
