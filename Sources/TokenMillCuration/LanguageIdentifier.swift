#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore

/// Language identification: multinomial naive Bayes over hashed character 1–4-grams of the
/// lower-cased letters of a text (other characters become word boundaries). A model holds, for
/// each of `buckets` n-gram hash buckets, the smoothed log-probability of that bucket under each
/// language, quantized to 16 bits (a trained model and the same model loaded from its file give
/// the same scores, exactly: sums are integers).
///
/// File (little-endian): `TMLANGID` (8 bytes), u32 version 2, u32 buckets, u32 languages, then
/// each language code (u8 length, UTF-8), f32 scale, then buckets × languages i16 values, bucket
/// by bucket; log-probability = value × scale. See docs/formats/langid.md.
public struct LanguageIdentifier: Sendable {
    public let languages: [String]
    public let buckets: Int
    /// Natural-log units per stored step.
    public let scale: Float
    /// buckets × languages, row by bucket.
    let table: [Int16]

    public static let maxN = 4
    static let version: UInt32 = 2

    /// The n-gram hash buckets of `text` (in text order).
    public static func features(_ text: String, buckets: Int) -> [Int] {
        var out: [Int] = []
        features(text, buckets: buckets, into: &out)
        return out
    }

    static func features(_ text: String, buckets: Int, into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        var letters: [UInt32] = [0x20]
        letters.reserveCapacity(text.utf8.count + 2)
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                if v >= 0x61 && v <= 0x7A { letters.append(v) } else if v >= 0x41 && v <= 0x5A { letters.append(v | 0x20) } else if letters.last != 0x20 { letters.append(0x20) }
                continue
            }
            let p = s.properties
            if PyText.isAlpha(s) || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark {
                if p.changesWhenLowercased {
                    for l in p.lowercaseMapping.unicodeScalars { letters.append(l.value) }
                } else {
                    letters.append(v)
                }
            } else if letters.last != 0x20 {
                letters.append(0x20)
            }
        }
        if letters.last != 0x20 { letters.append(0x20) }
        guard letters.count > 2 else { return }
        out.reserveCapacity(letters.count * maxN)
        let mask = UInt64(buckets - 1)
        letters.withUnsafeBufferPointer { l in
            for i in 0..<l.count {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for n in 1...maxN where i + n <= l.count {
                    h = (h ^ UInt64(l[i + n - 1])) &* 0x100_0000_01b3
                    if n == 1 && l[i] == 0x20 { continue }  // a lone space says nothing
                    out.append(Int(SplitMix64.mix(h ^ UInt64(n)) & mask))
                }
            }
        }
    }

    /// Counts n-grams per language, then smooths and quantizes them into a model.
    public struct Trainer {
        public let buckets: Int
        public private(set) var languages: [String] = []
        var index: [String: Int] = [:]
        var counts: [[Double]] = []
        var features: [Int] = []

        public init(buckets: Int = 1 << 16) {
            precondition(buckets > 0 && buckets & (buckets - 1) == 0, "buckets must be a power of two")
            self.buckets = buckets
        }

        public mutating func add(language: String, text: String) {
            let l: Int
            if let i = index[language] {
                l = i
            } else {
                l = languages.count
                index[language] = l
                languages.append(language)
                counts.append([Double](repeating: 0, count: buckets))
            }
            LanguageIdentifier.features(text, buckets: buckets, into: &features)
            for f in features { counts[l][f] += 1 }
        }

        /// The n-grams counted for `language`.
        public func total(_ language: String) -> Double { index[language].map { counts[$0].reduce(0, +) } ?? 0 }

        /// Add-`alpha` smoothing; languages in code order.
        public func model(alpha: Double = 0.1) -> LanguageIdentifier {
            let order = languages.indices.sorted { languages[$0] < languages[$1] }
            var logProbs = [Double](repeating: 0, count: buckets * order.count)
            var lowest = 0.0
            for (k, l) in order.enumerated() {
                let denominator = log(counts[l].reduce(0, +) + alpha * Double(buckets))
                for b in 0..<buckets {
                    let v = log(counts[l][b] + alpha) - denominator
                    logProbs[b * order.count + k] = v
                    lowest = min(lowest, v)
                }
            }
            let scale = Float(lowest / -32767)
            let table = logProbs.map { Int16(max(-32767, ($0 / Double(scale)).rounded())) }
            return LanguageIdentifier(languages: order.map { languages[$0] }, buckets: buckets, scale: scale, table: table)
        }
    }

    /// Trains on (language, text) samples with add-`alpha` smoothing.
    public init(training samples: [(language: String, text: String)], buckets: Int = 1 << 16, alpha: Double = 0.1) {
        var t = Trainer(buckets: buckets)
        for (language, text) in samples { t.add(language: language, text: text) }
        self = t.model(alpha: alpha)
    }

    init(languages: [String], buckets: Int, scale: Float, table: [Int16]) {
        self.languages = languages
        self.buckets = buckets
        self.scale = scale
        self.table = table
    }

    /// Summed log-likelihood per language (in stored steps) and the number of n-grams.
    func rawScores(_ text: String) -> (sums: [Int64], count: Int) {
        var features: [Int] = []
        Self.features(text, buckets: buckets, into: &features)
        let width = languages.count
        var sums = [Int64](repeating: 0, count: width)
        var partial = [Int32](repeating: 0, count: width)
        table.withUnsafeBufferPointer { t in
            partial.withUnsafeMutableBufferPointer { acc in
                var pending = 0
                for f in features {
                    let row = t.baseAddress! + f * width
                    for l in 0..<width { acc[l] &+= Int32(row[l]) }
                    pending += 1
                    if pending == 65_000 {  // 65,000 × 32,767 < 2³¹
                        for l in 0..<width { sums[l] += Int64(acc[l]); acc[l] = 0 }
                        pending = 0
                    }
                }
                for l in 0..<width { sums[l] += Int64(acc[l]) }
            }
        }
        return (sums, features.count)
    }

    /// Languages with their scores (summed log-likelihoods, natural log), best first; ties by code.
    public func scores(_ text: String) -> [(language: String, score: Double)] {
        let (sums, _) = rawScores(text)
        return zip(languages, sums).map { ($0, Double($1) * Double(scale)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.language < $1.language }
    }

    /// The most likely language and its probability: the naive Bayes posterior (uniform prior)
    /// of a text of up to `temperature` n-grams; a longer text counts as `temperature` n-grams'
    /// worth of evidence (the softmax of its mean log-likelihoods × `temperature`), since its
    /// n-grams are far from independent. Nil for a text without a letter.
    public func identify(_ text: String, temperature: Double = 30) -> (language: String, probability: Double)? {
        let (sums, n) = rawScores(text)
        guard n > 0 else { return nil }
        var best = 0
        for l in 1..<sums.count where sums[l] > sums[best] { best = l }  // ties: the smaller code
        let factor = Double(scale) * min(1, temperature / Double(n))
        var z = 0.0
        for s in sums { z += exp(Double(s - sums[best]) * factor) }
        return (languages[best], 1 / z)
    }

    // MARK: file

    public func serialized() -> [UInt8] {
        var out = Array("TMLANGID".utf8)
        out.reserveCapacity(64 + 2 * table.count)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(Self.version); put(UInt32(buckets)); put(UInt32(languages.count))
        for l in languages { out.append(UInt8(l.utf8.count)); out += Array(l.utf8) }
        put(scale.bitPattern)
        for v in table { put(v) }
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
        let version = try u32()
        guard version == Self.version else { throw fail("version \(version), this build reads \(Self.version)") }
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
        guard scale > 0, scale.isFinite else { throw fail("scale \(scale)") }
        guard bytes.count - o == 2 * count * buckets else { throw fail("\(bytes.count - o) bytes of scores, expected \(2 * count * buckets)") }
        var table = [Int16](repeating: 0, count: count * buckets)
        let start = o
        bytes.withUnsafeBytes { raw in
            for i in table.indices { table[i] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: Int16.self)) }
        }
        self.init(languages: languages, buckets: buckets, scale: scale, table: table)
    }

    // MARK: training text

    /// A gettext message as training text: without its context (before U+0004), printf-style
    /// and brace placeholders, markup tags and character entities, which are not language.
    public static func cleanCatalogMessage(_ message: String) -> String {
        var s = Substring(message)
        if let eot = s.firstIndex(of: "\u{4}") { s = s[s.index(after: eot)...] }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let chars = Array(s.unicodeScalars)
        var i = 0
        func isConversion(_ c: Unicode.Scalar) -> Bool { "diouxXeEfFgGaAcspnmSC".unicodeScalars.contains(c) }
        while i < chars.count {
            let c = chars[i]
            if c == "%" {
                // %[argnum$][flags][width][.precision][length]conversion, or %%
                var j = i + 1
                while j < chars.count, "0123456789$#-+ '.*hlLqjzt<>I".unicodeScalars.contains(chars[j]) { j += 1 }
                if j < chars.count, isConversion(chars[j]) || chars[j] == "%" { out += " "; i = j + 1; continue }
                if j < chars.count, chars[j] == "(" , let close = chars[j...].firstIndex(of: ")") { out += " "; i = close + 2; continue }
            } else if c == "{" || c == "<" || c == "&" {
                let end: Unicode.Scalar = c == "{" ? "}" : c == "<" ? ">" : ";"
                if let close = chars[(i + 1)...].prefix(c == "&" ? 10 : 64).firstIndex(of: end) {
                    let inner = chars[(i + 1)..<close]
                    let markup = c == "{" || (c == "<" && inner.first.map { $0 == "/" || $0.properties.isAlphabetic } == true)
                        || (c == "&" && !inner.isEmpty && inner.allSatisfy { $0 == "#" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) })
                    if markup { out += " "; i = close + 1; continue }
                }
            } else if c == "$" && i + 1 < chars.count && (chars[i + 1] == "{" || chars[i + 1].properties.isAlphabetic) {
                var j = i + 1
                if chars[j] == "{" { j = chars[j...].firstIndex(of: "}").map { $0 + 1 } ?? chars.count } else {
                    while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "_" { j += 1 }
                }
                out += " "; i = j; continue
            } else if c == "\\" && i + 1 < chars.count && "ntr".unicodeScalars.contains(chars[i + 1]) {
                out += " "; i += 2; continue
            }
            out.unicodeScalars.append(c)
            i += 1
        }
        return out
    }
}

