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
        let start = out.count
        let space: [UInt8] = spec.escapeWhitespaces ? Self.spaceSymbol : [0x20]
        if !treatWhitespaceAsSuffix && spec.addDummyPrefix { out.append(contentsOf: space) }
        var prevSpace = spec.removeExtraWhitespaces
        let fastASCII = userDefined.isEmpty
        while !input.isEmpty {
            // Plain ASCII that no rule can touch (and no user symbols): one byte at a time.
            if fastASCII && input[0] < 0x80 && plainASCII[Int(input[0])] && (input.count == 1 || input[1] < 0x80) {
                let c = input[0]
                if !(prevSpace && c == 0x20) {
                    if spec.escapeWhitespaces && c == 0x20 { out.append(contentsOf: Self.spaceSymbol) } else { out.append(c) }
                    prevSpace = c == 0x20 && spec.removeExtraWhitespaces
                } else if !spec.removeExtraWhitespaces {
                    prevSpace = false
                }
                input = UnsafeRawBufferPointer(rebasing: input[1...])
                continue
            }
            let p = prefix(input)
            var sp = bytes(p, input)
            if prevSpace { while let f = sp.first, f == 0x20 { sp = UnsafeRawBufferPointer(rebasing: sp[1...]) } }
            if !sp.isEmpty {
                for b in sp {
                    if spec.escapeWhitespaces && b == 0x20 { out.append(contentsOf: Self.spaceSymbol) } else { out.append(b) }
                }
                prevSpace = sp[sp.count - 1] == 0x20
            }
            input = UnsafeRawBufferPointer(rebasing: input[p.consumed...])
            if !spec.removeExtraWhitespaces { prevSpace = false }
        }
        if spec.removeExtraWhitespaces {
            while out.count - start >= space.count && out[(out.count - space.count)...].elementsEqual(space) { out.removeLast(space.count) }
        }
        if treatWhitespaceAsSuffix && spec.addDummyPrefix { out.append(contentsOf: space) }
    }
}
