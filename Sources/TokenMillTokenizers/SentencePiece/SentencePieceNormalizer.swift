#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// SentencePiece's normalizer: the precompiled charsmap (a Darts double-array trie of rules,
/// longest match wins, unmatched characters pass through), then its white-space rules —
/// `remove_extra_whitespaces` (drop leading, trailing and repeated spaces), `add_dummy_prefix`
/// (a space before the text, or after it with `treat_whitespace_as_suffix`) and
/// `escape_whitespaces` (' ' → '▁'). Only U+0020 counts as a space here, as in sentencepiece.
struct SentencePieceNormalizer: Sendable {
    let charsmap: PrecompiledCharsmap
    let spec: SentencePieceModel.Normalizer
    let treatWhitespaceAsSuffix: Bool
    /// Pieces passed through unnormalized (USER_DEFINED), longest first.
    let userDefined: [[UInt8]]
    static let spaceSymbol: [UInt8] = [0xE2, 0x96, 0x81]
    /// ASCII bytes that need no rule lookup when the next byte is ASCII too (or the text ends):
    /// no rule is that byte alone, and none starts with it followed by an ASCII byte.
    let plainASCII: [Bool]

    init(spec: SentencePieceModel.Normalizer, treatWhitespaceAsSuffix: Bool, userDefined: [String], path: String) throws {
        self.spec = spec
        self.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix
        self.userDefined = userDefined.map { Array($0.utf8) }.sorted { $0.count > $1.count }
        let map = try PrecompiledCharsmap(spec.precompiledCharsmap, what: "\(path): normalizer_spec.precompiled_charsmap")
        charsmap = map
        let u = map.units
        if u.isEmpty {
            plainASCII = [Bool](repeating: true, count: 128)
            return
        }
        var plain = [Bool](repeating: true, count: 128)
        let offset = PrecompiledCharsmap.offset
        let root = offset(u[0])
        for b in 1..<128 {
            let node = root ^ b
            guard node < u.count, Int(u[node] & ((1 << 31) | 0xFF)) == b else { continue }
            if (u[node] >> 8) & 1 == 1 { plain[b] = false; continue }
            let base = node ^ offset(u[node])
            for c in 0..<128 where (base ^ c) < u.count && Int(u[base ^ c] & ((1 << 31) | 0xFF)) == c { plain[b] = false }
        }
        plain[0] = false
        plainASCII = plain
    }

    /// The normalized form of the text's first character or rule match, without allocating:
    /// `fromRule` says whether `range` indexes `replacements` (else the input).
    @inline(__always)
    func prefix(_ s: UnsafeRawBufferPointer) -> (fromRule: Bool, range: Range<Int>, consumed: Int) {
        for u in userDefined where u.count <= s.count && (0..<u.count).allSatisfy({ s[$0] == u[$0] }) { return (false, 0..<u.count, u.count) }
        if let rule = charsmap.longestRule(s) { return (true, charsmap.replacement(at: rule.value), rule.length) }
        let b = s[0]
        let len = UTF8Repair.sequenceLength(lead: b)
        if len > s.count || (len > 1 && !UTF8Repair.isValid(UnsafeRawBufferPointer(rebasing: s[0..<len]))) { return (true, -1..<(-1), 1) }
        return (false, 0..<len, len)
    }