/// Keeps documents in the wanted languages: `languages` (empty: any) and a top-language
/// probability of at least `threshold` (datatrove's `LanguageFilter`, which drops below
/// `language_threshold` 0.65 by default; the Stage-2 pipeline uses 0.85).
public struct LanguageFilter: Sendable {
    public static let wrongLanguage = DropReason("language")
    public static let lowScore = DropReason("language_score")
    public let model: LanguageIdentifier
    public let languages: Set<String>
    public let threshold: Double

    public init(model: LanguageIdentifier, languages: [String], threshold: Double = 0.65) throws {
        if let unknown = languages.first(where: { !model.languages.contains($0) }) {
            throw TokenMillError(.invalidConfiguration,
                                 "language '\(unknown)' is not in the language-ID model; it knows \(model.languages.joined(separator: ", "))")
        }
        guard threshold >= 0 && threshold <= 1 else {
            throw TokenMillError(.invalidConfiguration, "language threshold \(threshold): a probability from 0 to 1")
        }
        self.model = model
        self.languages = Set(languages)
        self.threshold = threshold
    }

    /// A probability as written into metadata and rejects: 4 decimals.
    public static func rounded(_ score: Double) -> Double { (score * 10_000).rounded() / 10_000 }

    /// The top language and its probability ("" and 0 for a text without a letter), and the
    /// drop reason if any.
    public func decide(_ text: String) -> (language: String, score: Double, drop: DropReason?) {
        guard let (language, p) = model.identify(text) else { return ("", 0, Self.lowScore) }
        if !languages.isEmpty && !languages.contains(language) { return (language, p, Self.wrongLanguage) }
        if p < threshold { return (language, p, Self.lowScore) }
        return (language, p, nil)
    }
}
