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
