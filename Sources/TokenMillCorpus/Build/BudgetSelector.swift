import TokenMillCore

/// A document chosen for the output, with how much of it is taken.
struct SelectedDocument {
    var unit: Int32
    var tokenOffset: UInt64
    /// Content tokens taken (all of them, or the first ones for the document cut at the budget).
    var contentTokens: UInt32
    /// Content + EOS (+ BOS): what the document costs in the budget.
    var cost: Int64
    var fullTokens: UInt32
    var truncated: Bool
    var split: Int
    var phase: Int
}

/// Exact per-source token budgets.
///
/// Documents of a source are taken in a seeded order — ascending `xxh64(id, seed ⊕ source)`, ties
/// by input position — so that the selection is a uniform random sample when the source holds more
/// than its budget. Each document costs its tokens plus EOS (plus BOS when enabled). The document
/// that would pass the budget is cut: it keeps its first `remaining − 1 − bos` tokens and its EOS,
/// so `actual == target` exactly. Phases take from one seeded order in turn, so no document is in
/// two phases; the cut document's rest is not reused. A source that runs dry records a shortfall.
struct BudgetSelector {
    struct SourceOutcome {
        var perPhase: [(target: Int64, actual: Int64, documents: Int, truncated: Bool)]
        var availableDocuments: Int
        var availableTokens: Int64
        var selectedLengths: [UInt32]
    }

    let splits: [(name: String, fraction: Double)]
    let addBOS: Bool

    /// `docs` are (unit, record) in input order; `budgets` are this source's target per phase (0 when absent).
    func select(docs: [(unit: Int32, record: DocRecord)], maxRecords: Int?, budgets: [Int64],
                into selected: inout [SelectedDocument]) -> SourceOutcome {
        var pool = docs
        if let maxRecords, pool.count > maxRecords { pool.removeSubrange(maxRecords...) }
        let extra: Int64 = addBOS ? 2 : 1
        let available = pool.reduce(Int64(0)) { $0 + Int64($1.record.tokenCount) + extra }
        pool.sort { a, b in
            if a.record.orderKey != b.record.orderKey { return a.record.orderKey < b.record.orderKey }
            if a.unit != b.unit { return a.unit < b.unit }
            return a.record.row < b.record.row
        }
        var cursor = 0
        var outcome = SourceOutcome(perPhase: [], availableDocuments: pool.count, availableTokens: available, selectedLengths: [])
        for (phase, target) in budgets.enumerated() {
            var taken: Int64 = 0
            var documents = 0
            var truncated = false
            while taken < target, cursor < pool.count {
                let (unit, rec) = pool[cursor]
                cursor += 1
                let full = Int64(rec.tokenCount) + extra
                let remaining = target - taken
                var content = rec.tokenCount
                var cost = full
                if full > remaining {
                    cost = remaining
                    content = UInt32(max(0, remaining - extra))
                    truncated = true
                }
                selected.append(SelectedDocument(unit: unit, tokenOffset: rec.tokenOffset, contentTokens: content, cost: cost,
                                                 fullTokens: rec.tokenCount, truncated: full > remaining,
                                                 split: splitIndex(rec.splitKey), phase: phase))
                outcome.selectedLengths.append(rec.tokenCount)
                taken += cost
                documents += 1
            }
            outcome.perPhase.append((target, taken, documents, truncated))
        }
        return outcome
    }

    /// The split of a document: its split key mapped to [0, 1) against cumulative fractions of
    /// the splits sorted by name.
    func splitIndex(_ key: UInt64) -> Int {
        let u = StableHash.unitInterval(key)
        var acc = 0.0
        for (i, s) in splits.enumerated() {
            acc += s.fraction
            if u < acc { return i }
        }
        return splits.count - 1
    }
}
