import Foundation
import Testing
@testable import TokenMillCorpus
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// `tokenmill encode-manifest` and its `--check` (acceptance 3 of the sampler issue).
@Suite struct TokenCacheTests {
    static let tokenizerPath = repositoryRoot + "/Tests/Fixtures/tokenizers/hf_bpe_en_8k.json"

    static func sampled() throws -> String {
        let dir = makeTemporaryDirectory("cache")
        try ManifestSampler(options: SamplerTests.options(seed: 42)).run(manifestPath: dir + "/manifest.jsonl")
        return dir
    }

    @Test func cacheHoldsEveryRowsIdsAndTheTokenizersSHA256() throws {
        let dir = try Self.sampled()
        let tokenizer = try TokenizerLoader.load(Self.tokenizerPath, baseDirectory: "")
        let summary = try TokenCache.encode(manifestPath: dir + "/manifest.jsonl", tokenizer: tokenizer, tokenizerPath: Self.tokenizerPath,
                                            directory: dir + "/cache", options: .init(addEOS: true, jobs: 2))
        #expect(summary.rows == 120)
        let meta = try readJSON(dir + "/cache/ENCODE.meta.json")
        let (fileSHA, _) = try Verifier.hashFile(Self.tokenizerPath)
        #expect(meta["tokenizer"]!["sha256"] == .string(fileSHA))
        #expect(meta["manifest"]!["sha256"] == .string(try Verifier.hashFile(dir + "/manifest.jsonl").0))
        #expect(meta["splits"]!.arrayValue!.map { $0["rows"]!.intValue! } == [96, 12, 12])
        #expect(meta["experiment_id"]!.stringValue!.count == 16)
        // Every row: the ids of a fresh encode, EOS appended.
        let rows = try SamplerTests.rows(dir + "/manifest.jsonl")
        for side in ["src_text", "tgt_text"] {
            let tokens = try MappedNpy(path: dir + "/cache/\(side).tokens.npy")
            let offsets = try MappedNpy(path: dir + "/cache/\(side).offsets.npy")
            #expect(offsets.count == 121 && offsets[0] == 0 && offsets[120] == tokens.count)
            for (r, row) in rows.enumerated() {
                var cached: [UInt32] = []
                tokens.appendIDs(offsets[r]..<offsets[r + 1], to: &cached)
                #expect(cached == tokenizer.encode(row[side]!.stringValue!) + [tokenizer.eosID])
            }
        }
        // Encoding again with another thread count gives the same bytes.
        try TokenCache.encode(manifestPath: dir + "/manifest.jsonl", tokenizer: tokenizer, tokenizerPath: Self.tokenizerPath,
                              directory: dir + "/cache1", options: .init(addEOS: true, jobs: 1))
        for f in ["src_text.tokens.npy", "src_text.offsets.npy", "tgt_text.tokens.npy", "tgt_text.offsets.npy"] {
            #expect(FileManager.default.contents(atPath: dir + "/cache/" + f) == FileManager.default.contents(atPath: dir + "/cache1/" + f))
        }
    }

    @Test func checkReEncodesRowsAndFindsACorruptedID() throws {
        let dir = try Self.sampled()
        let tokenizer = try TokenizerLoader.load(Self.tokenizerPath, baseDirectory: "")
        try TokenCache.encode(manifestPath: dir + "/manifest.jsonl", tokenizer: tokenizer, tokenizerPath: Self.tokenizerPath, directory: dir + "/cache")
        let ok = try TokenCache.check(directory: dir + "/cache", tokenizer: tokenizer, rows: 1000)
        #expect(ok.rowsChecked == 120 && ok.mismatches.isEmpty)
        // Flip one id of the last row's target side.
        let path = dir + "/cache/tgt_text.tokens.npy"
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[bytes.count - 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let bad = try TokenCache.check(directory: dir + "/cache", tokenizer: tokenizer, rows: 10)
        #expect(bad.mismatches.count == 1 && bad.mismatches[0].hasPrefix("row 120 tgt_text"))
        // Another tokenizer is refused before anything is compared.
        let other = try TokenizerLoader.load("byte-level", baseDirectory: "")
        #expect(throws: TokenMillError.self) { try TokenCache.check(directory: dir + "/cache", tokenizer: other) }
    }
}
