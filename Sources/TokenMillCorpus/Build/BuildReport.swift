import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

public enum TokenMillVersion {
    public static let string = "0.1.0"
}

/// Everything a finished build knows, from which meta_stats.json, the data card and the manifest
/// are written. Deterministic: no timings, no host names.
struct BuildReport {
    struct SourceReport {
        var name: String
        var target: Int64
        var actual: Int64
        var documents: Int
        var truncatedLast: Bool
        var availableDocuments: Int
        var availableTokens: Int64
        var read: ReadStats
        var filtered: ReasonCounts
        /// Drops by "stage/reason" and bytes by stage (curation stages, tokenizer, dedup).
        var stageDrops = ReasonCounts()
        var stageBytes = ReasonCounts()
        /// The stages documents pass, in order.
        var stages: [String] = []
        var lengths: [UInt32]
        var perPhase: [(phase: String, target: Int64, actual: Int64, documents: Int, truncated: Bool)]
        var shortfall: Int64 { target - actual }
    }

    struct SplitReport {
        var phase: String
        var name: String
        var documents: Int
        var tokens: Int64
        var sequences: Int
        var tokensWritten: Int64
        var tokensDropped: Int64
        var tokensPadded: Int64
        var sourceTokens: [Int64]
    }

    struct ShardEntry {
        var path: String
        var phase: String
        var split: String
        var shape: [Int]
        var sha256: String
        var bytes: Int64
        var sourceTokens: [Int64]
        var paddingTokens: Int
    }

    var recipe: Recipe
    var recipeSHA: String
    var tokenizer: any Tokenizer
    var dtype: NpyFormat.DType
    var sources: [SourceReport]
    var splits: [SplitReport]
    var shards: [ShardEntry]
    var extraFiles: [(path: String, sha256: String, bytes: Int64)]
}

