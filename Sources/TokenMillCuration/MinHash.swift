#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// MinHash LSH settings: how documents become shingles, how many permutations, how they are
/// banded. Presets follow the pipelines people know: `datatrove` (word 5-grams, 14 bands × 8
/// rows), `nemo` (NeMo Curator: character 24-grams, 20 × 13), `redpajama` (word 5-grams, 128
/// permutations, bands and rows chosen for a threshold of 0.7, 0.8 or 0.9).
public struct MinHashConfig: Sendable, Equatable, Codable {
    public enum Shingles: Sendable, Equatable, Codable {
        case words(Int)
        case characters(Int)
    }

    public var shingles: Shingles
    public var bands: Int
    public var rows: Int
    public var seed: UInt64 = 1
    /// Keep a candidate pair only when the exact Jaccard similarity of their shingle sets is at
    /// least this (nil: every LSH candidate counts).
    public var verifyJaccard: Double?

    public var permutations: Int { bands * rows }

    public init(shingles: Shingles, bands: Int, rows: Int, seed: UInt64 = 1, verifyJaccard: Double? = nil) {
        self.shingles = shingles
        self.bands = bands
        self.rows = rows
        self.seed = seed
        self.verifyJaccard = verifyJaccard
    }

    public static let presetNames = ["datatrove", "nemo", "redpajama"]

    public static func preset(_ name: String, threshold: Double? = nil) throws -> MinHashConfig {
        switch name {
        case "datatrove": return MinHashConfig(shingles: .words(5), bands: 14, rows: 8)
        case "nemo": return MinHashConfig(shingles: .characters(24), bands: 20, rows: 13)
        case "redpajama":
            let t = threshold ?? 0.8
            guard [0.7, 0.8, 0.9].contains(t) else {
                throw TokenMillError(.invalidConfiguration, "the redpajama preset is defined for thresholds 0.7, 0.8 and 0.9, not \(t)")
            }
            let (b, r) = optimalBandsRows(permutations: 128, threshold: t)
            return MinHashConfig(shingles: .words(5), bands: b, rows: r)
        default:
            throw TokenMillError(.invalidConfiguration, "unknown MinHash preset '\(name)': use \(presetNames.joined(separator: ", "))")
        }
    }

    /// The probability that two documents of Jaccard similarity `s` share a band.
    public static func candidateProbability(_ s: Double, bands: Int, rows: Int) -> Double {
        1 - pow(1 - pow(s, Double(rows)), Double(bands))
    }

    /// The bands × rows (at most `permutations` hashes) that minimize the weighted area of false
    /// positives below `threshold` and false negatives above it, integrated numerically.
    public static func optimalBandsRows(permutations: Int, threshold: Double,
                                        falsePositiveWeight: Double = 0.5, falseNegativeWeight: Double = 0.5) -> (bands: Int, rows: Int) {
        func integrate(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> Double {
            let steps = 1000
            let h = (b - a) / Double(steps)
            var sum = 0.5 * (f(a) + f(b))
            for i in 1..<steps { sum += f(a + Double(i) * h) }
            return sum * h
        }
        var best = (bands: 1, rows: 1), bestError = Double.infinity
        for b in 1...permutations {
            for r in 1...(permutations / b) {
                let fp = integrate(0, threshold) { candidateProbability($0, bands: b, rows: r) }
                let fn = integrate(threshold, 1) { 1 - candidateProbability($0, bands: b, rows: r) }
                let error = falsePositiveWeight * fp + falseNegativeWeight * fn
                if error < bestError { bestError = error; best = (b, r) }
            }
        }
        return best
    }
}

/// One thread's MinHash signer: text → shingle hashes → signature → one key per band.
public final class MinHasher {
    public let config: MinHashConfig
    private let a: [UInt64], b: [UInt64]
    /// Reusable buffers, taken out of the class while working (so the hot loops pay no
    /// exclusivity checks).
    struct Buffers {
        var scalars: [UInt32] = []
        var simplified: [UInt32] = []
        var wordHashes: [UInt64] = []
        var shingles: [UInt64] = []
    }
    private var buffers: Buffers? = Buffers()
    public var shingles: [UInt64] { buffers?.shingles ?? [] }
    private let nfd = UnicodeNormalizer(.nfd)
    private let workspace = UnicodeNormalizer.Workspace()

    public init(_ config: MinHashConfig) {
        self.config = config
        var rng = SplitMix64(seed: config.seed)
        a = (0..<config.permutations).map { _ in rng.next() | 1 }
        b = (0..<config.permutations).map { _ in rng.next() }
    }

    /// The band keys of `text`, or nil when it has fewer than one shingle (too short to compare).
    public func bandKeys(_ text: String) -> [UInt64]? {
        shingle(text)
        let shingles = self.shingles
        guard !shingles.isEmpty else { return nil }
        let k = config.permutations
        var signature = [UInt32](repeating: .max, count: k)
        signature.withUnsafeMutableBufferPointer { s in
            a.withUnsafeBufferPointer { A in
                b.withUnsafeBufferPointer { B in
                    for x in shingles {
                        for i in 0..<k {
                            let v = UInt32(truncatingIfNeeded: (A[i] &* x &+ B[i]) >> 32)
                            if v < s[i] { s[i] = v }
                        }
                    }
                }
            }
        }
        return signature.withUnsafeBytes { raw in
            (0..<config.bands).map { band in
                StableHash.xxh64(UnsafeRawBufferPointer(rebasing: raw[(band * config.rows * 4)..<((band + 1) * config.rows * 4)]),
                                 seed: UInt64(band))
            }
        }
    }

