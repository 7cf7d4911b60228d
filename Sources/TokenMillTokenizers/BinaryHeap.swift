/// An element of a `BinaryHeap`: `before(a, b)` is true when `a` must be popped before `b`.
protocol HeapElement {
    static func before(_ a: Self, _ b: Self) -> Bool
}

/// A binary heap over an array; the order comes from the element type (specialized per type, so
/// the comparison inlines). Used by BPE encoding, BPE training and SentencePiece's BPE.
struct BinaryHeap<T: HeapElement> {
    private var items: [T] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ item: T) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !T.before(items[i], items[p]) { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> T? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && T.before(items[l], items[m]) { m = l }
                if r < items.count && T.before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
