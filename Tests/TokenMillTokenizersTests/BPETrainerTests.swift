import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillTokenizers

@Suite struct BPETrainerTests {
    /// swift test alone: our trainer reproduces the committed tokenizer.json that HF's BpeTrainer
    /// wrote for the same corpus and settings (the live 8k/32k comparison runs in Tests/interop).
    @Test func trainingOnTheEnglishCorpusEqualsHuggingFaceByteForByte() throws {
        let texts = try BPEParityTests.texts("en")
        for jobs in [1, 2] {
            let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: 8000, specialTokens: ["<|endoftext|>"]))
            trainer.feed(texts, jobs: jobs)
            let json = HFTokenizerWriter.json(trainer.train())
            let reference = try String(contentsOfFile: BPEParityTests.fixtures + "/hf_bpe_en_8k.json", encoding: .utf8)
            #expect(json == reference, "jobs \(jobs)")
        }
    }

    /// HF's own unit test for its trainer (`test_train`): min_frequency 2 gives `re`, `are`, `is`.
    @Test func huggingFacesTrainerUnitTest() {
        let words = ["roses": 1, "are": 2, "red": 1, "voilets": 1, "blue": 1, "BERT": 1, "is": 2, "big": 1, "and": 1, "so": 1, "GPT-2": 1]
        let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: 30000, minFrequency: 2, fullByteAlphabet: false))
        for (w, c) in words.sorted(by: { $0.key < $1.key }) { Array(w.utf8).withUnsafeBytes { trainer.counter.add($0, count: UInt64(c)) } }
        let t = trainer.train()
        let strings = t.tokens.map { String(decoding: $0, as: UTF8.self) }
        #expect(strings == ["-", "2", "B", "E", "G", "P", "R", "T", "a", "b", "d", "e", "g", "i", "l", "n", "o", "r", "s", "t", "u", "v", "re", "are", "is"])
        #expect(t.merges.map { [$0.0, $0.1, $0.2] } == [[17, 11, 22], [8, 22, 23], [13, 18, 24]])
    }

    @Test func aTrainedTokenizerRoundTripsEveryByteString() throws {
        let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: 600, specialTokens: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]))
        trainer.feed(try BPEParityTests.texts("it").prefix(500).map { $0 }, jobs: 2)
        let tok = trainer.train().tokenizer()
        #expect(tok.vocabularySize == 600)
        #expect(tok.tokenID("<|im_start|>") == 1)
        let enc = tok.makeEncoder()
        var rng = SplitMix64(seed: 11)
        for _ in 0..<3000 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var ids: [UInt32] = []
            bytes.withUnsafeBytes { enc.encodeBytes($0, into: &ids) }
            #expect(tok.decode(ids) == bytes)
        }
        // Specials in text are recognized (HF semantics) and decode to their text.
        let ids = enc.encode("<|im_start|>user\nciao<|im_end|>")
        #expect(ids.first == 1 && ids.last == 2)
        #expect(tok.decodeString(ids) == "<|im_start|>user\nciao<|im_end|>")
    }

    @Test func tiktokenSpecialTokensAreRefusedUnlessAllowed() throws {
        let path = sharedTokenizers + "/cl100k_base.tiktoken"
        let text = Array("hi <|endoftext|> there".utf8)
        let strict = try TiktokenLoader.load(path: path)
        #expect(text.withUnsafeBytes { strict.makeEncoder().disallowedSpecial(in: $0) } == "<|endoftext|>")
        let allowed = try TiktokenLoader.load(path: path, allowedSpecial: ["<|endoftext|>"])
        let ids = allowed.makeEncoder().encode("hi <|endoftext|> there")
        #expect(ids.contains(100257))
        let ordinary = try TiktokenLoader.load(path: path, disallowedSpecial: [])
        let plain = ordinary.makeEncoder().encode("hi <|endoftext|> there")
        #expect(!plain.contains(100257))
        #expect(ordinary.decode(plain) == text)
    }
}
