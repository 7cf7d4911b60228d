import TokenMillCore
import TokenMillTokenizers

extension MixtureStream {
    static let stateFormat = "tokenmill-mixture-state"

    /// Everything needed to continue exactly here, as JSON: counters, the random generator's
    /// state, and per source the records read, the ordinals in its shuffle buffer (in slot
    /// order) and its pending document and offset. Documents themselves are not saved: on
    /// restore each source's records are read again up to where it was, and only the buffered
    /// and pending ones are tokenized.
    public var state: JSONValue {
        func ints(_ a: [Int]) -> JSONValue { .array(a.map { .int(Int64($0)) }) }
        func ints64(_ a: [Int64]) -> JSONValue { .array(a.map { .int($0) }) }
        return .object([
            ("format", .string(Self.stateFormat)), ("format_version", .int(1)),
            ("seed", .string(String(options.seed))), ("rng", .string(String(rng.state))),
            ("step", .int(Int64(step))), ("tokens", .int(tokensServed)), ("phase", .int(Int64(phaseIndex))),
            ("served_sequences", .array(servedSequences.map(ints64))), ("served_tokens", .array(servedTokens.map(ints64))),
            ("short_drops", ints(shortDrops)), ("documents_started", ints(documentsStarted)),
            ("sources", .array(readers.indices.map { s in
                .object([
                    ("name", .string(options.sources[s].name)),
                    ("ordinal", .int(Int64(readers[s].ordinal))),
                    ("reopened", .int(Int64(readers[s].reopened))),
                    ("drops", .object(readers[s].drops.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                    ("buffer", ints(buffers[s].map(\.ordinal))),
                    ("pending", pending[s].map { .object([("ordinal", .int(Int64($0.ordinal))), ("offset", .int(Int64($0.offset)))]) } ?? .null),
                ])
            })),
        ])
    }

    /// A stream continuing from `state` (saved by the same options and tokenizer): it serves
    /// exactly the batches the saved stream would have served next.
    public convenience init(options: MixtureOptions, tokenizer: any Tokenizer, state: JSONValue) throws {
        try self.init(options: options, tokenizer: tokenizer)
        func bad(_ why: String) -> TokenMillError { TokenMillError(.invalidConfiguration, "mixture state: \(why)") }
        guard state["format"]?.stringValue == Self.stateFormat, state["format_version"]?.intValue == 1 else {
            throw bad("not a \(Self.stateFormat) version 1 object")
        }
        guard state["seed"]?.stringValue == String(options.seed) else { throw bad("saved with seed \(state["seed"]?.stringValue ?? "?"), and the options say \(options.seed)") }
        guard let rngState = state["rng"]?.stringValue.flatMap(UInt64.init), let step = state["step"]?.intValue,
              let tokens = state["tokens"]?.intValue, let phase = state["phase"]?.intValue,
              let sources = state["sources"]?.arrayValue, sources.count == options.sources.count else {
            throw bad("missing fields, or \(state["sources"]?.arrayValue?.count ?? 0) sources for \(options.sources.count)")
        }
        func ints(_ v: JSONValue?) -> [Int]? { v?.arrayValue?.compactMap { $0.intValue.map(Int.init) } }
        func table(_ v: JSONValue?) -> [[Int64]]? { v?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } }
        guard let seqs = table(state["served_sequences"]), let toks = table(state["served_tokens"]),
              seqs.count == options.phases.count, toks.count == options.phases.count,
              let short = ints(state["short_drops"]), let started = ints(state["documents_started"]) else {
            throw bad("the counters do not match \(options.phases.count) phases")
        }
        rng = SplitMix64(seed: rngState)
        self.step = Int(step)
        tokensServed = tokens
        phaseIndex = Int(phase)
        servedSequences = seqs
        servedTokens = toks
        shortDrops = short
        documentsStarted = started
        for (s, saved) in sources.enumerated() {
            guard saved["name"]?.stringValue == options.sources[s].name, let ordinal = saved["ordinal"]?.intValue,
                  let buffer = ints(saved["buffer"]) else { throw bad("source \(s) is not \(options.sources[s].name)") }
            let pendingOrdinal = saved["pending"]?["ordinal"]?.intValue.map(Int.init)
            let wanted = Set(buffer + (pendingOrdinal.map { [$0] } ?? []))
            var documents: [Int: [UInt32]] = [:]
            while readers[s].ordinal < Int(ordinal) {
                let take = wanted.contains(readers[s].ordinal)
                let (o, ids) = try readers[s].next(tokenize: take)
                if take {
                    guard let ids else { throw bad("source \(options.sources[s].name): record \(o) is no longer a document; did the files change?") }
                    documents[o] = ids
                }
            }
            guard readers[s].reopened == Int(saved["reopened"]?.intValue ?? -1) else {
                throw bad("source \(options.sources[s].name): its files changed since the state was saved")
            }
            readers[s].drops = Dictionary(uniqueKeysWithValues: (saved["drops"].flatMap { v -> [(String, JSONValue)]? in
                if case .object(let pairs) = v { return pairs }
                return nil
            } ?? []).map { ($0.0, Int($0.1.intValue ?? 0)) })
            buffers[s] = try buffer.map { o in
                guard let ids = documents[o] else { throw bad("source \(options.sources[s].name): buffered record \(o) was not read again") }
                return (o, ids)
            }
            if let o = pendingOrdinal {
                guard let offset = saved["pending"]?["offset"]?.intValue, let ids = documents[o], offset >= 0, Int(offset) < ids.count else {
                    throw bad("source \(options.sources[s].name): the pending record \(o) was not read again, or its offset is past its end")
                }
                pending[s] = (o, ids, Int(offset))
            }
        }
    }
}
