import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillTokenizers

@Suite struct HFUnigramTests {
    static let fixtures = BPEParityTests.fixtures

    static func exported8k() throws -> (String, HFUnigramTokenizer) {
        let model = try SentencePieceModel.load(path: fixtures + "/spm_unigram_en_8k.model")
        let json = try HFTokenizerWriter.unigramJSON(model)
        let tok = try HFTokenizerLoader.parseUnigram(try JSONScanner.parse(Array(json.utf8), numbers: .serdeJSON),
                                                     path: "export.json", fingerprint: "", name: "export.json")
        return (json, tok)
    }

    /// Parity with `tokenizers` through committed goldens (scripts/goldens/make_sp_goldens.py):
    /// a tokenizer.json from tokenizers' own Unigram trainer, and the one we write for
    /// sentencepiece's 8k model.
    @Test(arguments: ["hf_unigram_2k", "hf_unigram_export_8k"], ["en", "it", "random"])
    func idsEqualTokenizersOnCorporaAndRandomStrings(_ name: String, _ set: String) throws {
        let tok: any Tokenizer = name == "hf_unigram_2k"
            ? try HFTokenizerLoader.loadAny(path: Self.fixtures + "/hf_unigram_en_2k.json")
            : try Self.exported8k().1
        #expect(tok is HFUnigramTokenizer)
        let ids = BatchEncoder.encode(try BPEParityTests.texts(set), tokenizer: tok, jobs: 2)
        try BPEParityTests.expectGolden(ids, "\(name).\(set)")
    }

    /// serde_json's two-rounding parse, pinned with values `tokenizers` printed back after
    /// reading the exact float64 of float32 scores.
    @Test(arguments: [("-3.9390647411346436", -3.939064741134643), ("-7.3322930335998535", -7.332293033599853),
                      ("-7.3587493896484375", -7.358749389648437), ("-3.5", -3.5), ("0.1", 0.1), ("1e-5", 1e-5),
                      ("2.5E+3", 2500), ("123456789012345678901234.5", 1.2345678901234567e23), ("1e400", nil), ("01.5", nil)])
    func serdeNumbers(_ text: String, _ expected: Double?) {
        let got = Array(text.utf8).withUnsafeBytes { SerdeNumber.parse($0) }
        #expect(got?.bitPattern == expected?.bitPattern, "\(text): \(String(describing: got))")
    }

    @Test func exactParsingDiffersFromSerdeWhereTokenizersDoes() {
        let text = "-3.9390647411346436"
        let serde = Array(text.utf8).withUnsafeBytes { SerdeNumber.parse($0) }!
        #expect(serde != Double(text)!)
        #expect(serde.nextUp == Double(text)! || serde.nextDown == Double(text)!)
    }

    @Test func writerKeepsSentencepieceWhitespaceRulesAndBuriesReservedPieces() throws {
        let (json, tok) = try Self.exported8k()
        let model = try SentencePieceModel.load(path: Self.fixtures + "/spm_unigram_en_8k.model")
        let minNormal = model.pieces.filter { $0.type == .normal }.map(\.score).min()!
        #expect(tok.scores[0] == Double(minNormal - HFTokenizerWriter.reservedScoreOffset))  // <unk>
        #expect(tok.scores[1] == tok.scores[0] && tok.scores[2] == tok.scores[0])  // <s>, </s>
        #expect(tok.scores[5] == Double(model.pieces[5].score))
        #expect(tok.normalizers.count == 4)
        #expect(tok.normalizers[1] == .replaceRegex(.spaceRuns, " ") && tok.normalizers[2] == .replaceRegex(.edgeSpace, ""))
        #expect(tok.normalizers[3] == .prepend("\u{2581}"))
        #expect(tok.metaspace == .init(replacement: Array("\u{2581}".utf8), prepend: .never, split: true))
        #expect(json.hasPrefix("{\n  \"version\": \"1.0\",\n"))
        // Same ids as the .model on ordinary text, white space rules included; "</s>" is text.
        let sp = try SentencePieceTokenizer.load(path: Self.fixtures + "/spm_unigram_en_8k.model")
        for text in ["  Hello   world.  ", "\u{3000}x\ty\n\nz", "a </s> <unk> b", "", "   ", "ﬁnal №5 ＡＢＣ"] {
            #expect(tok.encode(text) == sp.encode(text), "\(text.debugDescription)")
        }
        #expect(tok.decodeString(tok.encode("  Hello   world.  ")) == "Hello world.")
    }

    @Test func metaspaceFirstAndLeadingRemovedCharacters() throws {
        let vocab: JSONValue = .array([("<unk>", 0.0), ("\u{2581}", -2), ("a", -3), ("b", -3), ("\u{2581}a", -2.5)].map {
            .array([.string($0.0), .double($0.1)])
        })
        func tokenizer(_ scheme: String, _ normalizer: JSONValue) throws -> HFUnigramTokenizer {
            let json: JSONValue = .object([
                ("normalizer", normalizer),
                ("pre_tokenizer", .object([("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
                                           ("prepend_scheme", .string(scheme)), ("split", .bool(true))])),
                ("model", .object([("type", .string("Unigram")), ("unk_id", .int(0)), ("vocab", vocab)])),
            ])
            return try HFTokenizerLoader.parseUnigram(json, path: "t.json", fingerprint: "", name: "t")
        }
        let nmt = try tokenizer("first", .object([("type", .string("Nmt"))]))
        // tokenizers 0.23.3: "\u{1}ab" -> [a, b] (the first character was removed), "ab" -> [▁a, b].
        #expect(nmt.encode("\u{1}ab") == [2, 3])
        #expect(nmt.encode("ab") == [4, 3])
        #expect(nmt.encode("\u{1}") == [])
        let always = try tokenizer("always", .null)
        #expect(always.encode(" ab") == [4, 3])
        #expect(always.encode("ab ab") == [4, 3, 4, 3])
    }

    @Test func unsupportedPiecesAreNamed() throws {
        let json: JSONValue = .object([
            ("pre_tokenizer", .object([("type", .string("BertPreTokenizer"))])),
            ("model", .object([("type", .string("Unigram")), ("unk_id", .int(0)), ("vocab", .array([.array([.string("<unk>"), .double(0)])]))])),
        ])
        #expect(throws: TokenMillError.self) { try HFTokenizerLoader.parseUnigram(json, path: "t.json", fingerprint: "", name: "t") }
        do { _ = try HFTokenizerLoader.parseUnigram(json, path: "t.json", fingerprint: "", name: "t") } catch let e as TokenMillError {
            #expect(e.message.contains("t.json") && e.message.contains("pre_tokenizer.type") && e.message.contains("BertPreTokenizer"))
        }
        let badVocab: JSONValue = .object([("model", .object([("type", .string("Unigram")), ("vocab", .array([.string("x")]))]))])
        do { _ = try HFTokenizerLoader.parseUnigram(badVocab, path: "t.json", fingerprint: "", name: "t"); Issue.record("accepted") } catch let e as TokenMillError {
            #expect(e.message.contains("model.vocab[0]"))
        }
    }
}

extension HFUnigramTests {
    @Test func endOfDocumentIsTheEndOfTextPiece() throws {
        let (_, exported) = try Self.exported8k()
        #expect(exported.eosID == 2)  // </s>, not <unk>
        let hf = try HFTokenizerLoader.loadAny(path: Self.fixtures + "/hf_unigram_en_2k.json")
        #expect(hf.eosID == 2)
        #expect((hf as! HFUnigramTokenizer).with(eosID: 1).eosID == 1)
    }
}
