import Testing
@testable import TokenMillCore

/// Reservoir sampling is checked as statistics over many seeded runs (fixed seeds, so the test
/// is deterministic), against the exact inclusion probabilities.
@Suite struct ReservoirTests {
    /// Chi-square critical value for `df` degrees of freedom at upper-tail probability `p`
    /// (Wilson–Hilferty; `z` is the standard normal quantile of `1 - p`).
    static func chiSquareCritical(df: Double, z: Double) -> Double {
        let a = 2 / (9 * df)
        let t = 1 - a + z * a.squareRoot()
        return df * t * t * t
    }

    @Test func algorithmRIncludesEveryItemWithProbabilityKOverN() {
        let n = 1000, k = 120, runs = 20_000
        var counts = [Int](repeating: 0, count: n)
        for run in 0..<runs {
            var reservoir = UniformReservoir<Int>(capacity: k, seed: SplitMix64.mix(42 &+ UInt64(run) &* 0x9E37_79B9_7F4A_7C15))
            for i in 0..<n { reservoir.offer(i) }
            #expect(reservoir.entries.count == k)
            for e in reservoir.entries { counts[e.element] += 1 }
        }
        let frequencies = counts.map { Double($0) / Double(runs) }
        #expect(frequencies.allSatisfy { abs($0 - 0.12) <= 0.01 }, "min \(frequencies.min()!), max \(frequencies.max()!)")
        let expected = Double(runs * k) / Double(n)
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        let critical = Self.chiSquareCritical(df: Double(n - 1), z: 3.090232)  // p = 0.001
        #expect(chi2 < critical, "chi-square \(chi2) ≥ \(critical): uniformity rejected at p = 0.001")
        // A biased sampler must fail the same test: drop item 0 from every 20th run.
        var biased = counts
        biased[0] -= runs / 20 * k / n * 10
        let chi2Biased = biased.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2Biased > chi2)
    }

    @Test func algorithmRKeepsEverythingWhenTheStreamIsShort() {
        var reservoir = UniformReservoir<Int>(capacity: 10, seed: 1)
        for i in 0..<7 { reservoir.offer(i) }
        #expect(reservoir.sortedByIndex().map(\.element) == Array(0..<7))
    }

    @Test func sameSeedSameSampleOtherSeedOtherSample() {
        func sample(_ seed: UInt64) -> [Int] {
            var r = UniformReservoir<Int>(capacity: 50, seed: seed)
            for i in 0..<10_000 { r.offer(i) }
            return r.sortedByIndex().map(\.element)
        }
        #expect(sample(7) == sample(7))
        #expect(sample(7) != sample(8))
    }

    /// With k = 1, A-ES picks item i with probability w_i / Σw.
    @Test func aesWithOneSlotPicksProportionallyToWeight() {
        let weights: [Double] = [1, 1, 2, 4, 8, 16, 32, 0]
        let total = weights.reduce(0, +), runs = 40_000
        var counts = [Int](repeating: 0, count: weights.count)
        for run in 0..<runs {
            var r = WeightedReservoir<Int>(capacity: 1, seed: SplitMix64.mix(9 &+ UInt64(run) &* 0x9E37_79B9_7F4A_7C15))
            for (i, w) in weights.enumerated() { r.offer(i, weight: w) }
            counts[r.entries[0].element] += 1
        }
        #expect(counts[7] == 0, "a zero weight is never drawn")
        var chi2 = 0.0
        for i in 0..<7 {
            let expected = Double(runs) * weights[i] / total
            chi2 += (Double(counts[i]) - expected) * (Double(counts[i]) - expected) / expected
        }
        #expect(chi2 < Self.chiSquareCritical(df: 6, z: 3.090232), "counts \(counts)")
    }

    /// With k = 2 of 4 items, inclusion equals successive sampling without replacement:
    /// P(i) = w_i/W + Σ_{j≠i} (w_j/W)·(w_i/(W − w_j)).
    @Test func aesInclusionFollowsSuccessiveSamplingWithASkewedWeighting() {
        let weights: [Double] = [1, 2, 3, 10]
        let total = weights.reduce(0, +), runs = 40_000
        var counts = [Int](repeating: 0, count: weights.count)
        for run in 0..<runs {
            var r = WeightedReservoir<Int>(capacity: 2, seed: SplitMix64.mix(11 &+ UInt64(run) &* 0x9E37_79B9_7F4A_7C15))
            for (i, w) in weights.enumerated() { r.offer(i, weight: w) }
            for e in r.entries { counts[e.element] += 1 }
        }
        for i in weights.indices {
            var p = weights[i] / total
            for j in weights.indices where j != i { p += weights[j] / total * weights[i] / (total - weights[j]) }
            let observed = Double(counts[i]) / Double(runs)
            let sigma = (p * (1 - p) / Double(runs)).squareRoot()
            #expect(abs(observed - p) < 4 * sigma, "item \(i): \(observed) vs exact \(p)")
        }
        // The uniform sampler would include each item with 0.5: the weighting must show.
        #expect(counts[3] > counts[0] * 3)
    }

    @Test func boundedRandomStaysInRangeAndShuffleIsAPermutation() {
        var rng = SplitMix64(seed: 3)
        var hits = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { hits[Int(rng.next(below: 7))] += 1 }
        #expect(hits.allSatisfy { abs($0 - 10_000) < 500 })
        var a = Array(0..<100)
        rng.shuffle(&a)
        #expect(a.sorted() == Array(0..<100))
        #expect(a != Array(0..<100))
    }
}
