import Foundation
import TokenMillCore
import TokenMillIO

/// The examples of a token cache (`tokenmill encode-manifest`, docs/formats/token-cache.md),
/// memory-mapped: one split, one side or several sides joined.
///
/// The cache is the frozen product of a manifest: a dataset never samples or encodes anything.
public struct TokenCacheDataset: TokenDataset {
    public let directory: String
    public let split: String?
    public let sides: [String]
    /// Ids put between joined sides (e.g. a separator token between source and target).
    public let separator: [UInt32]
    /// The cache's `ENCODE.meta.json`.
    public let meta: JSONValue
    private let files: [(tokens: MappedNpy, offsets: MappedNpy)]
    private let firstRow: Int
    public let count: Int

    /// - Parameters:
    ///   - split: a split of the manifest (`train`), or `nil` for every row.
    ///   - sides: `["text"]`, `["src_text"]`, or `["src_text", "tgt_text"]` joined by `separator`;
    ///     `nil` takes the cache's sides in order.
    public init(directory: String, split: String? = nil, sides: [String]? = nil, separator: [UInt32] = []) throws {
        let metaPath = directory + "/ENCODE.meta.json"
        guard let data = FileManager.default.contents(atPath: metaPath) else {
            throw TokenMillError(.io, "\(metaPath): no token cache here; make one with `tokenmill encode-manifest`")
        }
        meta = try JSONScanner.parse(Array(data))
        guard meta["format"]?.stringValue == "tokenmill-token-cache", meta["format_version"]?.intValue == 1 else {
            throw TokenMillError(.unsupported, "\(metaPath): not a tokenmill-token-cache version 1 file")
        }
        let available = meta["sides"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        let chosen = sides ?? available
        for side in chosen where !available.contains(side) {
            throw TokenMillError(.invalidConfiguration, "\(directory): no side '\(side)' in the cache (it has \(available.joined(separator: ", ")))")
        }
        let rows = Int(meta["manifest"]?["rows"]?.intValue ?? 0)
        if let split {
            guard let s = meta["splits"]?.arrayValue?.first(where: { $0["name"]?.stringValue == split }),
                  let start = s["start"]?.intValue, let n = s["rows"]?.intValue else {
                let names = meta["splits"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                throw TokenMillError(.invalidConfiguration, "\(directory): no split '\(split)' (the manifest has \(names.joined(separator: ", ")))")
            }
            firstRow = Int(start)
            count = Int(n)
        } else {
            firstRow = 0
            count = rows
        }
        files = try chosen.map { side in
            let tokens = try MappedNpy(path: directory + "/\(side).tokens.npy")
            let offsets = try MappedNpy(path: directory + "/\(side).offsets.npy")
            guard offsets.count == rows + 1, offsets[rows] == tokens.count else {
                throw TokenMillError(.integrity, "\(offsets.path): \(offsets.count) offsets ending at \(offsets.count > 0 ? offsets[offsets.count - 1] : 0) for \(rows) rows and \(tokens.count) tokens; the cache is damaged: encode again")
            }
            return (tokens, offsets)
        }
        self.directory = directory
        self.split = split
        self.sides = chosen
        self.separator = separator
    }

    public func length(_ index: Int) -> Int {
        let r = firstRow + index
        return files.reduce(0) { $0 + $1.offsets[r + 1] - $1.offsets[r] } + separator.count * max(0, files.count - 1)
    }

    public func appendIDs(_ index: Int, to ids: inout [UInt32]) {
        precondition(index >= 0 && index < count, "index \(index) out of \(count)")
        let r = firstRow + index
        for (i, f) in files.enumerated() {
            if i > 0 { ids.append(contentsOf: separator) }
            f.tokens.appendIDs(f.offsets[r]..<f.offsets[r + 1], to: &ids)
        }
    }
}
