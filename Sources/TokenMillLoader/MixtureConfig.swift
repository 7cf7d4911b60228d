/// One input of a `MixtureStream`.
public struct MixtureSource: Sendable {
    /// What a record holds.
    public enum Content: Sendable, Equatable {
        /// A text at a dotted path (`text`, `translation.fr`).
        case text(field: String)
        /// `{"instruction", "input", "output"}`, formatted as ChatML.
        case instruction
    }

    /// Where the records come from.
    public enum Input: Sendable {
        /// JSONL files (.gz, .zst), read in order and re-opened from the first when exhausted.
        /// When a primary file cannot be opened, the source switches to `fallback` (recorded).
        case jsonl(paths: [String], content: Content, fallback: [String])
        /// Rows already tokenized: a token cache or packed shards, served as they are (no EOS
        /// is appended: a cache made with `--add-eos` has it, packed rows hold their EOS).
        case dataset(any TokenDataset)
    }

    public var name: String
    public var input: Input
    /// JSONL only: use just the records whose `split` field is this (a sample manifest's rows).
    public var split: String?

    public init(name: String, input: Input, split: String? = nil) {
        self.name = name
        self.input = input
        self.split = split
    }

    public static func jsonl(_ name: String, paths: [String], content: Content = .text(field: "text"), fallback: [String] = [], split: String? = nil) -> MixtureSource {
        MixtureSource(name: name, input: .jsonl(paths: paths, content: content, fallback: fallback), split: split)
    }
}

/// A phase of the mixture: weights per source (in source order; they need not sum to 1) until a
/// step or a token count is reached. The last phase runs forever.
public struct MixturePhase: Sendable, Equatable {
    public enum End: Sendable, Equatable {
        /// The phase ends before this step (0-based batches).
        case step(Int)
        /// The phase ends once this many tokens (padding excluded) have been served in total.
        case tokens(Int64)
    }

    public var name: String
    public var weights: [Double]
    public var end: End?

    public init(name: String, weights: [Double], end: End? = nil) {
        self.name = name
        self.weights = weights
        self.end = end
    }
}

/// How shares are counted when choosing the next source.
public enum MixingUnit: String, Sendable, Equatable {
    /// Each drawn sequence counts 1: shares of sequences follow the weights.
    case document
    /// Each drawn sequence counts its tokens: shares of tokens follow the weights.
    case token
}

/// Everything a `MixtureStream` does.
public struct MixtureOptions: Sendable {
    public var sources: [MixtureSource]
    public var phases: [MixturePhase]
    public var unit: MixingUnit = .token
    public var seed: UInt64 = 0
    /// Documents held per source; each draw takes a random one and refills its slot.
    public var shuffleBuffer = 1000
    /// Append the tokenizer's EOS to every document.
    public var appendEOS = true
    /// No sequence shorter than this is served (short documents and short tails are dropped,
    /// counted).
    public var minLength = 1
    public var batchSize = 1
    /// Sequence length per step; documents longer than the step's length are served in pieces
    /// of at most that length, and the stream goes on where it was when the length changes.
    public var curriculum: Curriculum
    /// Pad every batch to the step's length (`true`), or to its longest sequence.
    public var padToLength = true
    public var padID: UInt32 = 0

    public init(sources: [MixtureSource], phases: [MixturePhase], curriculum: Curriculum) {
        self.sources = sources
        self.phases = phases
        self.curriculum = curriculum
    }
}
