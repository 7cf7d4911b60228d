import TokenMillCore

/// Builds a double-array trie in the unit layout that sentencepiece's normalizer (and ours, and
/// Hugging Face's `Precompiled` normalizer) reads: 32-bit units; a node's unit holds its label
/// (low 8 bits), a has-leaf flag (bit 8) and the XOR offset to its children's base (bits 10–31);
/// a key's value sits in a leaf unit (bit 31 set) at `base ^ 0` of the node where the key ends.
///
/// The array is a whole number of 256-unit blocks, so a lookup `base ^ byte` never leaves it.
/// No two nodes share a base, and no base has 0xFF as its low byte: a free unit at index `i` is
/// labelled `(i ^ 0xFF) & 0xFF`, which no transition into it can carry.
struct DoubleArrayBuilder {
    private struct Node {
        var label: UInt8
        var children: [Int] = []
        var value: UInt32?
    }

    /// `keys` need not be sorted; values must be below 2^31; keys must not contain a 0 byte.
    static func build(_ keys: [([UInt8], UInt32)]) throws -> [UInt32] {
        var nodes = [Node(label: 0)]
        // Keys in order: each shares a prefix with the one before, so the nodes of that prefix
        // are on `path` (path[d]: the node at depth d) and only the rest is new.
        var path = [0]
        var previous: [UInt8] = []
        for (key, value) in keys.sorted(by: { $0.0.bytesPrecede($1.0) }) {
            guard !key.isEmpty, !key.contains(0), value < (1 << 31) else {
                throw TokenMillError(.invalidConfiguration, "double-array key \(key) or value \(value) out of range")
            }
            var shared = 0
            while shared < min(key.count, previous.count) && key[shared] == previous[shared] { shared += 1 }
            path.removeLast(path.count - 1 - shared)
            for b in key[shared...] {
                nodes.append(Node(label: b))
                nodes[path.last!].children.append(nodes.count - 1)
                path.append(nodes.count - 1)
            }
            nodes[path.last!].value = value
            previous = key
        }

        var units: [UInt32] = []
        var used: [Bool] = []
        var usedBase: [Bool] = []
        // Free units form a doubly linked list (index units.count... is the sentinel -1), so the
        // search for a base visits free units only; blocks far behind the end are closed.
        var next: [Int] = [], prev: [Int] = []
        var head = -1, tail = -1
        func grow(to index: Int) {
            while units.count <= index {
                let start = units.count
                units.append(contentsOf: repeatElement(0, count: 256))
                used.append(contentsOf: repeatElement(false, count: 256))
                usedBase.append(contentsOf: repeatElement(false, count: 256))
                for i in start..<(start + 256) {
                    next.append(-1)
                    prev.append(tail)
                    if tail >= 0 { next[tail] = i } else { head = i }
                    tail = i
                }
            }
        }
        func take(_ i: Int) {
            used[i] = true
            unlink(i)
        }
        func unlink(_ i: Int) {
            let p = prev[i], n = next[i]
            if p >= 0 { next[p] = n } else { head = n }
            if n >= 0 { prev[n] = p } else { tail = p }
        }
        grow(to: 0)
        take(0)
        var position = [Int](repeating: 0, count: nodes.count)  // unit index of each node
        var stack = [0]
        while let n = stack.popLast() {
            var labels = nodes[n].children.map { Int(nodes[$0].label) }
            if nodes[n].value != nil { labels.insert(0, at: 0) }
            if labels.isEmpty { continue }
            // Close blocks more than 16 behind the end: their free units stay free.
            while head >= 0 && head < units.count - 16 * 256 { unlink(head) }
            var slot = head
            var base = 0
            while true {
                if slot < 0 { grow(to: units.count); slot = tail - 255 }
                base = slot ^ labels[0]
                if base & 0xFF != 0xFF && base != 0 && base != position[n] {
                    grow(to: base | 0xFF)
                    if !usedBase[base] && labels.allSatisfy({ !used[base ^ $0] && (base ^ $0) != 0 }) { break }
                }
                slot = next[slot]
            }
            usedBase[base] = true
            let offset = position[n] ^ base
            guard offset < (1 << 21) else { throw TokenMillError(.invalidConfiguration, "double array too large (offset \(offset))") }
            units[position[n]] |= UInt32(offset) << 10
            if let v = nodes[n].value {
                units[position[n]] |= 1 << 8
                units[base] = v | (1 << 31)
                take(base)
            }
            for c in nodes[n].children {
                let i = base ^ Int(nodes[c].label)
                take(i)
                position[c] = i
                units[i] = UInt32(nodes[c].label)
                stack.append(c)
            }
        }
        for i in 0..<units.count where !used[i] { units[i] = UInt32((i ^ 0xFF) & 0xFF) }
        return units
    }
}

extension DoubleArrayBuilder {
    /// Calls `body(end, value)` for every key of `units` (as `build` lays them out) that is a
    /// prefix of `bytes[start...]`, shortest first: one array read per byte.
    @inline(__always)
    static func forEachPrefix(_ units: UnsafeBufferPointer<UInt32>, of bytes: UnsafeRawBufferPointer, from start: Int,
                              _ body: (Int, Int) -> Void) {
        var node = PrecompiledCharsmap.offset(units[0])
        var end = start
        while end < bytes.count {
            let c = Int(bytes[end])
            node ^= c
            let unit = units[node]
            if Int(unit & ((1 << 31) | 0xFF)) != c { return }
            node ^= PrecompiledCharsmap.offset(unit)
            end += 1
            if (unit >> 8) & 1 == 1 { body(end, Int(units[node] & ((1 << 31) - 1))) }
        }
    }
}
