#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reservoir sampling: `k` items from a stream of unknown length, in one pass and `O(k)` memory.
///
/// Both samplers draw from a `SplitMix64` seeded by the caller and consume the same random
/// numbers for the same stream, so a seed always picks the same items. Each kept item carries
/// its position in the stream (`Entry.index`); `sortedByIndex()` gives them in input order,
/// which does not depend on how the reservoir was filled.

/// Algorithm R (Vitter 1985): every item of the stream ends up in the sample with probability
/// `k / n`. The first `k` items fill the reservoir; item `i` (0-based) then replaces a uniformly
/// chosen slot with probability `k / (i + 1)`: one random number per item after the first `k`.
public struct UniformReservoir<Element> {
    public struct Entry { public var index: Int; public var element: Element }
    public let capacity: Int
    public private(set) var entries: [Entry] = []
    /// Items offered so far.
    public private(set) var seen = 0
    private var rng: SplitMix64

    public init(capacity: Int, seed: UInt64) {
        precondition(capacity >= 0)
        self.capacity = capacity
        rng = SplitMix64(seed: seed)
        entries.reserveCapacity(min(capacity, 1 << 20))
    }

    public mutating func offer(_ element: Element) {
        defer { seen += 1 }
        if entries.count < capacity {
            entries.append(Entry(index: seen, element: element))
            return
        }
        guard capacity > 0 else { return }
        let slot = rng.next(below: UInt64(seen + 1))
        if slot < UInt64(capacity) { entries[Int(slot)] = Entry(index: seen, element: element) }
    }

    /// The sample in stream order.
    public func sortedByIndex() -> [Entry] { entries.sorted { $0.index < $1.index } }
}

/// A-ES (Efraimidis & Spirakis 2006): weighted sampling without replacement. Item `i` with
/// weight `w > 0` gets the key `u^(1/w)` (`u` uniform in (0, 1]); the `k` largest keys are kept.
/// The result is distributed as `k` successive draws, each item drawn with probability
/// proportional to its weight among those not yet drawn. Keys are compared as `log(u) / w`,
/// which orders the same and does not underflow for large weights. Items of weight `≤ 0` (or
/// not finite) are never kept and draw no random number.
public struct WeightedReservoir<Element> {
    public struct Entry { public var index: Int; public var key: Double; public var element: Element }
    public let capacity: Int
    /// A min-heap on `key` (ties: the later item is smaller, so the earlier one stays).
    public private(set) var entries: [Entry] = []
    public private(set) var seen = 0
    private var rng: SplitMix64

    public init(capacity: Int, seed: UInt64) {
        precondition(capacity >= 0)
        self.capacity = capacity
        rng = SplitMix64(seed: seed)
        entries.reserveCapacity(min(capacity, 1 << 20))
    }

    public mutating func offer(_ element: Element, weight: Double) {
        defer { seen += 1 }
        guard weight > 0, weight.isFinite, capacity > 0 else { return }
        let key = log(rng.nextOpenUnit()) / weight
        let entry = Entry(index: seen, key: key, element: element)
        if entries.count < capacity {
            entries.append(entry)
            siftUp(entries.count - 1)
        } else if Self.less(entries[0], entry) {
            entries[0] = entry
            siftDown(0)
        }
    }

    /// The sample in stream order.
    public func sortedByIndex() -> [Entry] { entries.sorted { $0.index < $1.index } }

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.key < b.key || (a.key == b.key && a.index > b.index)
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(entries[i], entries[parent]) else { return }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < entries.count && Self.less(entries[l], entries[m]) { m = l }
            if r < entries.count && Self.less(entries[r], entries[m]) { m = r }
            if m == i { return }
            entries.swapAt(i, m)
            i = m
        }
    }
}
