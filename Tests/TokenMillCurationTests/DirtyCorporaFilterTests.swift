import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCuration

/// The shared dirty corpora and their expected outcomes (`../shared/corpora/dirty/EXPECTED.json`).
@Suite struct DirtyCorporaFilterTests {
    static let dirty = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpora/dirty").path

    static func records(_ name: String) throws -> [(id: String, text: String)] {
        let data = try #require(FileManager.default.contents(atPath: dirty + "/" + name))
        return try [UInt8](data).split(separator: 0x0A).map { line in
            let v = try JSONScanner.parse(Array(line))
            return (v["id"]!.stringValue!, v["text"]!.stringValue!)
        }
    }

    static func expected(_ name: String, _ key: String) throws -> Set<String> {
        let data = try #require(FileManager.default.contents(atPath: dirty + "/EXPECTED.json"))
        let v = try JSONScanner.parse([UInt8](data))
        return Set(try #require(v[name]?[key]?.arrayValue).map { $0.stringValue! })
    }

    /// EXPECTED.json lists the planted copies ("…-dup"), but 33 of the 60 stand before their
    /// original in the file: keeping the first in input order drops those originals instead.
    /// With `smallest_id` the survivor is the original wherever it stands.
    @Test func exactDedupDropsExactlyTheListedDuplicates() throws {
        let normalizer = TextNormalizer()
        let recs = try Self.records("exact_dups.jsonl")
        #expect(recs.count == 360)
        let keys = recs.map { r in Array(normalizer.normalize(r.text).utf8).withUnsafeBytes { ExactDeduplicator.key($0) } }
        let ids = recs.map(\.id)
        let expected = try Self.expected("exact_dups.jsonl", "duplicate_ids")
        let bySmallest = ExactDeduplicator.duplicates(keys: keys, ids: ids, survivor: .smallestID).map { ids[$0] }
        #expect(Set(bySmallest) == expected && bySmallest.count == 60)
        let byFirst = ExactDeduplicator.duplicates(keys: keys, ids: ids, survivor: .first)
        #expect(byFirst.count == 60)
        // First in input order: every dropped text was kept earlier; the listed copies that come
        // first are kept and their originals dropped.
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let before = Set(expected.filter { position[$0]! < position[String($0.dropLast(4))]! })
        #expect(before.count == 33)
        #expect(Set(byFirst.map { ids[$0] }) == expected.subtracting(before).union(before.map { String($0.dropLast(4)) }))
    }

    @Test func junkFilterDropsExactlyTheJunk() throws {
        let normalizer = TextNormalizer()
        var dropped: [String: DropReason] = [:]
        let recs = try Self.records("empty_and_punct.jsonl")
        for r in recs {
            if let reason = JunkFilter().decide(normalizer.normalize(r.text)) { dropped[r.id] = reason }
        }
        #expect(Set(dropped.keys) == (try Self.expected("empty_and_punct.jsonl", "junk_ids")))
        #expect(dropped.values.contains(.noVisibleText) && dropped.values.contains(.noLetters))
    }

    @Test(arguments: [("", DropReason.noVisibleText), (" \u{200B}\u{FEFF}\n", .noVisibleText), ("&nbsp;", .noLetters),
                      ("<p></p>", .noLetters), ("12 345", .noLetters), ("🙂", .noLetters), ("— – !", .noLetters)])
    func junk(_ text: String, _ reason: DropReason) {
        #expect(JunkFilter().decide(text) == reason)
    }

    @Test(arguments: ["a", "中文", "Привет", "x = 1", "<b>bold</b>", "café", "ガ"])
    func notJunk(_ text: String) {
        #expect(JunkFilter().decide(text) == nil)
    }
}
