import TokenMillCore

/// SentencePiece's normalizer: the precompiled charsmap (a Darts double-array trie of rules,
/// longest match wins, unmatched characters pass through), then its white-space rules —
/// `remove_extra_whitespaces` (drop leading, trailing and repeated spaces), `add_dummy_prefix`
/// (a space before the text, or after it with `treat_whitespace_as_suffix`) and
/// `escape_whitespaces` (' ' → '▁'). Only U+0020 counts as a space here, as in sentencepiece.
struct SentencePieceNormalizer: Sendable {
    let units: [UInt32]
    let replacements: [UInt8]
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
        let blob = spec.precompiledCharsmap
        if blob.isEmpty {
            units = []
            replacements = []
            plainASCII = [Bool](repeating: true, count: 128)
            return
        }
        guard blob.count >= 4 else { throw TokenMillError(.corruptInput, "\(path): normalizer_spec.precompiled_charsmap: \(blob.count) bytes, too short") }
        let trieSize = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= blob.count else {
            throw TokenMillError(.corruptInput, "\(path): normalizer_spec.precompiled_charsmap: trie size \(trieSize) does not fit the \(blob.count)-byte blob")
        }
        var u: [UInt32] = []
        u.reserveCapacity(trieSize / 4)
        var i = 4
        while i < 4 + trieSize {
            u.append(UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16 | UInt32(blob[i + 3]) << 24)
            i += 4
        }
        units = u
        replacements = Array(blob[(4 + trieSize)...])
        var plain = [Bool](repeating: true, count: 128)
        func offset(_ x: UInt32) -> Int { Int((x >> 10) << ((x & (1 << 9)) >> 6)) }
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

    /// The longest rule matching at the start of `input`: (bytes consumed, replacement offset).
    @inline(__always)
    func longestRule(_ input: UnsafeRawBufferPointer) -> (length: Int, value: Int)? {
        guard !units.isEmpty else { return nil }
        @inline(__always) func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        var best: (Int, Int)?
        var node = offset(units[0])
        for i in 0..<input.count {
            let c = Int(input[i])
            node ^= c
            guard node < units.count else { break }
            let unit = units[node]
            if Int(unit & ((1 << 31) | 0xFF)) != c { break }
            node ^= offset(unit)
            if (unit >> 8) & 1 == 1, node < units.count {
                best = (i + 1, Int(units[node] & ((1 << 31) - 1)))
            }
        }
        return best
    }

    /// The normalized form of the text's first character or rule match, without allocating:
    /// `fromRule` says whether `range` indexes `replacements` (else the input).
    @inline(__always)
    func prefix(_ s: UnsafeRawBufferPointer) -> (fromRule: Bool, range: Range<Int>, consumed: Int) {
        for u in userDefined where u.count <= s.count && (0..<u.count).allSatisfy({ s[$0] == u[$0] }) { return (false, 0..<u.count, u.count) }
        if let rule = longestRule(s) {
            var k = rule.value
            while k < replacements.count && replacements[k] != 0 { k += 1 }
            return (true, rule.value..<k, rule.length)
        }
        let b = s[0]
        let len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
        if len > s.count || (len > 1 && !UTF8Repair.isValid(UnsafeRawBufferPointer(rebasing: s[0..<len]))) { return (true, -1..<(-1), 1) }
        return (false, 0..<len, len)
    }

    /// Normalized text, appended to `out`.
    func normalize(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var input = text
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        @inline(__always) func bytes(_ p: (fromRule: Bool, range: Range<Int>, consumed: Int), _ input: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            if p.range.lowerBound < 0 { return replacement.withUnsafeBytes { $0 } }
            if p.fromRule { return replacements.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[p.range]) } }
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
