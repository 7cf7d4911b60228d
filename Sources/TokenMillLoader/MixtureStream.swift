import TokenMillCore
import TokenMillTokenizers

/// A streaming, seeded mixture of sources, served as batches: weights per phase, mixing by
/// document or by token, a shuffle buffer per source, EOS after every document, a minimum
/// length, ChatML for instruction records, a fallback for a source that cannot be opened, and
/// a sequence-length curriculum. Its state saves and restores exactly (`MixtureStream+State`).
///
/// How the next sequence is chosen: each source keeps a *pending* document (drawn at random
/// from its shuffle buffer, whose slot is refilled from the stream). Among the sources weighted
/// in the current phase, the one with the smallest `(served_s + u_s · c_s) / w_s` serves next,
/// `served_s` counting the phase's sequences (`document`) or tokens (`token`) from `s`, `c_s`
/// being 1 or the pending piece's length, and `u_s` uniform in [0, 1) — shares track the
/// weights to within one sequence while the order stays random. A source serves at most the
/// step's length `T` of its pending document; the rest stays pending, so a length or phase
/// change never restarts a stream or re-reads a document (only exhausting a source does:
/// it re-opens, counted in `reopened`).
public final class MixtureStream {
    public let options: MixtureOptions
    let tokenizer: any Tokenizer
    var readers: [MixtureSourceReader]
    var rng: SplitMix64
    /// Per source: the shuffle buffer (ordinal, ids) and the pending document and offset.
    var buffers: [[(ordinal: Int, ids: [UInt32])]]
    var pending: [(ordinal: Int, ids: [UInt32], offset: Int)?]
    /// Batches served, and tokens served (padding excluded).
    public internal(set) var step = 0
    public internal(set) var tokensServed: Int64 = 0
    public internal(set) var phaseIndex = 0
    /// Per phase and source: sequences and tokens served.
    public internal(set) var servedSequences: [[Int64]]
    public internal(set) var servedTokens: [[Int64]]
    /// Sequences dropped for being shorter than the minimum, per source.
    public internal(set) var shortDrops: [Int]
    /// Documents started, per source (a document served in pieces counts once).
    public internal(set) var documentsStarted: [Int]

    public init(options: MixtureOptions, tokenizer: any Tokenizer) throws {
        guard !options.sources.isEmpty, !options.phases.isEmpty else {
            throw TokenMillError(.invalidConfiguration, "mixture: give at least one source and one phase")
        }
        for p in options.phases {
            guard p.weights.count == options.sources.count, p.weights.allSatisfy({ $0 >= 0 && $0.isFinite }), p.weights.contains(where: { $0 > 0 }) else {
                throw TokenMillError(.invalidConfiguration, "mixture phase \(p.name): \(p.weights.count) weights for \(options.sources.count) sources; give one non-negative weight per source, at least one positive")
            }
        }
        guard options.batchSize > 0, options.shuffleBuffer > 0, options.minLength >= 1, options.minLength <= options.curriculum.stages.map(\.length).min()! else {
            throw TokenMillError(.invalidConfiguration, "mixture: batch size and shuffle buffer must be positive, and the minimum length between 1 and the shortest curriculum length")
        }
        self.options = options
        self.tokenizer = tokenizer
        readers = try options.sources.map { try MixtureSourceReader(source: $0, tokenizer: tokenizer, appendEOS: options.appendEOS) }
        rng = SplitMix64(seed: SplitMix64.mix(options.seed ^ 0x4D49_5854_5552_4521))  // "MIXTURE!"
        let n = options.sources.count
        buffers = Array(repeating: [], count: n)
        pending = Array(repeating: nil, count: n)
        servedSequences = Array(repeating: Array(repeating: 0, count: n), count: options.phases.count)
        servedTokens = servedSequences
        shortDrops = Array(repeating: 0, count: n)
        documentsStarted = Array(repeating: 0, count: n)
    }

    /// The phase for the next batch (advancing past finished ones).
    func currentPhase() -> Int {
        while phaseIndex + 1 < options.phases.count, let end = options.phases[phaseIndex].end {
            switch end {
            case .step(let s) where step >= s: phaseIndex += 1
            case .tokens(let t) where tokensServed >= t: phaseIndex += 1
            default: return phaseIndex
            }
        }
        return phaseIndex
    }

    /// The sequence length of the next batch.
    public var currentLength: Int { options.curriculum.length(atStep: step) }

    /// The next document of source `s` from its shuffle buffer. The buffer is filled to its
    /// capacity first, or to one pass of a source smaller than that (the fill stops once the
    /// source re-opens, so a small source's buffer does not hold many copies of each record).
    func drawDocument(_ s: Int) throws -> (ordinal: Int, ids: [UInt32]) {
        if buffers[s].isEmpty {
            let passes = readers[s].reopened
            while buffers[s].count < options.shuffleBuffer && !(readers[s].reopened > passes && !buffers[s].isEmpty) {
                guard let doc = try readDocument(s) else { continue }
                buffers[s].append(doc)
            }
        }
        let j = Int(rng.next(below: UInt64(buffers[s].count)))
        let chosen = buffers[s][j]
        while true {
            if let doc = try readDocument(s) { buffers[s][j] = doc; break }
        }
        return chosen
    }

