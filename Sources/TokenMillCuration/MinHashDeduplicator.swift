#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokenMillCore
import TokenMillIO

extension DropReason {
    public static let nearDuplicate = DropReason("near_duplicate")
}

/// A persistent MinHash index (`--index DIR`): the band keys of every document it holds, sorted
/// per band (`band_000.bin` …), their ids (`ids.jsonl`, one JSON string a line, in document
/// order) and the settings they were made with (`index.json`). New documents are deduplicated
/// against it; it then grows by the new survivors unless it is read-only (decontamination).
public struct MinHashIndex {
    public let directory: String
    public let config: MinHashConfig
    public let documents: Int

    public static func open(_ directory: String) throws -> MinHashIndex? {
        let meta = directory + "/index.json"
        guard access(meta, F_OK) == 0 else { return nil }
        let v = try JSONScanner.parse(try readAllBytes(meta))
        guard v["format"]?.stringValue == "tokenmill-minhash-index", v["version"]?.intValue == 1,
              let docs = v["documents"]?.intValue, let bands = v["bands"]?.intValue, let rows = v["rows"]?.intValue,
              let kind = v["shingles"]?.stringValue, let n = v["n"]?.intValue, let seed = v["seed"]?.stringValue.flatMap({ UInt64($0) }) else {
            throw TokenMillError(.corruptInput, "\(meta): not a TokenMill MinHash index (version 1); rebuild it with tokenmill dedup --minhash … --index")
        }
        let shingles: MinHashConfig.Shingles = kind == "words" ? .words(Int(n)) : .characters(Int(n))
        return MinHashIndex(directory: directory, config: MinHashConfig(shingles: shingles, bands: Int(bands), rows: Int(rows), seed: seed),
                            documents: Int(docs))
    }

    public var bandFiles: [String?] { (0..<config.bands).map { directory + "/" + LSHBuckets.bandFile($0) } }

    /// The ids of the wanted documents.
    public func ids(_ wanted: Set<Int>) throws -> [Int: String] {
        guard !wanted.isEmpty else { return [:] }
        var out: [Int: String] = [:]
        for (i, line) in try readAllBytes(directory + "/ids.jsonl").split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            where wanted.contains(i) {
            out[i] = try JSONScanner.parse(Array(line)).stringValue ?? ""
        }
        return out
    }

    static func writeMeta(_ directory: String, config: MinHashConfig, documents: Int) throws {
        let (kind, n): (String, Int) = switch config.shingles {
        case .words(let n): ("words", n)
        case .characters(let n): ("characters", n)
        }
        let v = JSONValue.object([("format", .string("tokenmill-minhash-index")), ("version", .int(1)),
                                  ("documents", .int(Int64(documents))), ("shingles", .string(kind)), ("n", .int(Int64(n))),
                                  ("bands", .int(Int64(config.bands))), ("rows", .int(Int64(config.rows))),
                                  ("seed", .string(String(config.seed)))])
        try AtomicFileWriter.write(Array(v.serialized(pretty: true, trailingNewline: true).utf8), to: directory + "/index.json")
    }
}

/// Near-duplicate removal: band keys in, one survivor per cluster out. Documents are numbered
/// in input order after an index's documents; every cluster's survivor is its smallest number,
/// i.e. an indexed document, else the first in input order.
public final class MinHashDeduplicator {
    public let config: MinHashConfig
    public let index: MinHashIndex?
    private let buckets: LSHBuckets
    private var shingleSets: [Int: [UInt64]] = [:]
    public private(set) var added = 0
    public private(set) var candidatePairs = 0
    public private(set) var rejectedByJaccard = 0

    public init(config: MinHashConfig, workDirectory: String, maxBufferedEntries: Int = 1 << 24, index: MinHashIndex? = nil) throws {
        if let index, index.config.shingles != config.shingles || index.config.bands != config.bands
            || index.config.rows != config.rows || index.config.seed != config.seed {
            throw TokenMillError(.invalidConfiguration, "the index in \(index.directory) was built with other MinHash settings "
                                 + "(\(index.config.shingles), \(index.config.bands)×\(index.config.rows), seed \(index.config.seed)); use the same preset or another --index folder")
        }
        self.config = config
        self.index = index
        buckets = LSHBuckets(bands: config.bands, spillDirectory: workDirectory, maxBufferedEntries: maxBufferedEntries)
    }

