#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// Language identification: multinomial naive Bayes over hashed character 1–4-grams of the
/// lower-cased letters of a text (other characters become word boundaries). A model holds, for
/// each language, the smoothed log-probability of each of `buckets` n-gram hash buckets.
///
/// File (little-endian): `TMLANGID` (8 bytes), u32 version 1, u32 buckets, u32 languages, then
/// each language code (u8 length, UTF-8), f32 scale, then languages × buckets i16 values;
/// log-probability = value × scale.
public struct LanguageIdentifier: Sendable {
    public let languages: [String]
    public let buckets: Int
    /// languages × buckets, row by language.
    let logProbs: [Float]

    public static let maxN = 4

    /// The n-gram hash buckets of `text`.
    public static func features(_ text: String, buckets: Int) -> [Int] {
        var letters: [UInt32] = [0x20]
        for s in text.unicodeScalars {
            let p = s.properties
            if PyText.isAlpha(s) || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark {
                for l in p.lowercaseMapping.unicodeScalars { letters.append(l.value) }
            } else if letters.last != 0x20 {
                letters.append(0x20)
            }
        }
        if letters.last != 0x20 { letters.append(0x20) }
        guard letters.count > 2 else { return [] }
        var out: [Int] = []
        out.reserveCapacity(letters.count * maxN)
        let mask = UInt64(buckets - 1)
        for i in 0..<letters.count {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for n in 1...maxN where i + n <= letters.count {
                h = (h ^ UInt64(letters[i + n - 1])) &* 0x100_0000_01b3
                if n == 1 && letters[i] == 0x20 { continue }  // a lone space says nothing
                out.append(Int(SplitMix64.mix(h ^ UInt64(n)) & mask))
            }
        }
        return out
    }

    /// Trains on (language, text) samples with add-`alpha` smoothing.
    public init(training samples: [(language: String, text: String)], buckets: Int = 1 << 17, alpha: Double = 0.1) {
        precondition(buckets > 0 && buckets & (buckets - 1) == 0, "buckets must be a power of two")
        let languages = Array(Set(samples.map(\.language))).sorted()
        let index = Dictionary(uniqueKeysWithValues: languages.enumerated().map { ($1, $0) })
        var counts = [Double](repeating: 0, count: languages.count * buckets)
        for (language, text) in samples {
            let row = index[language]! * buckets
            for f in Self.features(text, buckets: buckets) { counts[row + f] += 1 }
        }
        var logProbs = [Float](repeating: 0, count: counts.count)
        for l in languages.indices {
            let row = l * buckets
            let total = counts[row..<(row + buckets)].reduce(0, +)
            let denominator = log(total + alpha * Double(buckets))
            for b in 0..<buckets { logProbs[row + b] = Float(log(counts[row + b] + alpha) - denominator) }
        }
        self.languages = languages
        self.buckets = buckets
        self.logProbs = logProbs
    }

    init(languages: [String], buckets: Int, logProbs: [Float]) {
        self.languages = languages
        self.buckets = buckets
        self.logProbs = logProbs
    }

    /// Languages with their scores (summed log-likelihoods), best first; ties by code.
    public func scores(_ text: String) -> [(language: String, score: Double)] {
        let features = Self.features(text, buckets: buckets)
        var sums = [Double](repeating: 0, count: languages.count)
        logProbs.withUnsafeBufferPointer { p in
            for l in languages.indices {
                let row = l * buckets
                var s = 0.0
                for f in features { s += Double(p[row + f]) }
                sums[l] = s
            }
        }
        return zip(languages, sums).map { ($0, $1) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.language < $1.language }
    }

    /// The most likely language and its probability: the softmax of the per-n-gram mean
    /// log-likelihoods, sharpened by `temperature` n-grams' worth of evidence.
    public func identify(_ text: String, temperature: Double = 30) -> (language: String, probability: Double)? {
        let s = scores(text)
        let n = Double(max(1, Self.features(text, buckets: buckets).count))
        guard let best = s.first, n > 0 else { return nil }
        let z = s.reduce(0.0) { $0 + exp(($1.score - best.score) / n * temperature) }
        return (best.language, 1 / z)
    }

    // MARK: file

    public func serialized() -> [UInt8] {
        var out = Array("TMLANGID".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt32(1)); put(UInt32(buckets)); put(UInt32(languages.count))
        for l in languages { out.append(UInt8(l.utf8.count)); out += Array(l.utf8) }
        let lowest = logProbs.min() ?? -1
        let scale = Float(lowest) / Float(Int16.min)
        put(scale.bitPattern)
        for v in logProbs { put(Int16(max(Float(Int16.min), (v / scale).rounded()))) }
        return out
    }

    public init(bytes: [UInt8], path: String = "model") throws {
        func fail(_ what: String) -> TokenMillError { TokenMillError(.corruptInput, "\(path): not a TokenMill language-ID model (\(what))") }
        guard bytes.count >= 20, Array(bytes[0..<8]) == Array("TMLANGID".utf8) else { throw fail("magic") }
        var o = 8
        func u32() throws -> UInt32 {
            guard o + 4 <= bytes.count else { throw fail("truncated at byte \(o)") }
            defer { o += 4 }
            return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        }
        guard try u32() == 1 else { throw fail("version") }
        let buckets = Int(try u32()), count = Int(try u32())
        guard buckets > 0, buckets & (buckets - 1) == 0, count > 0 else { throw fail("header") }
        var languages: [String] = []
        for _ in 0..<count {
            guard o < bytes.count else { throw fail("truncated language list") }
            let n = Int(bytes[o])
            guard o + 1 + n <= bytes.count else { throw fail("truncated language list") }
            languages.append(String(decoding: bytes[(o + 1)..<(o + 1 + n)], as: UTF8.self))
            o += 1 + n
        }
        let scale = Float(bitPattern: try u32())
        guard bytes.count - o == 2 * count * buckets else { throw fail("\(bytes.count - o) bytes of scores, expected \(2 * count * buckets)") }
        var logProbs = [Float](repeating: 0, count: count * buckets)
        bytes.withUnsafeBytes { raw in
            for i in logProbs.indices { logProbs[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o + 2 * i, as: Int16.self))) * scale }
        }
        self.init(languages: languages, buckets: buckets, logProbs: logProbs)
    }
}
