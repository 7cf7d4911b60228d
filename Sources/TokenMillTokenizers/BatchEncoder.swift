import Dispatch
import Synchronization

/// Encodes many texts on `jobs` threads, one encoder (with its cache) per thread; results keep
/// the input order, so they do not depend on the thread count.
public enum BatchEncoder {
    public static func encode(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [[UInt32]] {
        var results = [[UInt32]](repeating: [], count: texts.count)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            forEachEncoded(texts, tokenizer: tokenizer, jobs: jobs, bytePath: bytePath) { i, ids in
                out[i] = ids
                ids = []
            }
        }
        return results
    }

    /// The number of tokens of each text, encoding into one reused buffer per thread (no id
    /// arrays are kept: the streaming use, as when a pipeline writes ids straight out).
    public static func count(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [Int] {
        var results = [Int](repeating: 0, count: texts.count)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            forEachEncoded(texts, tokenizer: tokenizer, jobs: jobs, bytePath: bytePath) { i, ids in
                out[i] = ids.count
                ids.removeAll(keepingCapacity: true)
            }
        }
        return results
    }

    /// Encodes every text into a per-thread buffer and hands it to `take(index, &ids)`, which
    /// empties it. Texts are handed out in runs of consecutive texts (about 1/256 of the bytes
    /// per thread each), each thread taking the next run when it is free: a thread that runs
    /// slower — on a shared machine one core often does — gets fewer runs instead of holding up
    /// the others, as a fixed split would.
    static func forEachEncoded(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool,
                               _ take: @Sendable (Int, inout [UInt32]) -> Void) {
        let workers = max(1, min(jobs, texts.count))
        let runs = runStarts(texts.map(\.count), runs: workers == 1 ? 1 : workers * 256)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let encoder = tokenizer.makeEncoder()
            var ids: [UInt32] = []
            ids.reserveCapacity(1 << 16)
            while true {
                let r = next.add(1, ordering: .relaxed).oldValue
                guard r + 1 < runs.count else { return }
                for i in runs[r]..<runs[r + 1] {
                    texts[i].withUnsafeBytes { raw in
                        if bytePath { encoder.encodeBytes(raw, into: &ids) } else { encoder.encode(raw, into: &ids) }
                    }
                    take(i, &ids)
                }
            }
        }
    }

    /// Splits `sizes.count` items into at most about `runs` runs of consecutive items of similar
    /// total size; returns the run starts followed by `sizes.count`.
    static func runStarts(_ sizes: [Int], runs: Int) -> [Int] {
        let total = sizes.reduce(0, +)
        let target = max(1, total / max(1, runs))
        var starts = [0]
        var filled = 0
        for (i, s) in sizes.enumerated() {
            filled += s
            if filled >= target && i + 1 < sizes.count {
                starts.append(i + 1)
                filled = 0
            }
        }
        starts.append(sizes.count)
        return starts
    }
}