    public var indexed: Int { index?.documents ?? 0 }

    /// Adds the next document: its band keys (nil: too short to have shingles, never a
    /// candidate) and, for the Jaccard check, its shingle set.
    public func add(keys: [UInt64]?, shingles: [UInt64]? = nil) throws {
        let doc = indexed + added
        added += 1
        guard let keys else { return }
        try buckets.add(doc: UInt32(doc), keys: keys)
        if config.verifyJaccard != nil, let shingles { shingleSets[doc] = shingles }
    }

    /// The survivor (its number) of every new document, in input order.
    public func finish() throws -> [UInt32] {
        var uf = UnionFind(count: indexed + added)
        try buckets.forEachGroup(extra: index?.bandFiles ?? []) { group in
            let first = group[0]
            for d in group.dropFirst() {
                candidatePairs += 1
                if let t = config.verifyJaccard, let a = shingleSets[Int(first)], let b = shingleSets[Int(d)], Self.jaccard(a, b) < t {
                    rejectedByJaccard += 1
                    continue
                }
                uf.union(first, d)
            }
        }
        return (0..<added).map { uf.find(UInt32(indexed + $0)) }
    }

    /// Writes the index: the old one's documents plus the new survivors (`ids` of the new
    /// documents, in input order).
    public func saveIndex(to directory: String, roots: [UInt32], ids: [String]) throws {
        for d in [directory, directory + "/.new"] where mkdir(d, 0o755) != 0 && errno != EEXIST {
            throw TokenMillError(.io, "cannot create \(d): errno \(errno)")
        }
        let old = indexed
        var numbering = [UInt32](repeating: .max, count: added)  // new document → its number in the new index
        var next = UInt32(old)
        for (i, r) in roots.enumerated() where r == UInt32(old + i) { numbering[i] = next; next += 1 }
        // Band files keep document numbers: survivors are renumbered densely after the old ones.
        try buckets.writeBands(to: directory + "/.new", extra: index?.bandFiles ?? [], renumber: { doc in
            if Int(doc) < old { return doc }
            let n = numbering[Int(doc) - old]
            return n == .max ? nil : n
        })
        var idLines: [UInt8] = []
        if let index { idLines = try readAllBytes(index.directory + "/ids.jsonl") }
        for (i, id) in ids.enumerated() where numbering[i] != .max {
            idLines.append(contentsOf: (JSONValue.string(id).serialized(pretty: false, trailingNewline: false) + "\n").utf8)
        }
        try AtomicFileWriter.write(idLines, to: directory + "/.new/ids.jsonl")
        try MinHashIndex.writeMeta(directory + "/.new", config: config, documents: Int(next))
        // Move the finished files into place, index.json last.
        for name in (0..<config.bands).map(LSHBuckets.bandFile) + ["ids.jsonl", "index.json"] {
            guard rename("\(directory)/.new/\(name)", "\(directory)/\(name)") == 0 else {
                throw TokenMillError(.io, "cannot move \(name) into \(directory): errno \(errno)")
            }
        }
        rmdir(directory + "/.new")
    }

    public func close() { buckets.removeRuns() }

    static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        let union = a.count + b.count - common
        return union == 0 ? 1 : Double(common) / Double(union)
    }

    /// Survivor per document for texts in memory (tests, small jobs).
    public static func survivors(_ texts: [String], config: MinHashConfig, workDirectory: String, maxBufferedEntries: Int = 1 << 24,
                                 index: MinHashIndex? = nil, saveIndexTo: String? = nil, ids: [String] = []) throws -> [Int] {
        let d = try MinHashDeduplicator(config: config, workDirectory: workDirectory, maxBufferedEntries: maxBufferedEntries, index: index)
        defer { d.close() }
        let hasher = MinHasher(config)
        for t in texts {
            let keys = hasher.bandKeys(t)
            try d.add(keys: keys, shingles: config.verifyJaccard != nil && keys != nil ? hasher.shingleSet(t) : nil)
        }
        let roots = try d.finish()
        if let dir = saveIndexTo { try d.saveIndex(to: dir, roots: roots, ids: ids) }
        return roots.map { Int($0) }
    }
}

func readAllBytes(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw TokenMillError(.io, "cannot read \(path): errno \(errno)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
