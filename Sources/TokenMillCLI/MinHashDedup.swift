import Foundation
import TokenMillCore
import TokenMillCuration
import TokenMillIO

/// `tokenmill dedup --minhash PRESET`: two streaming passes over the input files. The first signs
/// every document (in parallel, in batches) and files its band keys into the LSH buckets, which
/// spill to disk in sorted runs; the second writes each record to the kept or rejects output.
/// Memory is bounded by the bucket buffer and one union-find entry per document.
struct MinHashDedupRun {
    var inputs: [String]
    var field: String
    var idField: String
    var normalization: NormalizationOptions
    var config: MinHashConfig
    var jobs: Int
    var maxBufferedEntries: Int
    var indexDirectory: String?
    var indexReadOnly: Bool
    var output: String?
    var rejects: String?

    /// Each record of the inputs, in order: (its JSON members, its text, its id).
    func forEachRecord(_ body: ([(String, JSONValue)], String, String) throws -> Void) throws {
        for input in inputs {
            var stream = try Compression.open(path: input, compression: Compression.detect(path: input))
            let end = try LineReader.forEachLine(in: &stream) { line, n in
                let r = try CurationRecords.parse(Array(line), input: input, line: n, field: field, idField: idField)
                try body(r.record, r.text, r.id)
            }
            if case .failed(let e, _) = end { throw e }
        }
    }

    func run() throws {
        let index = try indexDirectory.flatMap { try MinHashIndex.open($0) }
        let work = NSTemporaryDirectory() + "tokenmill-minhash-\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1e6))"
        let dedup = try MinHashDeduplicator(config: config, workDirectory: work, maxBufferedEntries: maxBufferedEntries, index: index)
        defer { dedup.close() }
        let workers = max(1, jobs)
        let hashers = (0..<workers).map { _ in MinHasher(config) }
        let spaces = (0..<workers).map { _ in TextNormalizer.Workspace() }
        let verify = config.verifyJaccard != nil
        var ids: [String] = []
        var batch: [String] = []
        func flush() throws {
            var keys = [[UInt64]?](repeating: nil, count: batch.count)
            var sets = [[UInt64]?](repeating: nil, count: verify ? batch.count : 0)
            let texts = batch
            nonisolated(unsafe) let hashers = hashers, spaces = spaces
            keys.withUnsafeMutableBufferPointer { k in
                sets.withUnsafeMutableBufferPointer { s in
                    nonisolated(unsafe) let k = k, s = s
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        for i in stride(from: w, to: texts.count, by: workers) {
                            let t = normalization.apply(texts[i], spaces[w])
                            k[i] = hashers[w].bandKeys(t)
                            if verify && k[i] != nil { s[i] = hashers[w].shingleSet(t) }
                        }
                    }
                }
            }
            for i in 0..<batch.count { try dedup.add(keys: keys[i], shingles: verify ? sets[i] : nil) }
            batch.removeAll(keepingCapacity: true)
        }
        try forEachRecord { _, text, id in
            batch.append(text)
            if indexDirectory != nil { ids.append(id) }
            if batch.count == 4096 { try flush() }
        }
        try flush()
        let roots = try dedup.finish()
        let indexed = dedup.indexed

        // Survivors' ids, for `duplicate_of`.
        var rootIDs: [Int: String] = [:]
        var isRoot = Set<Int>()
        for (i, r) in roots.enumerated() where Int(r) != indexed + i { isRoot.insert(Int(r)) }
        if let index { rootIDs = try index.ids(Set(isRoot.filter { $0 < indexed })) }

        let kept = try output.map { try AtomicFileWriter(path: $0) }
        let rejected = try rejects.map { try AtomicFileWriter(path: $0) }
        var stdoutBuffer: [UInt8] = []
        var i = 0, dropped = 0
        let space = TextNormalizer.Workspace()
        try forEachRecord { pairs, text, id in
            var members = pairs
            if let k = members.lastIndex(where: { $0.0 == field }) { members[k].1 = .string(normalization.apply(text, space)) }
            let me = indexed + i
            if isRoot.contains(me) { rootIDs[me] = id }
            let root = Int(roots[i])
            if root == me {
                let line = Array((JSONValue.object(members).serialized(pretty: false, trailingNewline: false) + "\n").utf8)
                if let kept { try kept.write(line) } else {
                    stdoutBuffer.append(contentsOf: line)
                    if stdoutBuffer.count > 1 << 20 { FileHandle.standardOutput.write(Data(stdoutBuffer)); stdoutBuffer.removeAll(keepingCapacity: true) }
                }
            } else {
                dropped += 1
                if let rejected {
                    let extra: [(String, JSONValue)] = [("filter_reason", .string(DropReason.nearDuplicate.rawValue)), ("stage", .string("dedup_minhash")),
                                                        ("duplicate_of", .string(rootIDs[root] ?? ""))]
                    try rejected.write((JSONValue.object(members + extra).serialized(pretty: false, trailingNewline: false) + "\n"))
                }
            }
            i += 1
        }
        if !stdoutBuffer.isEmpty { FileHandle.standardOutput.write(Data(stdoutBuffer)) }
        try kept?.commit()
        try rejected?.commit()
        if let dir = indexDirectory, !indexReadOnly { try dedup.saveIndex(to: dir, roots: roots, ids: ids) }
        let summary: JSONValue = .object([
            ("stage", .string("dedup_minhash")), ("in", .int(Int64(roots.count))), ("kept", .int(Int64(roots.count - dropped))),
            ("dropped", .object(dropped > 0 ? [(DropReason.nearDuplicate.rawValue, .int(Int64(dropped)))] : [])),
            ("bands", .int(Int64(config.bands))), ("rows", .int(Int64(config.rows))),
            ("candidate_pairs", .int(Int64(dedup.candidatePairs))), ("rejected_by_jaccard", .int(Int64(dedup.rejectedByJaccard))),
            ("indexed", .int(Int64(indexed))),
        ])
        FileHandle.standardError.write(Data((summary.serialized(pretty: false, trailingNewline: false) + "\n").utf8))
    }
}