    /// Sorted, distinct shingle hashes of `text` (for the exact Jaccard check).
    public func shingleSet(_ text: String) -> [UInt64] {
        shingle(text)
        return Array(Set(shingles)).sorted()
    }

    /// Text as the shingles see it (datatrove's `simplify_text`): lower case, numbers as 0,
    /// punctuation as spaces, runs of white space as one space, diacritics removed.
    func simplify(_ text: String, _ buf: inout Buffers) {
        buf.scalars.removeAll(keepingCapacity: true)
        var ascii = true
        for s in text.unicodeScalars {
            if s.value < 0x80 {
                buf.scalars.append(s.value >= 0x41 && s.value <= 0x5A ? s.value | 0x20 : s.value)
            } else {
                ascii = false
                for l in s.properties.lowercaseMapping.unicodeScalars { buf.scalars.append(l.value) }
            }
        }
        if !ascii {
            // Diacritics: decompose, drop the non-spacing marks.
            buf.scalars = nfd.normalize(scalars: buf.scalars, workspace: workspace).filter { v in
                guard v >= 0x300, let s = Unicode.Scalar(v) else { return true }
                return s.properties.generalCategory != .nonspacingMark
            }
        }
        buf.simplified.removeAll(keepingCapacity: true)
        var i = 0
        let n = buf.scalars.count
        var pendingSpace = false
        func put(_ v: UInt32) {
            if pendingSpace && !buf.simplified.isEmpty { buf.simplified.append(0x20) }
            pendingSpace = false
            buf.simplified.append(v)
        }
        @inline(__always) func isDigit(_ v: UInt32) -> Bool {
            v < 0x80 ? (v >= 0x30 && v <= 0x39) : Unicode.Scalar(v)?.properties.numericType == .decimal
        }
        while i < n {
            let v = buf.scalars[i]
            if v < 0x80 && v >= 0x61 && v <= 0x7A {  // the common case: a lower-case ASCII letter
                put(v)
                i += 1
                continue
            }
            let s = Unicode.Scalar(v) ?? " "
            if isDigit(v) {
                // A number (digits, optionally one decimal separator and more digits) becomes 0.
                var j = i + 1
                while j < n, isDigit(buf.scalars[j]) { j += 1 }
                if j + 1 < n, [0x2E, 0x2C, 0x60C, 0x66B, 0x2396, 0x2397, 0x2398].contains(buf.scalars[j]), isDigit(buf.scalars[j + 1]) {
                    j += 1
                    while j < n, isDigit(buf.scalars[j]) { j += 1 }
                }
                put(0x30)
                i = j
                continue
            }
            if PyText.isSpace(s) || QualityCharacters.isBasicPunctuation(s) {
                pendingSpace = true
            } else {
                put(v)
            }
            i += 1
        }
    }

    func shingle(_ text: String) {
        var buf = buffers.take() ?? Buffers()
        defer { buffers = buf }
        simplify(text, &buf)
        buf.shingles.removeAll(keepingCapacity: true)
        switch config.shingles {
        case .words(let n):
            buf.wordHashes.removeAll(keepingCapacity: true)
            buf.simplified.withUnsafeBytes { raw in
                var start = 0
                let count = buf.simplified.count
                for i in 0...count where i == count || buf.simplified[i] == 0x20 {
                    if i > start { buf.wordHashes.append(StableHash.xxh64(UnsafeRawBufferPointer(rebasing: raw[(start * 4)..<(i * 4)]))) }
                    start = i + 1
                }
            }
            guard buf.wordHashes.count >= n else { return }
            for i in 0...(buf.wordHashes.count - n) {
                var h: UInt64 = 0x243F_6A88_85A3_08D3
                for j in i..<(i + n) { h = ((h ^ buf.wordHashes[j]) &* 0x9E37_79B9_7F4A_7C15).rotatedLeft(31) }
                buf.shingles.append(SplitMix64.mix(h))
            }
        case .characters(let n):
            guard buf.simplified.count >= n else { return }
            let base: UInt64 = 0x100_0000_01B3
            var top: UInt64 = 1
            for _ in 1..<n { top = top &* base }
            var h: UInt64 = 0
            for i in 0..<buf.simplified.count {
                if i >= n { h = h &- UInt64(buf.simplified[i - n]) &* top }
                h = h &* base &+ UInt64(buf.simplified[i])
                if i >= n - 1 { buf.shingles.append(SplitMix64.mix(h)) }
            }
        }
    }
}

extension UInt64 {
    @inline(__always) func rotatedLeft(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

/// Union-find over document numbers; the root of a cluster is its smallest number, so the
/// survivor is the first document in input order (and an indexed document beats a new one).
public struct UnionFind {
    public private(set) var parent: [UInt32]

    public init(count: Int) { parent = (0..<count).map { UInt32($0) } }

    public mutating func grow(to count: Int) {
        while parent.count < count { parent.append(UInt32(parent.count)) }
    }

    public mutating func find(_ x: UInt32) -> UInt32 {
        var r = x
        while parent[Int(r)] != r { r = parent[Int(r)] }
        var y = x
        while parent[Int(y)] != r { let next = parent[Int(y)]; parent[Int(y)] = r; y = next }
        return r
    }

    public mutating func union(_ x: UInt32, _ y: UInt32) {
        let a = find(x), b = find(y)
        if a < b { parent[Int(b)] = a } else if b < a { parent[Int(a)] = b }
    }
}
