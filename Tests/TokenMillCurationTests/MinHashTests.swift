import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

/// MinHash LSH on the shared near-duplicate corpus (200 originals, 120 near-duplicates made by
/// six transforms), per preset; the bands/rows optimizer; spilling to disk; the persistent index.
@Suite struct MinHashTests {
    static func nearDups() throws -> (texts: [String], ids: [String], group: [String: String]) {
        let recs = try DirtyCorporaFilterTests.records("near_dups.jsonl")
        let data = try #require(FileManager.default.contents(atPath: DirtyCorporaFilterTests.dirty + "/near_dups.labels.jsonl"))
        var group: [String: String] = [:]
        for line in [UInt8](data).split(separator: 0x0A) {
            let v = try JSONScanner.parse(Array(line))
            group[v["id"]!.stringValue!] = v["near_dup_of"]!.stringValue!
        }
        return (recs.map(\.text), recs.map(\.id), group)
    }

    static func workDirectory() -> String {
        NSTemporaryDirectory() + "tokenmill-minhash-\(UUID().uuidString)"
    }

    /// Precision: dropped documents whose survivor is in their true group. Recall: labelled
    /// near-duplicates that end in their original's cluster.
    static func score(_ survivors: [Int], ids: [String], group: [String: String]) -> (precision: Double, recall: Double, dropped: Int) {
        func truth(_ id: String) -> String { group[id] ?? id }
        let dropped = survivors.enumerated().filter { $0.offset != $0.element }
        let correct = dropped.filter { truth(ids[$0.offset]) == truth(ids[$0.element]) }.count
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let found = group.filter { survivors[index[$0.key]!] == survivors[index[$0.value]!] }.count
        return (dropped.isEmpty ? 1 : Double(correct) / Double(dropped.count), Double(found) / Double(group.count), dropped.count)
    }

    @Test(arguments: ["datatrove", "nemo", "redpajama"])
    func nearDuplicatesFoundPerPreset(preset: String) throws {
        let (texts, ids, group) = try Self.nearDups()
        #expect(texts.count == 320 && group.count == 120)
        let config = try MinHashConfig.preset(preset)
        let survivors = try MinHashDeduplicator.survivors(texts, config: config, workDirectory: Self.workDirectory())
        let s = Self.score(survivors, ids: ids, group: group)
        print("MinHash \(preset) (\(config.bands)×\(config.rows)): dropped \(s.dropped), precision \(s.precision), recall \(s.recall)")
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let missed = group.filter { survivors[index[$0.key]!] != survivors[index[$0.value]!] }.map { $0.key.split(separator: "-").last! }
        print("  missed by transform: \(Dictionary(grouping: missed, by: { $0 }).mapValues(\.count))")
        #expect(s.precision >= 0.95)
        if preset == "datatrove" { #expect(s.recall >= 0.90) }  // the default preset: the acceptance bar
    }
}

extension MinHashTests {
    @Test func spillingToDiskGivesTheSameSurvivors() throws {
        let (texts, _, _) = try Self.nearDups()
        let config = try MinHashConfig.preset("datatrove")
        let inMemory = try MinHashDeduplicator.survivors(texts, config: config, workDirectory: Self.workDirectory())
        // 14 entries a document, 100 in memory: a sorted run every 7 documents, 46 runs per band.
        let spilled = try MinHashDeduplicator.survivors(texts, config: config, workDirectory: Self.workDirectory(), maxBufferedEntries: 100)
        #expect(spilled == inMemory)
        #expect(Set(inMemory).count < texts.count)
    }

    /// Old data into an index, then new data against it: the same survivors as one run over
    /// both; read-only leaves the index as it was.
    @Test func indexMakesDedupIncremental() throws {
        let (texts, ids, _) = try Self.nearDups()
        let config = try MinHashConfig.preset("datatrove")
        let once = try MinHashDeduplicator.survivors(texts, config: config, workDirectory: Self.workDirectory())
        let dir = Self.workDirectory() + "-index"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try MinHashDeduplicator.survivors(Array(texts[..<200]), config: config, workDirectory: Self.workDirectory(),
                                                      saveIndexTo: dir, ids: Array(ids[..<200]))
        #expect(first == Array(once[..<200]))
        let index = try #require(try MinHashIndex.open(dir))
        let survivorsOfFirst = first.enumerated().filter { $0.offset == $0.element }.count
        #expect(index.documents == survivorsOfFirst)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
        // Read-only: the new documents are only checked against the index.
        let second = try MinHashDeduplicator.survivors(Array(texts[200...]), config: config, workDirectory: Self.workDirectory(), index: index)
        let after = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
        #expect(before == after)
        // A new document is dropped in the incremental run exactly when it is in the single run.
        for (k, root) in second.enumerated() {
            #expect((root != index.documents + k) == (once[200 + k] != 200 + k), "document \(200 + k)")
        }
        // Another configuration cannot use this index.
        #expect(throws: TokenMillError.self) {
            _ = try MinHashDeduplicator(config: try MinHashConfig.preset("nemo"), workDirectory: Self.workDirectory(), index: index)
        }
    }

    @Test func bandsAndRowsOptimizer() throws {
        for t in [0.7, 0.8, 0.9] {
            let (b, r) = MinHashConfig.optimalBandsRows(permutations: 128, threshold: t)
            #expect(b * r <= 128)
            // The S-curve crosses one half near the threshold: likely above it, unlikely well below.
            #expect(MinHashConfig.candidateProbability(min(1, t + 0.1), bands: b, rows: r) > 0.8)
            #expect(MinHashConfig.candidateProbability(t - 0.25, bands: b, rows: r) < 0.1)
        }
        let p7 = try MinHashConfig.preset("redpajama", threshold: 0.7), p9 = try MinHashConfig.preset("redpajama", threshold: 0.9)
        #expect(p7.rows < p9.rows)
        #expect(throws: TokenMillError.self) { try MinHashConfig.preset("redpajama", threshold: 0.75) }
    }
}
