import TokenMillCore
import Foundation

/// `META_DATA_CARD.md`: a human summary of the build — composition, budget efficiency, the
/// filter funnel and the two charts.
enum DataCard {
    static func markdown(_ r: BuildReport) -> String {
        let target = r.recipe.targetTotalTokens
        let actual = r.sources.reduce(Int64(0)) { $0 + $1.actual }
        var md = "# Data card: \(r.recipe.name)\n\n"
        md += "Built by tokenmill \(TokenMillVersion.string) from recipe `\(r.recipeSHA.prefix(12))…` with the `\(r.tokenizer.name)` tokenizer "
        md += "(vocabulary \(r.tokenizer.vocabularySize), EOS id \(r.tokenizer.eosID)), seed \(r.recipe.seed), "
        md += "sequence length \(r.recipe.sequenceLength), shards in `.npy` (\(r.dtype.name)).\n\n"
        md += "Budgets count every document's tokens plus its EOS\(r.recipe.addBOS ? " and BOS" : ""). "
        md += "Documents are taken in a seeded order; the last one of each source is cut so that the count is exact.\n\n"
        md += "## Composition\n\n"
        md += "| source | target tokens | actual tokens | weight target | weight actual | documents | last cut | shortfall |\n"
        md += "|---|---:|---:|---:|---:|---:|:---:|---:|\n"
        for s in r.sources {
            md += "| \(s.name) | \(s.target) | \(s.actual) | \(pct(Double(s.target), Double(target))) | \(pct(Double(s.actual), Double(actual))) | \(s.documents) | \(s.truncatedLast ? "yes" : "no") | \(s.shortfall) |\n"
        }
        md += "| **total** | \(target) | \(actual) | 100% | 100% | \(r.sources.reduce(0) { $0 + $1.documents }) | | \(target - actual) |\n\n"
        let eff = target > 0 ? Double(actual) / Double(target) : 0
        md += "**Budget efficiency:** \(actual) / \(target) = \(String(format: "%.6f", eff)) (\(String(format: "%.4f", eff * 100))%).\n\n"
        md += "## Splits\n\n| phase | split | documents | tokens | sequences | written | dropped | padded |\n|---|---|---:|---:|---:|---:|---:|---:|\n"
        for s in r.splits {
            md += "| \(s.phase) | \(s.name) | \(s.documents) | \(s.tokens) | \(s.sequences) | \(s.tokensWritten) | \(s.tokensDropped) | \(s.tokensPadded) |\n"
        }
        md += "\n![Token composition per split](split_composition.svg)\n\n"
        md += "## Filter funnel\n\n| source | records read | reader drops | documents read | filter drops | available | selected |\n|---|---:|---|---:|---|---:|---:|\n"
        for s in r.sources {
            md += "| \(s.name) | \(s.read.records) | \(reasons(s.read.drops.counts)) | \(s.read.documents) | \(reasons(s.filtered.counts)) | \(s.availableDocuments) | \(s.documents) |\n"
        }
        let curated = r.sources.filter { $0.stages.count > 2 }  // more than the built-in filter and the tokenizer
        if !curated.isEmpty {
            md += "\nBy stage:\n\n| source | stage | in | kept | dropped | dropped bytes |\n|---|---|---:|---:|---|---:|\n"
            for s in curated {
                for case .object(let row) in MetaStats.stageFunnel(s) {
                    let v = Dictionary(uniqueKeysWithValues: row)
                    md += "| \(s.name) | \(v["stage"]?.stringValue ?? "") | \(v["in"]?.intValue ?? 0) | \(v["kept"]?.intValue ?? 0) | "
                        + "\(reasons(ReasonCounts(json: v["dropped"]).counts)) | \(v["dropped_bytes"]?.intValue ?? 0) |\n"
                }
            }
        }
        let repaired = r.sources.filter { $0.read.repairs.total > 0 }
        if !repaired.isEmpty {
            md += "\nRepairs (documents kept with U+FFFD): " + repaired.map { "\($0.name): \(reasons($0.read.repairs.counts))" }.joined(separator: "; ") + ".\n"
        }
        let errors = r.sources.flatMap(\.read.errors)
        if !errors.isEmpty { md += "\nInput errors (files stopped early, documents before kept):\n\n" + errors.map { "- \($0)\n" }.joined() }
        md += "\n![Document length per source](doc_length_histogram.svg)\n\n"
        md += "## Shards\n\n\(r.shards.count) files; see `manifest.json` for their SHA-256 and `tokenmill verify` to check them.\n"
        return md
    }

    static func pct(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2f%%", 100 * a / b) : "–" }

    static func reasons(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "–" : counts.keys.sorted().map { "\($0): \(counts[$0]!)" }.joined(separator: ", ")
    }
}
