import Foundation
import Testing
@testable import TokenMillTokenizers

@Suite struct UnigramTrainerTests {
    /// Lines of the first documents of the shared English corpus.
    static let sentences: [[UInt8]] = {
        let docs = (try? readJSONLines(sharedTokenizers + "/../en/python_docs.jsonl.gz")) ?? []
        return docs.prefix(300).flatMap { ($0["text"]?.stringValue ?? "").split(separator: "\n").map { Array($0.utf8) } }
    }()

    static func train(_ configure: (inout UnigramTrainer.Options) -> Void) throws -> SentencePieceModel {
        var o = UnigramTrainer.Options()
        o.vocabSize = 800
        configure(&o)
        var t = UnigramTrainer(options: o)
        return try t.train(sentences: sentences)
    }

    @Test func anyJobCountGivesTheSameModelByteForByte() throws {
        #expect(Self.sentences.count > 2_000)
        let one = try Self.train { $0.jobs = 1 }.serialized()
        for jobs in [2] {
            #expect(try Self.train { $0.jobs = jobs }.serialized() == one, "jobs \(jobs)")
        }
    }

    @Test func theModelHasReservedPiecesFirstAndReadsBack() throws {
        let model = try Self.train { $0.byteFallback = true; $0.userDefinedSymbols = ["<|im_start|>"] }
        #expect(model.pieces.count == 800)
        #expect(model.pieces[0] == .init(piece: "<unk>", score: 0, type: .unknown))
        #expect(model.pieces[1].type == .control && model.pieces[2].piece == "</s>")
        #expect(model.pieces[3] == .init(piece: "<|im_start|>", score: 0, type: .userDefined))
        #expect(model.pieces[4].piece == "<0x00>" && model.pieces[259].piece == "<0xFF>" && model.pieces[259].type == .byte)
        let normal = model.pieces.filter { $0.type == .normal }
        #expect(normal.count == 800 - 260)
        #expect(zip(normal, normal.dropFirst()).allSatisfy { $0.score >= $1.score }, "normal pieces in score order")
        #expect(normal.contains { $0.piece == "\u{2581}" } && normal.contains { $0.piece == "e" })
        let back = try SentencePieceModel.parse(model.serialized(), path: "<memory>")
        #expect(back.pieces == model.pieces)
        #expect(back.byteFallback && back.normalizer.name == "nmt_nfkc")
        #expect(back.normalizer.precompiledCharsmap == NormalizationRules.nmtNFKCBlob)
        // Our encoder reads it: every text decodes back (normalized), and no <unk> on corpus text.
        let tok = try SentencePieceTokenizer(model: back, name: "t", fingerprint: "", path: "<memory>")
        var ids: [UInt32] = []
        let text = "Tokenizers split text into pieces: <|im_start|> ünïcödé ok"
        Array(text.utf8).withUnsafeBytes { tok.makeEncoder().encode($0, into: &ids) }
        #expect(ids.contains(3))
        #expect(!ids.contains(0))
    }

    @Test func theSentenceSampleFollowsTheSeed() throws {
        let a = try Self.train { $0.inputSentenceSize = 1_000; $0.seed = 1 }.serialized()
        let b = try Self.train { $0.inputSentenceSize = 1_000; $0.seed = 1 }.serialized()
        let c = try Self.train { $0.inputSentenceSize = 1_000; $0.seed = 2 }.serialized()
        #expect(a == b)
        #expect(a != c)
    }

    @Test func aVocabularyTooSmallForTheAlphabetIsRefused() {
        #expect(throws: (any Error).self) { try Self.train { $0.vocabSize = 50 } }
        do { _ = try Self.train { $0.vocabSize = 50 } } catch {
            #expect("\(error)".contains("required characters"))
        }
        #expect(throws: (any Error).self) { try Self.train { $0.unkID = -1 } }
    }

    @Test func piecesFollowSentencepiecesValidityRules() {
        var o = UnigramTrainer.Options()
        let t = UnigramTrainer(options: o)
        func valid(_ s: String) -> Bool { t.isValidPiece(Array(s.unicodeScalars.map(\.value))[...]) }
        #expect(valid("\u{2581}the") && valid("ing") && valid(".,"))
        #expect(!valid("a\u{2581}b"), "'▁' only first")
        #expect(!valid("ab1"), "letters and digits are different scripts with split_by_number")
        #expect(!valid("aж"), "Latin and Cyrillic")
        #expect(valid("ひら漢字カナ"), "Hiragana and Katakana count as Han")
        #expect(!valid(String(repeating: "a", count: 17)))
        o.splitByNumber = false
        o.splitDigits = true
        let d = UnigramTrainer(options: o)
        #expect(!d.isValidPiece(Array("12".unicodeScalars.map(\.value))[...]))
        #expect(d.isValidPiece(Array("1".unicodeScalars.map(\.value))[...]))
    }

    /// The words of the fixture sentences as the trainer counts them ('▁' before each word).
    static func words() -> UnigramTrainer.Words {
        var counts: [[UInt8]: Int64] = [:]
        for s in sentences {
            for w in s.split(separator: 0x20) { counts[Array("\u{2581}".utf8) + w, default: 0] += 1 }
        }
        var words = UnigramTrainer.Words()
        for (w, n) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key.bytesPrecede($1.key) }) {
            words.bytes += w
            words.offsets.append(words.bytes.count)
            words.counts.append(n)
        }
        return words
    }

    static func flat(_ e: UnigramTrainer.WordEdges, _ words: UnigramTrainer.Words) -> [[UnigramTrainer.Edge]] {
        (0..<words.count).map { i in
            let j = i % e.jobs, k = i / e.jobs
            return Array(e.edges[j][e.bounds[j][k]..<e.bounds[j][k + 1]])
        }
    }

    @Test func latticeEdgesFromTheDoubleArrayEqualTheHashedTriesAndSurviveRenumbering() throws {
        var o = UnigramTrainer.Options()
        o.jobs = 2
        let t = UnigramTrainer(options: o)
        let words = Self.words()
        let pieces = t.makeSeedPieces(words)
        #expect(words.count > 5_000 && pieces.count > 10_000)
        let fromArray = t.makeEdges(pieces, words)
        let fromTrie = t.makeEdges(pieces, words, doubleArray: false)
        #expect(fromArray.count > 100_000)
        #expect(Self.flat(fromArray, words) == Self.flat(fromTrie, words))

        // Drop every third piece (single characters among them): renumbered edges, applied by
        // the next pass over the words, equal the edges found afresh for the pieces left.
        let kept = pieces.indices.filter { $0 % 3 != 0 }
        #expect(kept.contains { pieces[$0].bytes.count == 1 } && pieces.indices.contains { $0 % 3 == 0 && pieces[$0].bytes.count == 1 })
        var newIndex = [Int32](repeating: -1, count: pieces.count)
        for (n, i) in kept.enumerated() { newIndex[i] = Int32(n) }
        var renumbered = fromArray
        renumbered.renumber(newIndex)
        _ = t.sumOverWords(words, &renumbered, size: 1) { _, _, _, _, _ in }
        let fresh = t.makeEdges(kept.map { pieces[$0] }, words)
        #expect(renumbered.pending == nil)
        #expect(Self.flat(renumbered, words) == Self.flat(fresh, words))
        #expect(Self.flat(renumbered, words).joined().contains { $0.id < 0 }, "some characters lost their piece")
    }
}
