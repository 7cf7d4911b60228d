import TokenMillCore
import TokenMillIO

/// Writes one split's token stream as `.npy` shards of shape `[rows, sequence_length]`.
///
/// The stream's length is known before writing (budgets are exact), so each shard's header is
/// final from its first byte and its SHA-256 is computed while writing. An `.npy` of shape [n, T]
/// in C order is the flat token stream, so packing is only a matter of where shards start.
/// Tail policy for the last `total mod T` tokens: `drop` them, `pad` a last row with `pad_id`, or
/// `keep` them in `SPLIT_tail.npy` (shape `[r]`).
final class ShardSetWriter {
    let directory: String
    let relativePrefix: String
    let phase: String
    let split: String
    let dtype: NpyFormat.DType
    let sequenceLength: Int
    let sequencesPerShard: Int
    let tail: Recipe.TailPolicy
    let padBytes: [UInt8]
    let sourceCount: Int

    let totalTokens: Int64
    let rows: Int
    let tailTokens: Int
    private(set) var shards: [BuildReport.ShardEntry] = []
    private(set) var tokensDropped: Int64 = 0
    private(set) var tokensPadded: Int64 = 0

    private var current: AtomicFileWriter?
    private var currentRows = 0
    private var currentTokens: Int64 = 0
    private var currentCapacity: Int64 = 0
    private var currentSources: [Int64]
    private var rowsStarted = 0
    private var tailWriter: AtomicFileWriter?
    private var tailSources: [Int64]
    private var crashHook: (() -> Void)?
    /// False when `npy` is not among the recipe's outputs: rows are still counted (the split's
    /// report needs them), but no file is written.
    let writesFiles: Bool
    private var isOpen = false

    init(directory: String, relativePrefix: String, phase: String, split: String, dtype: NpyFormat.DType, sequenceLength: Int,
         sequencesPerShard: Int, tail: Recipe.TailPolicy, padID: UInt32, totalTokens: Int64, sourceCount: Int,
         writesFiles: Bool = true, crashHook: (() -> Void)? = nil) {
        self.writesFiles = writesFiles
        self.directory = directory
        self.relativePrefix = relativePrefix
        self.phase = phase
        self.split = split
        self.dtype = dtype
        self.sequenceLength = sequenceLength
        self.sequencesPerShard = sequencesPerShard
        self.tail = tail
        var pad: [UInt8] = []
        TokenEncoding.append([padID], dtype: dtype, to: &pad)
        padBytes = pad
        self.totalTokens = totalTokens
        self.sourceCount = sourceCount
        let full = Int(totalTokens / Int64(sequenceLength))
        let rem = Int(totalTokens % Int64(sequenceLength))
        tailTokens = rem
        rows = tail == .pad && rem > 0 ? full + 1 : full
        currentSources = Array(repeating: 0, count: sourceCount)
        tailSources = Array(repeating: 0, count: sourceCount)
        self.crashHook = crashHook
    }

    var shardCount: Int { (rows + sequencesPerShard - 1) / sequencesPerShard }

    /// Real tokens that go into rows: all of them with `pad`, the full rows' otherwise.
    private var rowTokens: Int64 { tail == .pad ? totalTokens : totalTokens - Int64(tailTokens) }
    private var streamed: Int64 = 0

    /// Appends encoded tokens that belong to `source`.
    func write(_ bytes: [UInt8], source: Int) throws {
        let size = dtype.size
        var offset = 0
        let count = bytes.count / size
        while offset < count {
            if streamed >= rowTokens {
                let rest = count - offset
                try writeTail(Array(bytes[(offset * size)...]), tokens: rest, source: source)
                streamed += Int64(rest)
                return
            }
            if !isOpen { try openShard() }
            let take = min(count - offset, Int(currentCapacity - currentTokens), Int(rowTokens - streamed))
            try bytes.withUnsafeBytes { raw in
                try current?.write(UnsafeRawBufferPointer(rebasing: raw[(offset * size)..<((offset + take) * size)]))
            }
            currentTokens += Int64(take)
            currentSources[source] += Int64(take)
            streamed += Int64(take)
            offset += take
            if currentTokens * 2 >= currentCapacity, let hook = crashHook { hook(); crashHook = nil }
            if currentTokens == currentCapacity { try closeShard(padding: 0) }
        }
    }

    private func writeTail(_ bytes: [UInt8], tokens: Int, source: Int) throws {
        switch tail {
        case .drop:
            tokensDropped += Int64(tokens)
        case .keep:
            guard writesFiles else { return }
            if tailWriter == nil {
                tailWriter = try AtomicFileWriter(path: directory + "/\(split)_tail.npy", hashing: true)
                try tailWriter!.write(NpyFormat.header(dtype: dtype, shape: [tailTokens]))
            }
            try tailWriter!.write(bytes)
            tailSources[source] += Int64(tokens)
        case .pad:
            preconditionFailure("pad tails go into the last row")
        }
    }

    func shardName(_ index: Int) -> String {
        let digits = String(index)
        return split + "_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".npy"
    }

    private func openShard() throws {
        let index = shards.count
        let rowsHere = min(sequencesPerShard, rows - rowsStarted)
        rowsStarted += rowsHere
        currentRows = rowsHere
        currentCapacity = Int64(rowsHere) * Int64(sequenceLength)
        currentTokens = 0
        currentSources = Array(repeating: 0, count: sourceCount)
        isOpen = true
        guard writesFiles else { return }
        let name = shardName(index)
        current = try AtomicFileWriter(path: directory + "/" + name, hashing: true)
        try current!.write(NpyFormat.header(dtype: dtype, shape: [rowsHere, sequenceLength]))
    }

    private func closeShard(padding: Int) throws {
        guard isOpen else { return }
        isOpen = false
        guard let w = current else { return }
        let sha = try w.commit()!
        let name = shardName(shards.count)
        shards.append(BuildReport.ShardEntry(path: relativePrefix + name, phase: phase, split: split,
                                             shape: [currentRows, sequenceLength], sha256: sha, bytes: w.bytesWritten,
                                             sourceTokens: currentSources, paddingTokens: padding))
        current = nil
    }

    /// Pads the last row when asked and commits the open files.
    /// The shards written, the tail file (`tail: keep`) last.
    func finish() throws -> [BuildReport.ShardEntry] {
        if tail == .pad, tailTokens > 0, isOpen {
            let padCount = Int(currentCapacity - currentTokens)
            var pad: [UInt8] = []
            pad.reserveCapacity(padCount * padBytes.count)
            for _ in 0..<padCount { pad.append(contentsOf: padBytes) }
            try current?.write(pad)
            tokensPadded = Int64(padCount)
            currentTokens = currentCapacity
            try closeShard(padding: padCount)
        }
        precondition(!isOpen, "shard stream ended early")
        var all = shards
        if let t = tailWriter {
            let sha = try t.commit()!
            all.append(BuildReport.ShardEntry(path: relativePrefix + "\(split)_tail.npy", phase: phase, split: split,
                                              shape: [tailTokens], sha256: sha, bytes: t.bytesWritten,
                                              sourceTokens: tailSources, paddingTokens: 0))
        }
        return all
    }
}
