import TokenMillCore

/// A `precompiled_charsmap`: a little-endian u32 trie size, a Darts-clone double array of that
/// many bytes whose keys are source strings and whose values are offsets into the NUL-separated
/// replacement strings that follow it.
public struct PrecompiledCharsmap: Sendable, Equatable {
    let blob: [UInt8]
    let units: [UInt32]
    let replacements: [UInt8]

    /// - Parameter what: names the blob in errors (file and field).
    init(_ blob: [UInt8], what: String) throws {
        self.blob = blob
        if blob.isEmpty {
            units = []
            replacements = []
            return
        }
        guard blob.count >= 4 else { throw TokenMillError(.corruptInput, "\(what): \(blob.count) bytes, too short") }
        let trieSize = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieSize % 4 == 0, trieSize >= 4, 4 + trieSize <= blob.count else {
            throw TokenMillError(.corruptInput, "\(what): trie size \(trieSize) does not fit the \(blob.count)-byte blob")
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
    }

    public static func == (a: Self, b: Self) -> Bool { a.blob == b.blob }

    var isEmpty: Bool { units.isEmpty }

    @inline(__always) static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }

    /// The rules matching a prefix of `input`, shortest first, as (bytes consumed, replacement
    /// offset); `stopAtFirst` returns after the first. A NUL byte ends the key, as in Darts.
    @inline(__always)
    func prefixRules(_ input: UnsafeRawBufferPointer, stopAtFirst: Bool, _ body: (Int, Int) -> Void) {
        guard !units.isEmpty else { return }
        var node = Self.offset(units[0])
        for i in 0..<input.count {
            let c = Int(input[i])
            if c == 0 { return }
            node ^= c
            guard node < units.count else { return }
            let unit = units[node]
            if Int(unit & ((1 << 31) | 0xFF)) != c { return }
            node ^= Self.offset(unit)
            if (unit >> 8) & 1 == 1, node < units.count {
                body(i + 1, Int(units[node] & ((1 << 31) - 1)))
                if stopAtFirst { return }
            }
        }
    }

    /// The longest rule matching at the start of `input` (sentencepiece's normalizer).
    @inline(__always)
    func longestRule(_ input: UnsafeRawBufferPointer) -> (length: Int, value: Int)? {
        var best: (Int, Int)?
        prefixRules(input, stopAtFirst: false) { best = ($0, $1) }
        return best
    }

    /// The replacement at `value`: the bytes up to the next NUL.
    func replacement(at value: Int) -> Range<Int> {
        var k = value
        while k < replacements.count && replacements[k] != 0 { k += 1 }
        return min(value, k)..<k
    }

    /// Hugging Face's `Precompiled` normalizer, which differs from sentencepiece's: the text is
    /// cut into extended grapheme clusters; a cluster under 6 bytes that starts with a rule is
    /// replaced whole by the replacement of its *shortest* matching rule; otherwise each
    /// character is replaced by its shortest rule or kept.
    func normalizeByGraphemes(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = text.count
        var i = 0
        func apply(_ cluster: UnsafeRawBufferPointer) {
            if cluster.count < 6 {
                var hit = -1
                prefixRules(cluster, stopAtFirst: true) { _, v in hit = v }
                if hit >= 0 { out.append(contentsOf: replacements[replacement(at: hit)]); return }
            }
            var k = 0
            while k < cluster.count {
                let b = cluster[k]
                let len = min(UTF8Repair.sequenceLength(lead: b), cluster.count - k)
                let ch = UnsafeRawBufferPointer(rebasing: cluster[k..<(k + len)])
                var hit = -1
                prefixRules(ch, stopAtFirst: true) { _, v in hit = v }
                if hit >= 0 { out.append(contentsOf: replacements[replacement(at: hit)]) } else { out.append(contentsOf: ch) }
                k += len
            }
        }
        // There is a cluster boundary between two ASCII bytes, except inside CR LF: ASCII-only
        // stretches are cut byte by byte; the rest goes through Swift's grapheme breaking.
        @inline(__always) func asciiBoundary(_ p: Int) -> Bool {
            p >= n || (text[p - 1] < 0x80 && text[p] < 0x80 && !(text[p - 1] == 0x0D && text[p] == 0x0A))
        }
        while i < n {
            if asciiBoundary(i + 1) && text[i] < 0x80 {
                apply(UnsafeRawBufferPointer(rebasing: text[i..<(i + 1)]))
                i += 1
                continue
            }
            var j = i + 1
            while !asciiBoundary(j) { j += 1 }
            let chunk = UnsafeRawBufferPointer(rebasing: text[i..<j])
            let s = String(decoding: chunk, as: UTF8.self)
            var k = 0
            for cluster in s {
                let len = cluster.utf8.count
                apply(UnsafeRawBufferPointer(rebasing: chunk[k..<(k + len)]))
                k += len
            }
            i = j
        }
    }
}
