import TokenMillCore

/// Document text normalization before filtering, hashing and tokenization (one pass, so that
/// dedup hashes and token ids see the same text):
///
/// 1. line breaks: CR LF and lone CR become LF;
/// 2. optional mojibake repair: a run of U+0080–U+00FF characters (and the Windows-1252 letters
///    that stand for bytes 0x80–0x9F) whose Windows-1252 bytes are valid multi-byte UTF-8 was UTF-8
///    read as Latin-1, and is decoded again ("cafÃ©" → "café");
/// 3. control characters removed (C0 but tab and LF, DEL, C1);
/// 4. NFKC (ICU);
/// 5. white space, never joining lines: runs of spaces and tabs inside a line become one space,
///    trailing ones are dropped, leading indentation is kept (unless `stripIndentation`), at most
///    `maxBlankLines` blank lines in a row, none at the start or end.
public struct TextNormalizer: Sendable, Equatable {
    public var nfkc = true
    public var removeControls = true
    public var repairMojibake = false
    public var cleanWhitespace = true
    public var stripIndentation = false
    public var maxBlankLines = 2

    public init(nfkc: Bool = true, removeControls: Bool = true, repairMojibake: Bool = false, cleanWhitespace: Bool = true,
                stripIndentation: Bool = false, maxBlankLines: Int = 2) {
        self.nfkc = nfkc
        self.removeControls = removeControls
        self.repairMojibake = repairMojibake
        self.cleanWhitespace = cleanWhitespace
        self.stripIndentation = stripIndentation
        self.maxBlankLines = maxBlankLines
    }

    /// Reusable buffers; one per thread.
    public final class Workspace {
        var a: [UInt8] = []
        var b: [UInt8] = []
        let unicode = UnicodeNormalizer.Workspace()
        public init() {}
    }

    /// The normalized form of `text` (valid UTF-8), appended to `out`.
    public func normalize(_ text: UnsafeRawBufferPointer, into out: inout [UInt8], workspace w: Workspace) {
        var cur = w.a, next = w.b
        w.a = []; w.b = []
        cur.removeAll(keepingCapacity: true)
        // Mojibake repair needs the C1 characters that Latin-1 decoding made of bytes 0x80–0x9F.
        Self.lineBreaksAndControls(text, removeControls: removeControls && !repairMojibake, into: &cur)
        func step(_ body: (UnsafeRawBufferPointer, inout [UInt8]) -> Void) {
            next.removeAll(keepingCapacity: true)
            cur.withUnsafeBytes { body($0, &next) }
            swap(&cur, &next)
        }
        if repairMojibake {
            step { Self.repairMojibake($0, into: &$1) }
            if removeControls { step { Self.lineBreaksAndControls($0, removeControls: true, into: &$1) } }
        }
        if nfkc { step { UnicodeNormalizer(.nfkc).normalize($0, into: &$1, workspace: w.unicode) } }
        if cleanWhitespace {
            cur.withUnsafeBytes { Self.cleanWhitespace($0, stripIndentation: stripIndentation, maxBlankLines: maxBlankLines, into: &out) }
        } else {
            out.append(contentsOf: cur)
        }
        w.a = cur; w.b = next
    }

    public func normalize(_ s: String) -> String {
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { normalize(UnsafeRawBufferPointer($0), into: &out, workspace: Workspace()) }
        return String(decoding: out, as: UTF8.self)
    }

    static func lineBreaksAndControls(_ t: UnsafeRawBufferPointer, removeControls: Bool, into out: inout [UInt8]) {
        var i = 0
        let n = t.count
        while i < n {
            let b = t[i]
            if b == 0x0D {
                out.append(0x0A)
                i += (i + 1 < n && t[i + 1] == 0x0A) ? 2 : 1
            } else if removeControls && (b < 0x20 && b != 0x09 && b != 0x0A || b == 0x7F) {
                i += 1
            } else if removeControls && b == 0xC2 && i + 1 < n && t[i + 1] >= 0x80 && t[i + 1] <= 0x9F {
                i += 2  // C1 controls U+0080–U+009F
            } else {
                out.append(b)
                i += 1
            }
        }
    }

    /// Windows-1252's characters for bytes 0x80–0x9F (0 where the byte is undefined).
    static let cp1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
    static let cp1252Byte: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        for (i, c) in cp1252High.enumerated() where c != 0 { m[c] = UInt8(0x80 + i) }
        return m
    }()

    /// The Windows-1252 (or Latin-1) byte a character stands for, if it stands for one ≥ 0x80.
    @inline(__always) static func mojibakeByte(_ c: UInt32) -> UInt8? {
        if c >= 0x80 && c <= 0xFF { return UInt8(c) }
        return c >= 0x152 ? cp1252Byte[c] : nil
    }

    static func repairMojibake(_ t: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var i = 0
        let n = t.count
        var run: [UInt8] = []
        var runStart = 0
        func flush(_ end: Int) {
            defer { run.removeAll(keepingCapacity: true) }
            guard !run.isEmpty else { return }
            let fixed = run.withUnsafeBytes { UTF8Repair.isValid($0) }
            if fixed { out.append(contentsOf: run) } else { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[runStart..<end])) }
        }
        while i < n {
            let (c, len) = UTF8Repair.scalar(t, at: i)
            if let byte = mojibakeByte(c) {
                if run.isEmpty { runStart = i }
                run.append(byte)
            } else {
                flush(i)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[i..<(i + len)]))
            }
            i += len
        }
        flush(n)
    }

    static func cleanWhitespace(_ t: UnsafeRawBufferPointer, stripIndentation: Bool, maxBlankLines: Int, into out: inout [UInt8]) {
        var pendingBlank = 0
        var wroteLine = false
        var lineStart = 0
        let n = t.count
        while lineStart <= n {
            var lineEnd = lineStart
            while lineEnd < n && t[lineEnd] != 0x0A { lineEnd += 1 }
            // The line without trailing spaces/tabs, its indentation, its content.
            var contentEnd = lineEnd
            while contentEnd > lineStart && (t[contentEnd - 1] == 0x20 || t[contentEnd - 1] == 0x09) { contentEnd -= 1 }
            var contentStart = lineStart
            while contentStart < contentEnd && (t[contentStart] == 0x20 || t[contentStart] == 0x09) { contentStart += 1 }
            if contentStart == contentEnd {
                if wroteLine { pendingBlank += 1 }
            } else {
                if wroteLine {
                    out.append(0x0A)
                    for _ in 0..<min(pendingBlank, maxBlankLines) { out.append(0x0A) }
                }
                pendingBlank = 0
                if !stripIndentation { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[lineStart..<contentStart])) }
                var k = contentStart
                while k < contentEnd {
                    let b = t[k]
                    if b == 0x20 || b == 0x09 {
                        while k < contentEnd && (t[k] == 0x20 || t[k] == 0x09) { k += 1 }
                        out.append(0x20)
                    } else {
                        out.append(b)
                        k += 1
                    }
                }
                wroteLine = true
            }
            lineStart = lineEnd + 1
        }
    }
}