    /// Reads and tokenizes the next record of `s`; `nil` when it is not usable (counted).
    private func readDocument(_ s: Int) throws -> (ordinal: Int, ids: [UInt32])? {
        let (ordinal, ids) = try readers[s].next(tokenize: true)
        guard let ids else { return nil }
        guard ids.count >= options.minLength else {
            readers[s].drops["too_short", default: 0] += 1
            return nil
        }
        return (ordinal, ids)
    }

    /// Makes sure source `s` has a pending piece of at least the minimum length for length `T`.
    func preparePending(_ s: Int, length T: Int) throws {
        while true {
            if let p = pending[s] {
                let remaining = p.ids.count - p.offset
                if min(remaining, T) >= options.minLength { return }
                shortDrops[s] += 1
                pending[s] = nil
            }
            let doc = try drawDocument(s)
            documentsStarted[s] += 1
            pending[s] = (doc.ordinal, doc.ids, 0)
        }
    }

    /// One sequence: its ids, source, and where it came from (ordinal, offset in the document).
    public struct Sequence: Sendable, Equatable {
        public var ids: [UInt32]
        public var source: Int
        public var ordinal: Int
        public var offset: Int
    }

    /// The next sequence of at most `T` tokens, in the current phase.
    public func nextSequence(length T: Int) throws -> Sequence {
        let phase = currentPhase()
        let weights = options.phases[phase].weights
        var best = -1
        var bestScore = Double.infinity
        for s in weights.indices where weights[s] > 0 {
            try preparePending(s, length: T)
            let p = pending[s]!
            let piece = min(T, p.ids.count - p.offset)
            let u = StableHash.unitInterval(rng.next())
            let served = options.unit == .document ? Double(servedSequences[phase][s]) : Double(servedTokens[phase][s])
            let cost = options.unit == .document ? 1.0 : Double(piece)
            let score = (served + u * cost) / weights[s]
            if score < bestScore { bestScore = score; best = s }
        }
        let p = pending[best]!
        let end = min(p.offset + T, p.ids.count)
        let sequence = Sequence(ids: Array(p.ids[p.offset..<end]), source: best, ordinal: p.ordinal, offset: p.offset)
        pending[best] = end == p.ids.count ? nil : (p.ordinal, p.ids, end)
        servedSequences[phase][best] += 1
        servedTokens[phase][best] += Int64(sequence.ids.count)
        return sequence
    }

    /// A batch and what it was made of.
    public struct MixtureBatch: Sendable {
        public var batch: Batch
        public var step: Int
        public var phase: String
        public var length: Int
        public var sequences: [Sequence]
    }

    /// The next step's sequences (`batchSize` of at most the step's length), not collated: for
    /// callers that pack or collate themselves.
    public func nextStep() throws -> (step: Int, phase: String, length: Int, sequences: [Sequence]) {
        let T = currentLength
        let phase = options.phases[currentPhase()].name
        var sequences: [Sequence] = []
        for _ in 0..<options.batchSize { sequences.append(try nextSequence(length: T)) }
        defer {
            step += 1
            tokensServed += Int64(sequences.reduce(0) { $0 + $1.ids.count })
        }
        return (step, phase, T, sequences)
    }

    /// The next batch: `batchSize` sequences of at most the step's length, collated.
    public func nextBatch() throws -> MixtureBatch {
        let next = try nextStep()
        let collator = Collator(padding: options.padToLength ? .fixed(next.length) : .dynamic(maxLength: next.length), padID: options.padID)
        return MixtureBatch(batch: collator.collate(next.sequences.map(\.ids)), step: next.step, phase: next.phase, length: next.length,
                            sequences: next.sequences)
    }

    /// Shares per phase and source, by sequences and by tokens, and what happened to each source.
    public var statistics: JSONValue {
        var phases: [JSONValue] = []
        for (p, phase) in options.phases.enumerated() {
            let seqTotal = max(1, servedSequences[p].reduce(0, +)), tokTotal = max(1, servedTokens[p].reduce(0, +))
            phases.append(.object([
                ("name", .string(phase.name)),
                ("sources", .array(options.sources.indices.map { s in
                    .object([("name", .string(options.sources[s].name)),
                             ("weight", .double(phase.weights[s])),
                             ("sequences", .int(servedSequences[p][s])), ("tokens", .int(servedTokens[p][s])),
                             ("sequence_share", .double(Double(servedSequences[p][s]) / Double(seqTotal))),
                             ("token_share", .double(Double(servedTokens[p][s]) / Double(tokTotal)))])
                })),
            ]))
        }
        return .object([
            ("step", .int(Int64(step))), ("tokens", .int(tokensServed)), ("unit", .string(options.unit.rawValue)),
            ("phases", .array(phases)),
            ("sources", .array(readers.indices.map { s in
                .object([("name", .string(options.sources[s].name)),
                         ("records_read", .int(Int64(readers[s].ordinal))),
                         ("documents_started", .int(Int64(documentsStarted[s]))),
                         ("reopened", .int(Int64(readers[s].reopened))),
                         ("fallback", readers[s].fallbackReason.map { .string($0) } ?? .null),
                         ("short_pieces_dropped", .int(Int64(shortDrops[s]))),
                         ("drops", .object(readers[s].drops.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))])
            })),
        ])
    }
}
