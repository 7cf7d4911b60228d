import Dispatch
import Synchronization

/// Encodes many texts on `jobs` threads, one encoder (with its cache) per thread. Texts are
/// handed out in chunks from a shared counter; results keep the input order.
public enum BatchEncoder {
    public static func encode(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [[UInt32]] {
        var results = [[UInt32]](repeating: [], count: texts.count)
        let chunk = 64
        let next = Atomic<Int>(0)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, (texts.count + chunk - 1) / chunk))) { _ in
                let encoder = tokenizer.makeEncoder()
                while true {
                    let start = next.add(chunk, ordering: .relaxed).oldValue
                    if start >= texts.count { return }
                    for i in start..<min(start + chunk, texts.count) {
                        var ids: [UInt32] = []
                        texts[i].withUnsafeBytes { raw in
                            if bytePath { encoder.encodeBytes(raw, into: &ids) } else { encoder.encode(raw, into: &ids) }
                        }
                        out[i] = ids
                    }
                }
            }
        }
        return results
    }

    /// The number of tokens of each text, encoding into one reused buffer per thread (no id
    /// arrays are kept: the streaming use, as when a pipeline writes ids straight out).
    public static func count(_ texts: [[UInt8]], tokenizer: any Tokenizer, jobs: Int, bytePath: Bool = false) -> [Int] {
        var results = [Int](repeating: 0, count: texts.count)
        let chunk = 64
        let next = Atomic<Int>(0)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, (texts.count + chunk - 1) / chunk))) { _ in
                let encoder = tokenizer.makeEncoder()
                var ids: [UInt32] = []
                ids.reserveCapacity(1 << 16)
                while true {
                    let start = next.add(chunk, ordering: .relaxed).oldValue
                    if start >= texts.count { return }
                    for i in start..<min(start + chunk, texts.count) {
                        ids.removeAll(keepingCapacity: true)
                        texts[i].withUnsafeBytes { raw in
                            if bytePath { encoder.encodeBytes(raw, into: &ids) } else { encoder.encode(raw, into: &ids) }
                        }
                        out[i] = ids.count
                    }
                }
            }
        }
        return results
    }
}
