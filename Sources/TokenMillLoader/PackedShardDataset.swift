import Foundation
import TokenMillCore
import TokenMillIO

/// The rows of a build's packed `.npy` shards (docs/formats/shards.md), memory-mapped: one
/// split (and phase), rows of `sequence_length` tokens in shard order.
///
/// Documents end with the tokenizer's EOS inside the rows, so `documentStarts` finds where
/// each one begins (for attention reset per document) without an extra index file.
public struct PackedShardDataset: TokenDataset {
    public let directory: String
    public let sequenceLength: Int
    public let eosID: UInt32
    private let shards: [MappedNpy]
    /// Row index where each shard starts, plus the total.
    private let starts: [Int]
    public var count: Int { starts.last ?? 0 }

    public init(directory: String, split: String = "train", phase: String? = nil) throws {
        let path = directory + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): no finished build here (manifest.json is written last); run `tokenmill build` first")
        }
        let manifest = try JSONScanner.parse(Array(data))
        guard let T = manifest["sequence_length"]?.intValue, let eos = manifest["tokenizer"]?["eos_id"]?.intValue else {
            throw TokenMillError(.corruptInput, "\(path): lacks sequence_length or tokenizer.eos_id")
        }
        let entries = (manifest["shards"]?.arrayValue ?? []).filter {
            $0["split"]?.stringValue == split && $0["kind"]?.stringValue == "sequences" && (phase == nil || $0["phase"]?.stringValue == phase)
        }
        guard !entries.isEmpty else {
            throw TokenMillError(.invalidConfiguration, "\(directory): no \(split) shards\(phase.map { " in phase \($0)" } ?? "")")
        }
        var shards: [MappedNpy] = []
        var starts = [0]
        for e in entries {
            let shard = try MappedNpy(path: directory + "/" + (e["path"]?.stringValue ?? ""))
            guard shard.header.shape.count == 2, shard.header.shape[1] == Int(T) else {
                throw TokenMillError(.integrity, "\(shard.path): shape \(shard.header.shape), expected (rows, \(T))")
            }
            shards.append(shard)
            starts.append(starts.last! + shard.header.shape[0])
        }
        self.directory = directory
        sequenceLength = Int(T)
        eosID = UInt32(eos)
        self.shards = shards
        self.starts = starts
    }

    public func length(_ index: Int) -> Int { sequenceLength }

    private func locate(_ index: Int) -> (MappedNpy, Int) {
        precondition(index >= 0 && index < count, "index \(index) out of \(count)")
        var lo = 0, hi = shards.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (shards[lo], (index - starts[lo]) * sequenceLength)
    }

    public func appendIDs(_ index: Int, to ids: inout [UInt32]) {
        let (shard, offset) = locate(index)
        shard.appendIDs(offset..<(offset + sequenceLength), to: &ids)
    }

    /// 0, and every position right after an EOS (a row may start mid-document).
    public func documentStarts(_ index: Int) -> [Int] {
        let (shard, offset) = locate(index)
        var out = [0]
        for p in 0..<(sequenceLength - 1) where shard[offset + p] == Int(eosID) { out.append(p + 1) }
        return out
    }
}
