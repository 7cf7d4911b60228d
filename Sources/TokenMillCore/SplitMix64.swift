/// SplitMix64 (Steele, Lea, Flood 2014): the seeded PRNG of TokenMill.
///
/// Small, fast and fully specified, so every seeded decision is reproducible across platforms.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }
}

extension SplitMix64 {
    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, so without the
    /// modulo bias). Spelled out here, not taken from the standard library, whose algorithm for
    /// `random(in:using:)` is not part of its contract: seeded results must not change with Swift.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "next(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// A uniform double in `(0, 1]`: 53 random bits, never zero (safe under `log`).
    public mutating func nextOpenUnit() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// Fisher–Yates shuffle of `elements` in place.
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = Int(next(below: UInt64(i + 1)))
            if i != j { elements.swapAt(i, j) }
        }
    }
}
