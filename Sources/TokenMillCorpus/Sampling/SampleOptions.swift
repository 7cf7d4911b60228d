import Foundation
import TokenMillCore

/// What `tokenmill sample` draws, and how (docs/formats/sample-manifest.md).
public struct SampleOptions: Sendable {
    /// The text fields of a record: one text, or a translation pair.
    public enum Fields: Sendable, Equatable {
        /// A dotted path (`text`, `document.body`).
        case text(String)
        /// A pair by language codes, source → target. Each side is read from
        /// `translation.<lang>` when the record has it, else from `<lang>`.
        case pair(source: String, target: String)

        /// Names of the sides, in the manifest's order.
        var sides: [String] {
            switch self {
            case .text: return ["text"]
            case .pair: return ["src_text", "tgt_text"]
            }
        }
    }

    /// How items are weighted: uniformly (Algorithm R), or by a weight (A-ES).
    public enum Weighting: Sendable, Equatable {
        case uniform
        /// The NFKC character count of the text (of the source side for pairs).
        case length
        /// A numeric field (dotted path); a record without it, or with a weight ≤ 0, is not drawn.
        case field(String)

        var algorithm: String { self == .uniform ? "reservoir-R" : "reservoir-A-ES" }
        var name: String? {
            switch self {
            case .uniform: return nil
            case .length: return "length"
            case .field(let f): return "field:" + f
            }
        }
    }

    /// Sizes of the splits, in order: counts, or ratios of the sample.
    public enum SplitSizes: Sendable, Equatable {
        case counts([Int])
        case ratios([Double])
    }

    public var inputs: [String]
    public var fields: Fields
    /// The source name written on every row (default: the first input's file name).
    public var sourceName: String
    /// An id field copied to the manifest when present (`id`).
    public var idField: String? = "id"
    public var k: Int
    public var seed: UInt64
    public var weighting: Weighting = .uniform
    /// Caps on every side's NFKC length in Unicode scalars (Python's `len`), inclusive.
    public var minChars = 1
    public var maxChars: Int? = nil
    public var dropPunctuationOnly = true
    /// Pairs whose two sides are equal after NFKC (untranslated text) are dropped.
    public var dropIdenticalPairs = true
    /// Exact duplicates by uid (NFKC text) are dropped; the first in input order stays.
    public var dropDuplicates = true
    public var splitNames = ["train", "val", "test"]
    public var splitSizes: SplitSizes? = nil
    /// Malformed lines fail the run instead of being counted.
    public var strict = false

    public init(inputs: [String], fields: Fields, sourceName: String, k: Int, seed: UInt64) {
        self.inputs = inputs
        self.fields = fields
        self.sourceName = sourceName
        self.k = k
        self.seed = seed
    }

    /// Rows per split for `sampled` rows, in `splitNames` order. Ratios are turned into counts
    /// by largest remainder (ties to the earlier split), so the counts always sum to `sampled`.
    func splitCounts(sampled: Int) throws -> [Int] {
        guard let sizes = splitSizes else { return [sampled] }
        switch sizes {
        case .counts(let counts):
            let total = counts.reduce(0, +)
            guard total == sampled else {
                throw TokenMillError(.invalidConfiguration, sampled < k
                    ? "splits: ask for \(total) rows, and only \(sampled) records pass the filters; lower the counts or loosen the filters"
                    : "splits: the counts sum to \(total), and k is \(k); make them equal")
            }
            return counts
        case .ratios(let ratios):
            let sum = ratios.reduce(0, +)
            let exact = ratios.map { $0 / sum * Double(sampled) }
            var counts = exact.map { Int($0.rounded(.down)) }
            let order = exact.indices.sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
            for i in order.prefix(sampled - counts.reduce(0, +)) { counts[i] += 1 }
            return counts
        }
    }

    /// `96,12,12` (counts) or `0.8,0.1,0.1` (ratios).
    public static func parseSplitSizes(_ text: String) throws -> SplitSizes {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let counts = Optional(parts.compactMap { Int($0) }), counts.count == parts.count, counts.allSatisfy({ $0 >= 0 }) {
            return .counts(counts)
        }
        let ratios = parts.compactMap { Double($0) }
        guard ratios.count == parts.count, ratios.allSatisfy({ $0 >= 0 && $0.isFinite }), ratios.reduce(0, +) > 0 else {
            throw TokenMillError(.invalidConfiguration, "--splits '\(text)': give counts (96,12,12) or ratios (0.8,0.1,0.1)")
        }
        return .ratios(ratios)
    }
}