    /// Normalized text, appended to `out`.
    func normalize(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var input = text
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        @inline(__always) func bytes(_ p: (fromRule: Bool, range: Range<Int>, consumed: Int), _ input: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            if p.range.lowerBound < 0 { return replacement.withUnsafeBytes { $0 } }
            if p.fromRule { return charsmap.replacements.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[p.range]) } }
            return UnsafeRawBufferPointer(rebasing: input[p.range])
        }
        // Leading spaces are dropped.
        if spec.removeExtraWhitespaces {
            while !input.isEmpty {
                let p = prefix(input)
                let b = bytes(p, input)
                if !(b.count == 1 && b[0] == 0x20) { break }
                input = UnsafeRawBufferPointer(rebasing: input[p.consumed...])
            }
        }
        if input.isEmpty { return }
        let space: [UInt8] = spec.escapeWhitespaces ? Self.spaceSymbol : [0x20]
        // Written through a pointer: room for the longest plain-ASCII form (a space is three
        // bytes) plus a 4-byte store's slack; rule replacements grow it as they need.
        var buffer = OutputBytes(capacity: 3 * input.count + 8)
        defer { buffer.free() }
        if !treatWhitespaceAsSuffix && spec.addDummyPrefix { space.withUnsafeBytes { buffer.append($0) } }
        var prevSpace = spec.removeExtraWhitespaces
        let fastASCII = userDefined.isEmpty
        let escape = spec.escapeWhitespaces, removeExtra = spec.removeExtraWhitespaces
        while !input.isEmpty {
            // Plain ASCII that no rule can touch (and no user symbols), one branch-free step a
            // byte; the byte before a non-ASCII one is left to the rules (it may start one).
            if fastASCII {
                let consumed = plainASCII.withUnsafeBufferPointer { plain in
                    Self.copyPlainASCII(input, plain: plain.baseAddress!, into: &buffer, prevSpace: &prevSpace, escape: escape, removeExtra: removeExtra)
                }
                if consumed > 0 {
                    input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                    continue
                }
            }
            let p = prefix(input)
            var sp = bytes(p, input)
            if prevSpace { while let f = sp.first, f == 0x20 { sp = UnsafeRawBufferPointer(rebasing: sp[1...]) } }
            if !sp.isEmpty {
                buffer.reserve(3 * sp.count + 4)
                for b in sp {
                    if escape && b == 0x20 { Self.spaceSymbol.withUnsafeBytes { buffer.append($0) } } else { buffer.append(b) }
                }
                prevSpace = sp[sp.count - 1] == 0x20
            }
            input = UnsafeRawBufferPointer(rebasing: input[p.consumed...])
            if !removeExtra { prevSpace = false }
        }
        if removeExtra {
            while buffer.count >= space.count && space.withUnsafeBytes({ buffer.hasSuffix($0) }) { buffer.count -= space.count }
        }
        if treatWhitespaceAsSuffix && spec.addDummyPrefix { space.withUnsafeBytes { buffer.append($0) } }
        out.append(contentsOf: buffer.bytes)
    }

    /// Copies the plain ASCII bytes at the start of `input` (stopping before a byte a rule may
    /// start with, and before the ASCII byte that precedes a non-ASCII one), spaces escaped and
    /// collapsed as the spec says; returns how many input bytes it took. Each byte is one
    /// 4-byte store (the byte, or '▁') and an advance of 0, 1 or 3.
    @inline(__always)
    private static func copyPlainASCII(_ input: UnsafeRawBufferPointer, plain: UnsafePointer<Bool>, into out: inout OutputBytes,
                                       prevSpace: inout Bool, escape: Bool, removeExtra: Bool) -> Int {
        let n = input.count
        out.reserve(3 * n + 4)
        let src = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let dst = out.end
        let spaceWord: UInt32 = escape ? 0x0081_96E2 : 0x20
        let spaceLength = escape ? 3 : 1
        var w = 0, k = 0
        var previous = prevSpace
        var wBefore = 0, previousBefore = previous
        while k < n {
            let c = src[k]
            if c >= 0x80 {
                // The last ASCII byte goes back to the rules with the character after it.
                if k > 0 { k -= 1; w = wBefore; previous = previousBefore }
                break
            }
            if !plain[Int(c)] { break }
            wBefore = w; previousBefore = previous
            let isSpace = c == 0x20
            (dst + w).storeBytes(of: isSpace ? spaceWord : UInt32(c), as: UInt32.self)
            w &+= isSpace ? (previous ? 0 : spaceLength) : 1
            previous = isSpace && removeExtra
            k += 1
        }
        out.count += w
        prevSpace = previous
        return k
    }
}

/// A growable byte buffer written through a pointer (the normalizer's output before it is
/// appended to the caller's array in one copy).
struct OutputBytes {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(byteCount: self.capacity, alignment: 8)
    }

    func free() { base.deallocate() }

    var end: UnsafeMutableRawPointer { base + count }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let bigger = max(2 * capacity, count + extra)
        let b = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 8)
        b.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = b
        capacity = bigger
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func append(_ b: UnsafeRawBufferPointer) {
        reserve(b.count)
        if b.count > 0 { (base + count).copyMemory(from: b.baseAddress!, byteCount: b.count) }
        count += b.count
    }

    func hasSuffix(_ b: UnsafeRawBufferPointer) -> Bool {
        count >= b.count && memcmp(base + count - b.count, b.baseAddress!, b.count) == 0
    }
}
