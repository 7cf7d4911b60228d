import TokenMillCore

/// One source's share of a budget as written: a weight, a token target, or both.
struct BudgetEntry {
    var name: String
    var weight: Double?
    var targetTokens: Int64?
    var path: String

    init(node: ConfigNode, name: String) throws {
        self.name = name
        path = node.path
        weight = try node.child("weight").map { try $0.double() }
        targetTokens = try node.child("target_tokens").map { try $0.int() }
        if let w = weight, !(w > 0 && w <= 1) { throw node.child("weight")!.error("must be in (0, 1], got \(w)") }
        if let t = targetTokens, t < 1 { throw node.child("target_tokens")!.error("must be positive, got \(t)") }
    }

    init(name: String, weight: Double?, targetTokens: Int64?, path: String) {
        self.name = name
        self.weight = weight
        self.targetTokens = targetTokens
        self.path = path
    }
}

/// Turns weights and targets into exact per-source token targets.
///
/// Rules (docs/recipe.md): `target_tokens` is exact and wins when only it is given; a source with
/// only `weight` gets `weight × target_total_tokens`, rounded so that the targets sum to the total
/// exactly (largest remainder); a source with both must agree within ±0.005; without
/// `target_total_tokens` the total is the sum of the targets, and every source needs one.
enum BudgetResolver {
    static func resolve(_ entries: [BudgetEntry], total: Int64?, totalPath: String, listPath: String) throws
        -> (total: Int64, allocations: [PhaseSpec.Allocation])
    {
        for e in entries where e.weight == nil && e.targetTokens == nil {
            throw TokenMillError(.invalidConfiguration, "\(e.path): give 'weight' or 'target_tokens'")
        }
        let fixed = entries.compactMap(\.targetTokens).reduce(0, +)
        let resolvedTotal: Int64
        if let total {
            resolvedTotal = total
        } else {
            if let e = entries.first(where: { $0.targetTokens == nil }) {
                throw TokenMillError(.invalidConfiguration, "\(e.path).weight: a weight alone needs \(totalPath) to turn it into tokens; add \(totalPath) or give target_tokens")
            }
            resolvedTotal = fixed
        }
        for e in entries {
            if let w = e.weight, let t = e.targetTokens {
                let implied = Double(t) / Double(resolvedTotal)
                if abs(w - implied) > RecipeLoader.weightTolerance {
                    throw TokenMillError(.invalidConfiguration, "\(e.path).weight \(format(w)) disagrees with target_tokens/target_total_tokens = \(t)/\(resolvedTotal) = \(format(implied, digits: 2)); fix one of them (tolerance ±\(RecipeLoader.weightTolerance))")
                }
            }
        }
        if fixed > resolvedTotal {
            throw TokenMillError(.invalidConfiguration, "\(listPath): target_tokens sum to \(fixed), more than \(totalPath) = \(resolvedTotal)")
        }
        // Weight-only entries share what the targets leave, in proportion to their weights.
        let floating = entries.enumerated().filter { $0.element.targetTokens == nil }
        var targets = entries.map { $0.targetTokens ?? 0 }
        if !floating.isEmpty {
            let remaining = resolvedTotal - fixed
            let weightSum = floating.reduce(0.0) { $0 + $1.element.weight! }
            let allWeights = entries.reduce(0.0) { $0 + ($1.weight ?? Double($1.targetTokens!) / Double(resolvedTotal)) }
            if abs(allWeights - 1) > RecipeLoader.weightTolerance {
                throw TokenMillError(.invalidConfiguration, "\(listPath): weights sum to \(format(allWeights)), expected 1 (±\(RecipeLoader.weightTolerance))")
            }
            var shares = floating.map { (index: $0.offset, exact: Double(remaining) * $0.element.weight! / weightSum) }
            var assigned: Int64 = 0
            for s in shares { targets[s.index] = Int64(s.exact.rounded(.down)); assigned += targets[s.index] }
            shares.sort { ($0.exact - $0.exact.rounded(.down), -$0.index) > ($1.exact - $1.exact.rounded(.down), -$1.index) }
            var k = 0
            while assigned < remaining { targets[shares[k % shares.count].index] += 1; assigned += 1; k += 1 }
        } else if fixed != resolvedTotal {
            throw TokenMillError(.invalidConfiguration, "\(listPath): target_tokens sum to \(fixed) but \(totalPath) is \(resolvedTotal); make them agree or give a source only a weight")
        }
        for (i, t) in targets.enumerated() where t < 1 {
            throw TokenMillError(.invalidConfiguration, "\(entries[i].path): its share rounds to 0 tokens")
        }
        let allocations = entries.enumerated().map {
            PhaseSpec.Allocation(source: $0.element.name, targetTokens: targets[$0.offset],
                                 weight: Double(targets[$0.offset]) / Double(resolvedTotal))
        }
        return (resolvedTotal, allocations)
    }

    static func format(_ d: Double, digits: Int = 4) -> String {
        var s = String(format: "%.\(digits)f", d)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

import Foundation
