import Foundation
import TokenMillCore
import TokenMillIO

/// The output folder of `tokenmill render-qa`, an imagefolder that Hugging Face `datasets`
/// loads with one call (docs/formats/qa-dataset.md):
///
///     OUT/README.md                        dataset card; YAML `configs` + `dataset_info.features`
///     OUT/data/shard-00000/metadata.jsonl  one record per line, `file_name` → its page
///     OUT/data/shard-00000/images/00000.png
///     OUT/progress.json                    next shard id, samples, shards (atomic)
///
/// A shard is written in `shard-NNNNN.tmp/` and renamed when complete, then `progress.json` is
/// replaced. On start the finished shards on disk are the truth: their keys are read back
/// (a shard renamed just before a kill counts), `*.tmp` leftovers are removed, and the next
/// shard id is above every id ever used, so ids never restart at 0.
public final class QADatasetStore {
    public let directory: String
    public private(set) var doneKeys: Set<String> = []
    public private(set) var nextShard = 0
    public private(set) var shards: [(id: Int, samples: Int)] = []
    /// The resolution every page of the dataset has.
    public let resolution: Resolution

    /// Opens (or starts) the dataset in `directory`. A dataset holds one resolution: opening one
    /// made at another fails, naming both.
    public init(directory: String, resolution: Resolution) throws {
        self.directory = directory
        self.resolution = resolution
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        if let data = fm.contents(atPath: directory + "/progress.json"), let p = try? JSONScanner.parse(Array(data)) {
            nextShard = Int(p["next_shard"]?.intValue ?? 0)
            if let made = p["resolution"]?.stringValue, made != resolution.rawValue {
                throw TokenMillError(.invalidConfiguration, "\(directory): its pages were rendered at \(made); run with --resolution \(made), or write to another folder")
            }
        }
        for name in try fm.contentsOfDirectory(atPath: directory + "/data").sorted() {
            if name.hasSuffix(".tmp") { try fm.removeItem(atPath: directory + "/data/" + name); continue }
            guard name.hasPrefix("shard-"), let id = Int(name.dropFirst(6)) else { continue }
            let keys = try Self.keys(in: directory + "/data/" + name + "/metadata.jsonl")
            doneKeys.formUnion(keys)
            shards.append((id, keys.count))
            nextShard = max(nextShard, id + 1)
        }
    }

    /// The `(source, original_id)` keys of a finished shard.
    static func keys(in metadata: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: metadata) else {
            throw TokenMillError(.integrity, "\(metadata): a finished shard without metadata.jsonl; remove its folder and run again")
        }
        var keys: [String] = []
        for (n, line) in data.split(separator: 0x0A).enumerated() {
            let v = try? JSONScanner.parse(Array(line))
            guard let source = v?["metadata"]?["source"]?.stringValue, let id = v?["metadata"]?["original_id"]?.stringValue else {
                throw TokenMillError(.integrity, "\(metadata):\(n + 1): no metadata.source / metadata.original_id")
            }
            keys.append(source + "\u{1F}" + id)
        }
        return keys
    }

    /// Writes `records` as the next shard. Their keys count as done only once the shard is
    /// renamed into place; a failure leaves no trace but a `.tmp` folder.
    public func write(_ records: [QARecord]) throws {
        guard !records.isEmpty else { return }
        let fm = FileManager.default
        let id = nextShard
        let name = String(format: "shard-%05d", id)
        let tmp = directory + "/data/" + name + ".tmp"
        if fm.fileExists(atPath: tmp) { try fm.removeItem(atPath: tmp) }
        try fm.createDirectory(atPath: tmp + "/images", withIntermediateDirectories: true)
        var lines = ""
        for r in records {
            guard case .string(let file)? = r.json.first(where: { $0.0 == "file_name" })?.1 else { preconditionFailure("record without file_name") }
            try Data(r.page.png).write(to: URL(fileURLWithPath: tmp + "/" + file))
            lines += JSONValue.object(r.json).serialized(pretty: false, trailingNewline: false) + "\n"
        }
        try AtomicFileWriter.write(lines, to: tmp + "/metadata.jsonl")
        try fm.moveItem(atPath: tmp, toPath: directory + "/data/" + name)
        nextShard = id + 1
        shards.append((id, records.count))
        for r in records { doneKeys.insert(r.key) }
        try writeProgress()
    }

    func writeProgress() throws {
        let p: JSONValue = .object([
            ("format", .string("tokenmill-qa-progress")), ("format_version", .int(1)),
            ("resolution", .string(resolution.rawValue)),
            ("next_shard", .int(Int64(nextShard))),
            ("samples", .int(Int64(doneKeys.count))),
            ("shards", .array(shards.sorted { $0.id < $1.id }.map { .object([("id", .int(Int64($0.id))), ("samples", .int(Int64($0.samples)))]) })),
        ])
        try AtomicFileWriter.write(p.serialized(), to: directory + "/progress.json")
    }
}
