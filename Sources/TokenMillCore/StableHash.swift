import CXXHash

/// Stable, seedable hashes for anything that is persisted or decides an output (document order,
/// splits, dedup keys). Never `Hasher`, whose seed changes per process.
///
/// xxh64 is specified and frozen (XXH64 spec v0.1), so these values are the same on every machine
/// and in every version of TokenMill.
public enum StableHash {
    /// xxh64 of `bytes` with `seed`.
    @inlinable
    public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        XXH64(bytes.baseAddress, bytes.count, seed)
    }

    public static func xxh64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { XXH64($0.baseAddress, $0.count, seed) }
    }

    public static func xxh64(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var s = string
        return s.withUTF8 { XXH64($0.baseAddress, $0.count, seed) }
    }

    /// Mixes two 64-bit values into one (SplitMix64's finalizer over a combination); used to derive
    /// sub-seeds such as `seed ⊕ source name`.
    @inlinable
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        SplitMix64.mix(a &+ 0x9E37_79B9_7F4A_7C15 &* (b | 1) ^ (b >> 7))
    }

    /// Maps a 64-bit hash to a double in [0, 1) using its top 53 bits.
    @inlinable
    public static func unitInterval(_ h: UInt64) -> Double {
        Double(h >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}
