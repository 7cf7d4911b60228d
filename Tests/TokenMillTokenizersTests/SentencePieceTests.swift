import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillTokenizers

@Suite struct SentencePieceTests {
    static let mistral = sharedTokenizers + "/mistral_tokenizer.model.v1"

    @Test func readsTheMistralModel() throws {
        let m = try SentencePieceModel.load(path: Self.mistral)
        #expect(m.pieces.count == 32000)
        #expect(m.modelType == .bpe)
        #expect(m.byteFallback)
        #expect(m.normalizer.name == "identity")
        #expect(m.pieces[0] == .init(piece: "<unk>", score: 0, type: .unknown))
        #expect(m.pieces[3].type == .byte)
        #expect(m.pieces[261] == .init(piece: "▁t", score: -2, type: .normal))
    }

    /// The reference ids shipped with the shared corpora (sentencepiece 0.2.3, no BOS/EOS).
    @Test func mistralIDsEqualSentencepiece() throws {
        let tok = try SentencePieceTokenizer.load(path: Self.mistral)
        let enc = tok.makeEncoder()
        let rows = ReferenceIDsTests.rows.filter { $0["tokenizer"]?.stringValue == "mistral_tokenizer.model.v1" }
        #expect(rows.count == 36)
        var bad: [String] = []
        for r in rows {
            let expected = r["ids"]!.arrayValue!.map { UInt32($0.intValue!) }
            if enc.encode(r["text"]!.stringValue!) != expected { bad.append(r["text_id"]!.stringValue!) }
        }
        #expect(bad.isEmpty, "\(bad)")
    }

    /// Parity through committed goldens (scripts/goldens/make_sp_goldens.py): every document of
    /// the shared corpora and 100,000 random strings, for Mistral (BPE + byte fallback) and
    /// Unigram models trained by sentencepiece (nmt_nfkc charsmap; 8k and 32k, with and without
    /// byte fallback).
    @Test(arguments: ["mistral", "spm_unigram_8k", "spm_unigram_8k_bf", "spm_unigram_32k", "spm_unigram_32k_bf"], ["en", "it", "random"])
    func idsEqualSentencepieceOnCorporaAndRandomStrings(_ name: String, _ set: String) throws {
        let path = name == "mistral" ? Self.mistral : BPEParityTests.fixtures + "/spm_unigram_en_\(name.dropFirst("spm_unigram_".count)).model"
        let tok = try SentencePieceTokenizer.load(path: path)
        let ids = BatchEncoder.encode(try BPEParityTests.texts(set), tokenizer: tok, jobs: 2)
        try BPEParityTests.expectGolden(ids, "\(name).\(set)")
    }

    /// A cached word path is reused only while it is provably what the float32 relaxation picks
    /// after the score before the word. One text of the whole English corpus (11 MB) drives that
    /// score to about -2·10⁷, where float32 rounding exceeds many words' margins: the ids must
    /// still equal the relaxation's alone, and both the reuse and its refusal must have happened.
    @Test(arguments: ["8k", "32k_bf"])
    func cachedWordPathsEqualTheRelaxationOnAVeryLongText(_ model: String) throws {
        let tok = try SentencePieceTokenizer.load(path: BPEParityTests.fixtures + "/spm_unigram_en_\(model).model")
        let text = Array(try BPEParityTests.texts("en").joined(separator: Array("\n".utf8)))
        let cached = try #require(tok.makeEncoder() as? SentencePieceEncoder)
        let plain = try #require(tok.makeEncoder() as? SentencePieceEncoder)
        plain.usesWordCache = false
        var a: [UInt32] = [], b: [UInt32] = []
        text.withUnsafeBytes { cached.encode($0, into: &a); plain.encode($0, into: &b) }
        #expect(a.count > 2_000_000)
        #expect(a == b, "first difference at id \(zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count))")
        let c = cached.wordCacheCounts
        #expect(c.hits > c.misses && c.refused > 1000, "\(c)")
        #expect(plain.wordCacheCounts.hits == 0)
    }

    @Test(arguments: [1, 10, 100, 1000, 50_000])
    func aTruncatedModelFailsWithTheOffset(_ keep: Int) throws {
        let bytes = [UInt8](FileManager.default.contents(atPath: Self.mistral)!)
        do {
            _ = try SentencePieceModel.parse(Array(bytes.prefix(keep)), path: "cut.model")
            Issue.record("a model cut at \(keep) bytes was accepted")
        } catch let e as TokenMillError {
            #expect(e.message.contains("cut.model") && e.message.contains("byte offset"), "\(e.message)")
        }
    }

    @Test func garbageIsRefusedNotACrash() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            let junk = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? SentencePieceModel.parse(junk, path: "junk.model")
        }
    }
}
