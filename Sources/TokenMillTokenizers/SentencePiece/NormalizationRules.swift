import TokenMillCore

/// SentencePiece's normalization rule sets, built here from ICU's data rather than copied: a
/// map from code-point sequences to their replacement, compiled into the `precompiled_charsmap`
/// blob (`uint32 trie size`, the double-array trie over the UTF-8 keys, then the NUL-terminated
/// UTF-8 replacements the trie's values point to).
///
/// `nfkc` follows sentencepiece's builder: every code point whose NFKC form differs maps to it;
/// every sequence of code points that NFKD-decomposes to the same characters as a decomposable
/// code point maps to the NFC composition of that decomposition (so "e" + U+0301 → "é");
/// then rules that shorter rules already imply are dropped. `nmt_nfkc` adds the NMT rules:
/// TAB, LF, FF, CR, U+061C, U+1680, U+200B, U+200C, U+200E, U+200F, U+2028, U+2029, U+2581, U+FEFF and U+FFFD
/// become a space, the other C0 controls, DEL, U+008F and U+009F are removed, and FULLWIDTH TILDE
/// (U+FF5E) is left alone.
public enum NormalizationRules {
    public typealias CharsMap = [[UInt32]: [UInt32]]

    /// Built once per process (about a second: two ICU calls per code point).
    public static let nmtNFKC: CharsMap = buildNmtNFKC()
    public static let nmtNFKCBlob: [UInt8] = (try? compile(nmtNFKC)) ?? []

    static func isUnicodeChar(_ c: UInt32) -> Bool {
        c < 0x110000 && !(0xD800...0xDFFF).contains(c) && !(0xFDD0...0xFDEF).contains(c) && (c & 0xFFFE) != 0xFFFE
    }

    public static func buildNFKC() -> CharsMap {
        let ws = UnicodeNormalizer.Workspace()
        let nfcForm = UnicodeNormalizer(.nfc)
        var map: CharsMap = [:]
        var decomposed = Set<[UInt32]>()
        var normToOrig: [UInt32: [UInt32]] = [:]
        for cp in UInt32(1)...0x10FFFF where isUnicodeChar(cp) {
            // A code point without an NFKD mapping is its own NFKD and NFKC form.
            guard let nfkd = UnicodeNormalizer.nfkdMapping(cp) else { normToOrig[cp, default: []].append(cp); continue }
            let nfkc = nfcForm.normalize(scalars: nfkd, workspace: ws)
            if nfkc != [cp] { map[[cp]] = nfkc }
            if nfkd.count == 1 { normToOrig[nfkd[0], default: []].append(cp) } else { decomposed.insert(nfkd) }
        }
        for nfkd in decomposed.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let nfc = nfcForm.normalize(scalars: nfkd, workspace: ws)
            if nfc == nfkd { continue }
            // Every sequence of originals that decomposes to `nfkd`.
            var results: [[UInt32]] = [[]]
            for c in nfkd {
                guard let origs = normToOrig[c] else { results = []; break }
                results = results.flatMap { r in origs.map { r + [$0] } }
            }
            for seq in results where seq != nfc { map[seq] = nfc }
        }
        return removeRedundant(map)
    }

    public static func buildNmtNFKC() -> CharsMap {
        var map = buildNFKC()
        for c: UInt32 in [0x9, 0xA, 0xC, 0xD, 0x61C, 0x1680, 0x200B, 0x200C, 0x200E, 0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD] {
            map[[c]] = [0x20]
        }
        map[[0xFF5E]] = nil
        // Control characters are removed.
        for c in Array(UInt32(0x1)...0x8) + [0xB] + Array(UInt32(0xE)...0x1F) + [0x7F, 0x8F, 0x9F] { map[[c]] = [] }
        return removeRedundant(map)
    }

    /// Longest-match rewriting of `src` with rules whose keys are at most `maxLength` long.
    static func apply(_ map: CharsMap, _ src: [UInt32], maxLength: Int) -> [UInt32] {
        var out: [UInt32] = []
        var i = 0
        while i < src.count {
            var len = min(maxLength, src.count - i)
            var hit: [UInt32]?
            while len > 0 {
                if let v = map[Array(src[i..<(i + len)])] { hit = v; break }
                len -= 1
            }
            if let hit { out += hit; i += len } else { out.append(src[i]); i += 1 }
        }
        return out
    }

    /// Drops the rules of length ≥ 2 that the shorter rules already imply.
    static func removeRedundant(_ map: CharsMap) -> CharsMap {
        var kept = map.filter { $0.key.count == 1 }
        let maxLength = map.keys.map(\.count).max() ?? 1
        if maxLength >= 2 {
            for len in 2...maxLength {
                for (k, v) in map where k.count == len && apply(kept, k, maxLength: len - 1) != v { kept[k] = v }
            }
        }
        return kept
    }

    static func utf8(_ scalars: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        for s in scalars { UTF8Repair.appendScalar(s, to: &out) }
        return out
    }

    /// The `precompiled_charsmap` blob of a rule map (replacements shared and sorted, so the
    /// blob depends on nothing but the map).
    public static func compile(_ map: CharsMap) throws -> [UInt8] {
        let targets = Set(map.values).sorted { $0.lexicographicallyPrecedes($1) }
        var position: [[UInt32]: UInt32] = [:]
        var strings: [UInt8] = []
        for t in targets {
            position[t] = UInt32(strings.count)
            strings += utf8(t)
            strings.append(0)
        }
        let units = try DoubleArrayBuilder.build(map.map { (utf8($0.key), position[$0.value]!) })
        var blob: [UInt8] = []
        blob.reserveCapacity(4 + units.count * 4 + strings.count)
        func put(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { blob.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
        put(UInt32(units.count * 4))
        for u in units { put(u) }
        blob += strings
        return blob
    }

    /// The rules of a `precompiled_charsmap` blob (every key the trie holds and its replacement),
    /// as UTF-8 byte strings.
    public static func decompile(_ blob: [UInt8]) -> [[UInt8]: [UInt8]] {
        guard blob.count >= 4 else { return [:] }
        let size = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard 4 + size <= blob.count else { return [:] }
        var units: [UInt32] = []
        for i in stride(from: 4, to: 4 + size, by: 4) {
            units.append(UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16 | UInt32(blob[i + 3]) << 24)
        }
        let strings = Array(blob[(4 + size)...])
        func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        var result: [[UInt8]: [UInt8]] = [:]
        var key: [UInt8] = []
        func walk(_ base: Int) {
            for c in 1...255 {
                let node = base ^ c
                guard node < units.count, Int(units[node] & ((1 << 31) | 0xFF)) == c else { continue }
                key.append(UInt8(c))
                let childBase = node ^ offset(units[node])
                if (units[node] >> 8) & 1 == 1, childBase < units.count {
                    var v = Int(units[childBase] & ((1 << 31) - 1))
                    var value: [UInt8] = []
                    while v < strings.count && strings[v] != 0 { value.append(strings[v]); v += 1 }
                    result[key] = value
                }
                walk(childBase)
                key.removeLast()
            }
        }
        if !units.isEmpty { walk(offset(units[0])) }
        return result
    }
}
