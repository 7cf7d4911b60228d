import Dispatch

/// Encodes many texts on `jobs` threads, one encoder (with its cache) per thread; results keep
/// the input order.
public enum BatchEncoder {
    public static func encode(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [[UInt32]] {
        var results = [[UInt32]](repeating: [], count: texts.count)
        let workers = max(1, min(jobs, texts.count))
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            // Texts are dealt round-robin: balanced for many texts, and no shared counter.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let encoder = tokenizer.makeEncoder()
                var i = w
                while i < texts.count {
                    var ids: [UInt32] = []
                    texts[i].withUnsafeBytes { raw in
                        if bytePath { encoder.encodeBytes(raw, into: &ids) } else { encoder.encode(raw, into: &ids) }
                    }
                    out[i] = ids
                    i += workers
                }
            }
        }
        return results
    }

    /// The number of tokens of each text, encoding into one reused buffer per thread (no id
    /// arrays are kept: the streaming use, as when a pipeline writes ids straight out).
    public static func count(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [Int] {
        var results = [Int](repeating: 0, count: texts.count)
        let workers = max(1, min(jobs, texts.count))
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            // Texts are dealt round-robin: balanced for many texts, and no shared counter.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let encoder = tokenizer.makeEncoder()
                var ids: [UInt32] = []
                ids.reserveCapacity(1 << 16)
                var i = w
                while i < texts.count {
                    ids.removeAll(keepingCapacity: true)
                    texts[i].withUnsafeBytes { raw in
                        if bytePath { encoder.encodeBytes(raw, into: &ids) } else { encoder.encode(raw, into: &ids) }
                    }
                    out[i] = ids.count
                    i += workers
                }
            }
        }
        return results
    }
}
