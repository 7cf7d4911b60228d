import TokenMillCore

/// `meta_stats.json` (docs/formats/meta_stats.md). Budgets count tokens including each
/// document's EOS (and BOS when `add_bos`).
enum MetaStats {
    static func json(_ r: BuildReport) -> JSONValue {
        let target = r.recipe.targetTotalTokens
        let actual = r.sources.reduce(Int64(0)) { $0 + $1.actual }
        let efficiency = target > 0 ? Double(actual) / Double(target) : 0
        func breakdown(_ s: BuildReport.SourceReport, target t: Int64, actual a: Int64, documents: Int, truncated: Bool,
                       total: Int64, actualTotal: Int64) -> [(String, JSONValue)] {
            [("name", .string(s.name)),
             ("target_tokens", .int(t)),
             ("actual_tokens", .int(a)),
             ("weight_target", .double(total > 0 ? Double(t) / Double(total) : 0)),
             ("weight_actual", .double(actualTotal > 0 ? Double(a) / Double(actualTotal) : 0)),
             ("documents", .int(Int64(documents))),
             ("truncated_last", .bool(truncated)),
             ("shortfall", .int(t - a))]
        }
        let sources: [JSONValue] = r.sources.map { s in
            .object(breakdown(s, target: s.target, actual: s.actual, documents: s.documents, truncated: s.truncatedLast,
                              total: target, actualTotal: actual) + [
                ("available_documents", .int(Int64(s.availableDocuments))),
                ("available_tokens", .int(s.availableTokens)),
            ])
        }
        let phases: [JSONValue] = r.recipe.phases.enumerated().map { pi, p in
            let pactual = r.sources.reduce(Int64(0)) { $0 + $1.perPhase[pi].actual }
            return .object([
                ("name", .string(p.name)),
                ("target_total_tokens", .int(p.targetTotalTokens)),
                ("actual_total_tokens", .int(pactual)),
                ("sources_breakdown", .array(r.sources.map { s in
                    let x = s.perPhase[pi]
                    return .object(breakdown(s, target: x.target, actual: x.actual, documents: x.documents,
                                             truncated: x.truncated, total: p.targetTotalTokens, actualTotal: pactual))
                })),
            ])
        }
        let splits: [JSONValue] = r.splits.map { s in
            .object([
                ("phase", .string(s.phase)), ("split", .string(s.name)),
                ("documents", .int(Int64(s.documents))), ("tokens", .int(s.tokens)),
                ("sequences", .int(Int64(s.sequences))),
                ("tokens_written", .int(s.tokensWritten)), ("tokens_dropped", .int(s.tokensDropped)),
                ("tokens_padded", .int(s.tokensPadded)),
                ("source_tokens", .object(zip(r.recipe.sources.map(\.name), s.sourceTokens).map { ($0, .int($1)) })),
            ])
        }
        let funnel: [JSONValue] = r.sources.map { s in
            .object([
                ("source", .string(s.name)),
                ("records_read", .int(Int64(s.read.records))),
                ("input_bytes", .int(s.read.inputBytes)),
                ("reader_dropped", s.read.drops.json),
                ("repaired", s.read.repairs.json),
                ("errors", .array(s.read.errors.map { .string($0) })),
                ("documents_read", .int(Int64(s.read.documents))),
                ("filter_dropped", s.filtered.json),
                ("stages", .array(stageFunnel(s))),
                ("documents_available", .int(Int64(s.availableDocuments))),
                ("documents_selected", .int(Int64(s.documents))),
            ])
        }
        return .object([
            ("name", .string(r.recipe.name)),
            ("recipe_sha256", .string(r.recipeSHA)),
            ("tokenizer", .string(r.tokenizer.name)),
            ("tokenizer_sha256", .string(r.tokenizer.fingerprint)),
            ("budget_counts", .string(r.recipe.addBOS ? "tokens + BOS + EOS per document" : "tokens + EOS per document")),
            ("target_total_tokens", .int(target)),
            ("actual_total_tokens", .int(actual)),
            ("budget_efficiency", .double(efficiency)),
            ("budget_efficiency_pct", .double((efficiency * 1_000_000).rounded() / 10_000)),
            ("sources_breakdown", .array(sources)),
            ("phases", .array(phases)),
            ("packing", .object([
                ("sequence_length", .int(Int64(r.recipe.sequenceLength))),
                ("tail", .string(r.recipe.tail.rawValue)),
                ("tokens_written", .int(r.splits.reduce(0) { $0 + $1.tokensWritten })),
                ("tokens_dropped", .int(r.splits.reduce(0) { $0 + $1.tokensDropped })),
                ("tokens_padded", .int(r.splits.reduce(0) { $0 + $1.tokensPadded })),
            ])),
            ("splits", .array(splits)),
            ("funnel", .array(funnel)),
        ])
    }
}

extension MetaStats {
    /// The funnel of one source stage by stage, in order: documents in, kept, dropped by
    /// reason, and the UTF-8 bytes dropped (stage names as in the rejects' `stage`).
    static func stageFunnel(_ s: BuildReport.SourceReport) -> [JSONValue] {
        var remaining = s.read.documents
        return s.stages.map { stage in
            var dropped = ReasonCounts()
            for (key, n) in s.stageDrops.counts where key.hasPrefix(stage + "/") {
                dropped.add(String(key.dropFirst(stage.count + 1)), n)
            }
            let into = remaining
            remaining -= dropped.total
            return .object([("stage", .string(stage)), ("in", .int(Int64(into))), ("kept", .int(Int64(remaining))),
                            ("dropped", dropped.json), ("dropped_bytes", .int(Int64(s.stageBytes[stage])))])
        }
    }
}
