import Foundation
import Testing
@testable import TokenMillCorpus
import TokenMillCore

/// `tokenmill sample` on the shared English–French pairs (acceptance 2 of the sampler issue).
@Suite struct SamplerTests {
    static let pairs = sharedCorpora + "/parallel/debian_handbook.en-fr.jsonl.gz"

    static func options(seed: UInt64) -> SampleOptions {
        var o = SampleOptions(inputs: [pairs], fields: .pair(source: "en", target: "fr"), sourceName: "debian_handbook", k: 120, seed: seed)
        o.minChars = 2
        o.maxChars = 256
        o.splitSizes = .counts([96, 12, 12])
        return o
    }

    static func rows(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONScanner.parse(String($0)) }
    }

    @Test func seed42GivesExactSplitsDisjointFilteredAndReproducible() throws {
        let dir = makeTemporaryDirectory("sample")
        setenv("SOURCE_DATE_EPOCH", "1767225600", 1)
        let summary = try ManifestSampler(options: Self.options(seed: 42)).run(manifestPath: dir + "/a/manifest.jsonl")
        #expect(summary.records == 1999)
        let rows = try Self.rows(dir + "/a/manifest.jsonl")
        var bySplit: [String: Set<String>] = [:]
        for r in rows { bySplit[r["split"]!.stringValue!, default: []].insert(r["uid"]!.stringValue!) }
        #expect(bySplit["train"]?.count == 96 && bySplit["val"]?.count == 12 && bySplit["test"]?.count == 12)
        #expect(rows.map { $0["split"]!.stringValue! } == Array(repeating: "train", count: 96) + Array(repeating: "val", count: 12) + Array(repeating: "test", count: 12))
        #expect(bySplit["train"]!.isDisjoint(with: bySplit["val"]!) && bySplit["train"]!.isDisjoint(with: bySplit["test"]!) && bySplit["val"]!.isDisjoint(with: bySplit["test"]!))
        let nfkc = UnicodeNormalizer(.nfkc)
        for r in rows {
            let src = r["src_text"]!.stringValue!, tgt = r["tgt_text"]!.stringValue!
            for side in [src, tgt] {
                let n = nfkc.normalize(side)
                #expect((2...256).contains(n.unicodeScalars.count), "\(side)")
                #expect(n.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }, "punctuation only: \(side)")
                #expect(!n.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            }
            // uid = sha256(NFKC(src) 0x00 NFKC(tgt))
            #expect(r["uid"]!.stringValue! == SHA256Hasher.hex(Array(nfkc.normalize(src).utf8) + [0] + Array(nfkc.normalize(tgt).utf8)))
            #expect(r["src_lang"] == .string("en") && r["tgt_lang"] == .string("fr") && r["source"] == .string("debian_handbook"))
        }
        // The same seed again: the same bytes (uids in the same order); the meta file too.
        try ManifestSampler(options: Self.options(seed: 42)).run(manifestPath: dir + "/b/manifest.jsonl")
        #expect(FileManager.default.contents(atPath: dir + "/a/manifest.jsonl") == FileManager.default.contents(atPath: dir + "/b/manifest.jsonl"))
        let metaA = try String(contentsOfFile: dir + "/a/MANIFEST.meta.json", encoding: .utf8)
        #expect(metaA == (try String(contentsOfFile: dir + "/b/MANIFEST.meta.json", encoding: .utf8)))
        let meta = try readJSON(dir + "/a/MANIFEST.meta.json")
        #expect(meta["seed"] == .int(42) && meta["k"] == .int(120) && meta["algorithm"] == .string("reservoir-R"))
        #expect(meta["manifest_sha256"] == .string(summary.manifestSHA256))
        #expect(meta["counts"]!["eligible"]!.intValue! + meta["counts"]!["dropped"]!["too_long"]!.intValue! == 1999)
        // Another seed: another set.
        try ManifestSampler(options: Self.options(seed: 43)).run(manifestPath: dir + "/c/manifest.jsonl")
        let other = Set(try Self.rows(dir + "/c/manifest.jsonl").map { $0["uid"]!.stringValue! })
        #expect(other.count == 120)
        #expect(other != Set(rows.map { $0["uid"]!.stringValue! }))
    }

    @Test func anExistingManifestIsNeverResampledWithoutForce() throws {
        let dir = makeTemporaryDirectory("sample")
        try ManifestSampler(options: Self.options(seed: 1)).run(manifestPath: dir + "/manifest.jsonl")
        let before = FileManager.default.contents(atPath: dir + "/manifest.jsonl")
        #expect(throws: TokenMillError.self) { try ManifestSampler(options: Self.options(seed: 2)).run(manifestPath: dir + "/manifest.jsonl") }
        #expect(FileManager.default.contents(atPath: dir + "/manifest.jsonl") == before)
        try ManifestSampler(options: Self.options(seed: 2)).run(manifestPath: dir + "/manifest.jsonl", force: true)
        #expect(FileManager.default.contents(atPath: dir + "/manifest.jsonl") != before)
    }

    @Test func filtersDedupMalformedLinesAndRatios() throws {
        let dir = makeTemporaryDirectory("sample")
        let lines = [
            #"{"id": 1, "text": "Hello world"}"#,
            #"{"id": 2, "text": "Ｈｅｌｌｏ world"}"#,       // NFKC-equal to 1: a duplicate
            #"{"id": 3, "text": "?!… —"}"#,                   // punctuation only
            #"{"id": 4, "text": "   "}"#,                     // empty
            #"{"id": 5, "txt": "no text"}"#,                  // missing field
            #"{"id": 6, "text": "broken"#,                    // malformed
            #"{"id": 7, "text": "x"}"#,                       // too short (min 2)
        ] + (8..<28).map { #"{"id": \#($0), "text": "doc \#($0)"}"# }
        try lines.joined(separator: "\n").write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
        var o = SampleOptions(inputs: [dir + "/in.jsonl"], fields: .text("text"), sourceName: "t", k: 10, seed: 5)
        o.minChars = 2
        o.splitSizes = .ratios([0.8, 0.1, 0.1])
        let s = try ManifestSampler(options: o).run(manifestPath: dir + "/m.jsonl")
        #expect(s.records == 27)
        #expect(s.dropped == ["duplicate": 1, "punctuation_only": 1, "empty": 1, "missing_field": 1, "malformed_json": 1, "too_short": 1])
        #expect(s.eligible == 21)
        #expect(s.splits.map(\.rows) == [8, 1, 1])
        #expect(try Self.rows(dir + "/m.jsonl").allSatisfy { $0["id"]!.stringValue! != "2" })
        o.strict = true
        #expect(throws: TokenMillError.self) { try ManifestSampler(options: o).run(manifestPath: dir + "/m2.jsonl") }
    }

    @Test func weightedByLengthPrefersLongTexts() throws {
        let dir = makeTemporaryDirectory("sample")
        // 50 short and 50 long texts; A-ES by length draws long ones far more often.
        let lines = (0..<100).map { i in #"{"id": \#(i), "text": "\#(String(repeating: "w", count: i < 50 ? 2 : 200))\#(i)"}"# }
        try lines.joined(separator: "\n").write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
        var o = SampleOptions(inputs: [dir + "/in.jsonl"], fields: .text("text"), sourceName: "t", k: 20, seed: 9)
        o.weighting = .length
        try ManifestSampler(options: o).run(manifestPath: dir + "/m.jsonl")
        let long = try Self.rows(dir + "/m.jsonl").filter { Int($0["id"]!.stringValue!)! >= 50 }.count
        #expect(long >= 18, "\(long) of 20 drawn from the long half")
        #expect(try readJSON(dir + "/MANIFEST.meta.json")["algorithm"] == .string("reservoir-A-ES"))
    }

    @Test func splitCountsMustMatchTheSample() throws {
        var o = Self.options(seed: 42)
        o.splitSizes = .counts([96, 12, 13])
        #expect(throws: TokenMillError.self) { try o.splitCounts(sampled: 120) }
        o.maxChars = 20
        #expect(throws: TokenMillError.self) { try ManifestSampler(options: o).run(manifestPath: makeTemporaryDirectory("sample") + "/m.jsonl") }
    }
}
