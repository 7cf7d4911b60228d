import Foundation
import Testing
@testable import TokenMillLoader
import TokenMillCore
import TokenMillTokenizers
import TokenMillCorpus

/// The streaming mixture (acceptance 5 and 6 of the loader issue).
@Suite struct MixtureStreamTests {
    static let english = sharedCorpora + "/en/python_docs.jsonl.gz"
    static let italian = sharedCorpora + "/it/debian_docs_it.jsonl.gz"
    static let fortunes = sharedCorpora + "/langid/fortunes_langid.jsonl.gz"
    static let byteLevel = try! TokenizerLoader.load("byte-level", baseDirectory: "")

    static func options(unit: MixingUnit, seed: UInt64 = 42, phaseEnd: MixturePhase.End = .step(100_000), curriculum: Curriculum = .constant(256)) -> MixtureOptions {
        var o = MixtureOptions(
            sources: [.jsonl("en", paths: [english]), .jsonl("it", paths: [italian]), .jsonl("fortunes", paths: [fortunes])],
            phases: [MixturePhase(name: "p1", weights: [55, 35, 10], end: phaseEnd), MixturePhase(name: "p2", weights: [20, 25, 55])],
            curriculum: curriculum)
        o.unit = unit
        o.seed = seed
        o.minLength = 8
        return o
    }

    @Test(arguments: [MixingUnit.document, MixingUnit.token])
    func sharesFollowThePhaseWeights(_ unit: MixingUnit) throws {
        // 100,000 draws in each phase (batches of one sequence).
        var o = Self.options(unit: unit, phaseEnd: .step(100_000))
        o.padToLength = false
        let stream = try MixtureStream(options: o, tokenizer: Self.byteLevel)
        var counts = [[Int]](repeating: [0, 0, 0], count: 2)
        for _ in 0..<200_000 {
            let phase = stream.step < 100_000 ? 0 : 1
            let b = try stream.nextStep()
            #expect(b.phase == (phase == 0 ? "p1" : "p2"))
            let s = b.sequences[0]
            #expect(s.ids.count <= 256 && s.ids.count >= 8)
            counts[phase][s.source] += unit == .document ? 1 : s.ids.count
        }
        for (phase, expected) in [[0.55, 0.35, 0.10], [0.20, 0.25, 0.55]].enumerated() {
            let total = Double(counts[phase].reduce(0, +))
            for s in 0..<3 {
                let share = Double(counts[phase][s]) / total
                #expect(abs(share - expected[s]) <= 0.005, "phase \(phase + 1) source \(s): \(share) by \(unit)")
            }
        }
        // Both shares are reported; the chosen unit's matches the counts above.
        let stats = stream.statistics
        let p1 = stats["phases"]!.arrayValue![0]["sources"]!.arrayValue!
        let key = unit == .document ? "sequence_share" : "token_share"
        #expect(abs(p1[0][key]!.doubleValue! - 0.55) <= 0.005)
        #expect(p1[0][unit == .document ? "token_share" : "sequence_share"]!.doubleValue! > 0)
    }

    static func batches(_ stream: MixtureStream, _ n: Int) throws -> [Batch] { try (0..<n).map { _ in try stream.nextBatch().batch } }

    @Test func sameSeedSameBatchesAndStateRestoresExactly() throws {
        var o = Self.options(unit: .token, phaseEnd: .step(300), curriculum: Curriculum(stages: [(0.3, 64), (0.7, 128), (1.0, 256)], totalSteps: 1000))
        o.batchSize = 4
        o.shuffleBuffer = 50
        let a = try Self.batches(try MixtureStream(options: o, tokenizer: Self.byteLevel), 1000)
        let b = try Self.batches(try MixtureStream(options: o, tokenizer: Self.byteLevel), 1000)
        #expect(a == b)
        var other = o
        other.seed = 43
        #expect(try Self.batches(try MixtureStream(options: other, tokenizer: Self.byteLevel), 10) != Array(a[0..<10]))
        // Save mid-stream (inside phase 1 and a curriculum stage, then after both changed), restore, continue.
        for cut in [137, 701] {
            let first = try MixtureStream(options: o, tokenizer: Self.byteLevel)
            _ = try Self.batches(first, cut)
            let saved = first.state.serialized(pretty: false)
            let resumed = try MixtureStream(options: o, tokenizer: Self.byteLevel, state: try JSONScanner.parse(saved))
            #expect(resumed.statistics == first.statistics)
            #expect(resumed.state == first.state)
            #expect(try Self.batches(resumed, 1000 - cut) == Array(a[cut...]), "restored at \(cut)")
        }
    }

    @Test func fallbackIsUsedAndRecordedWhenThePrimaryIsMissing() throws {
        var o = Self.options(unit: .document)
        o.sources[1] = .jsonl("it", paths: ["/nonexistent/it.jsonl.gz"], fallback: [Self.italian])
        let stream = try MixtureStream(options: o, tokenizer: Self.byteLevel)
        _ = try Self.batches(stream, 200)
        let it = stream.statistics["sources"]!.arrayValue![1]
        #expect(it["fallback"] == .string("cannot open /nonexistent/it.jsonl.gz"))
        #expect(it["documents_started"]!.intValue! > 0)
        #expect(stream.statistics["sources"]!.arrayValue![0]["fallback"] == .null)
        o.sources[1] = .jsonl("it", paths: ["/nonexistent/it.jsonl.gz"])
        #expect(throws: TokenMillError.self) { try MixtureStream(options: o, tokenizer: Self.byteLevel) }
    }

    @Test func chatMLIsByteExactAndInstructionRecordsAreFormatted() throws {
        #expect(ChatML.format(instruction: "Translate to French.", input: "Good morning", output: "Bonjour") ==
                "<|im_start|>user\nTranslate to French.\nGood morning<|im_end|>\n<|im_start|>assistant\nBonjour<|im_end|>")
        #expect(ChatML.format(instruction: "Name a prime.", input: "", output: "7") ==
                "<|im_start|>user\nName a prime.<|im_end|>\n<|im_start|>assistant\n7<|im_end|>")
        #expect(ChatML.format(instruction: "Name a prime.", input: nil, output: "7") == ChatML.format(instruction: "Name a prime.", input: "", output: "7"))
        let dir = makeTemporaryDirectory("chatml")
        try """
        {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour"}
        {"instruction": "Name a prime.", "input": "", "output": "7"}
        """.write(toFile: dir + "/sft.jsonl", atomically: true, encoding: .utf8)
        var o = MixtureOptions(sources: [.jsonl("sft", paths: [dir + "/sft.jsonl"], content: .instruction)],
                               phases: [MixturePhase(name: "sft", weights: [1])], curriculum: .constant(512))
        o.shuffleBuffer = 1
        let stream = try MixtureStream(options: o, tokenizer: Self.byteLevel)
        let texts = try (0..<4).map { _ in Self.byteLevel.decodeString(try stream.nextSequence(length: 512).ids) }
        #expect(texts[0] == ChatML.format(instruction: "Translate to French.", input: "Good morning", output: "Bonjour") + "<|endoftext|>")
        #expect(texts[1] == ChatML.format(instruction: "Name a prime.", input: "", output: "7") + "<|endoftext|>")
        #expect(texts[2] == texts[0])  // exhausted and re-opened: counted
        #expect(stream.statistics["sources"]!.arrayValue![0]["reopened"]!.intValue! >= 1)
    }

    /// 50,000 steps with the curriculum [(0.30, 256), (0.70, 512), (1.00, 1024)] and a phase
    /// switch at step 45,000: the length per step, the phase per step, and no document served
    /// twice or restarted across a length or phase change.
    @Test func curriculumAndPhaseChangesNeverRestartTheStreams() throws {
        let curriculum = Curriculum(stages: [(0.30, 256), (0.70, 512), (1.00, 1024)], totalSteps: 50_000)
        for (step, length) in [(0, 256), (14_999, 256), (15_000, 512), (34_999, 512), (35_000, 1024), (49_999, 1024)] {
            #expect(curriculum.length(atStep: step) == length)
        }
        var o = Self.options(unit: .token, phaseEnd: .step(45_000), curriculum: curriculum)
        o.padToLength = false
        let stream = try MixtureStream(options: o, tokenizer: Self.byteLevel)
        var nextOffset: [Int: [Int: Int]] = [:]   // source → ordinal → offset its next piece must start at
        var finished: [Int: Set<Int>] = [:]
        for step in 0..<50_000 {
            let b = try stream.nextStep()
            #expect(b.length == curriculum.length(atStep: step))
            #expect(b.phase == (step < 45_000 ? "p1" : "p2"))
            let s = b.sequences[0]
            #expect(s.ids.count <= b.length && s.ids.count >= 8)
            #expect(!(finished[s.source]?.contains(s.ordinal) ?? false), "a finished document served again")
            #expect(s.offset == (nextOffset[s.source]?[s.ordinal] ?? 0), "document restarted or skipped at step \(step)")
            nextOffset[s.source, default: [:]][s.ordinal] = s.offset + s.ids.count
            if s.ids.last == Self.byteLevel.eosID { finished[s.source, default: []].insert(s.ordinal) }
        }
        // Ordinals are never reused, so a record is read twice only by a counted re-open.
        let stats = stream.statistics["sources"]!.arrayValue!
        let lines = [3890, 3817, 4521]
        for s in 0..<3 {
            let read = Int(stats[s]["records_read"]!.intValue!), reopened = Int(stats[s]["reopened"]!.intValue!)
            #expect(reopened == (read - 1) / lines[s], "\(stats[s])")
        }
    }
}

@Suite struct MixtureRecipeTests {
    @Test func theExampleRecipeLoads() throws {
        let (o, tokenizer) = try MixtureRecipe.load(file: repositoryRoot + "/examples/mixture/recipe.yaml")
        #expect(tokenizer.name == "byte-level")
        #expect(o.sources.map(\.name) == ["en", "it", "sft"])
        #expect(o.phases == [MixturePhase(name: "pretrain", weights: [55, 35, 10], end: .step(900)), MixturePhase(name: "anneal", weights: [20, 25, 55])])
        #expect(o.curriculum == Curriculum(stages: [(0.30, 256), (0.70, 512), (1.00, 1024)], totalSteps: 1000))
        #expect(o.unit == .token && o.batchSize == 4 && o.minLength == 16 && o.seed == 42)
    }

    @Test(arguments: [
        ("sources: [{name: a, paths: [x.jsonl]}]\nphases: [{weights: {b: 1}}]", "phases[0].weights.b: unknown key"),
        ("sources: [{name: a, paths: [x.jsonl], formt: text}]", "sources[0].formt: unknown key; did you mean 'format'?"),
        ("sources: [{name: a, paths: [x.jsonl], format: chat}]", "sources[0]: format 'chat' is not one of text, instruction"),
        ("sources: [{name: a, paths: [x.jsonl]}]\ncurriculum: {total_steps: 10, stages: [[0.7, 8], [0.3, 16]]}", "curriculum: stage fractions must increase"),
    ])
    func badRecipesNameTheKey(_ yaml: String, _ message: String) throws {
        let dir = makeTemporaryDirectory("mixrecipe")
        try yaml.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try MixtureRecipe.load(file: dir + "/m.yaml")
            Issue.record("no error for \(yaml)")
        } catch let e as TokenMillError {
            #expect(e.message.hasPrefix(message), "\(e.message)")
        }
    }
}

@Suite struct SmallSourceTests {
    /// A source smaller than the shuffle buffer holds one pass (plus the record that showed the
    /// pass was over) and re-opens about once per pass of draws, not once per draw.
    @Test func aSmallSourceIsReopenedOncePerPass() throws {
        let dir = makeTemporaryDirectory("small")
        try (0..<6).map { #"{"text": "record number \#($0) of six"}"# }.joined(separator: "\n").write(toFile: dir + "/s.jsonl", atomically: true, encoding: .utf8)
        let o = MixtureOptions(sources: [.jsonl("s", paths: [dir + "/s.jsonl"])], phases: [MixturePhase(name: "p", weights: [1])], curriculum: .constant(64))
        let stream = try MixtureStream(options: o, tokenizer: try TokenizerLoader.load("byte-level", baseDirectory: ""))
        for _ in 0..<60 { _ = try stream.nextSequence(length: 64) }
        let read = Int(stream.statistics["sources"]!.arrayValue![0]["records_read"]!.intValue!)
        #expect(stream.buffers[0].count == 7)
        #expect(read == 7 + 60)  // the fill, then one refill per draw
        #expect(Int(stream.statistics["sources"]!.arrayValue![0]["reopened"]!.intValue!) == (read - 1) / 6)
    }
}

@Suite struct ManifestAndCacheSourceTests {
    /// A sample manifest (one split of it) and a token cache as mixture sources.
    @Test func manifestSplitAndTokenCacheSources() throws {
        let cache = try makeCache()
        let manifest = (cache as NSString).deletingLastPathComponent + "/manifest.jsonl"
        let tokenizer = try TokenizerLoader.load(fixtureTokenizer, baseDirectory: "")
        let rows = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").map { try JSONScanner.parse(String($0)) }
        let valTargets = Set(rows.filter { $0["split"] == .string("val") }.map { $0["tgt_text"]!.stringValue! })
        let train = try TokenCacheDataset(directory: cache, split: "train", sides: ["src_text"])
        let trainRows = Set((0..<train.count).map { train[$0] })
        var o = MixtureOptions(sources: [.jsonl("val-fr", paths: [manifest], content: .text(field: "tgt_text"), split: "val"),
                                         MixtureSource(name: "train-en", input: .dataset(train))],
                               phases: [MixturePhase(name: "p", weights: [1, 1])], curriculum: .constant(4096))
        o.unit = .document
        let stream = try MixtureStream(options: o, tokenizer: tokenizer)
        for _ in 0..<200 {
            let s = try stream.nextSequence(length: 4096)
            if s.source == 0 {
                #expect(s.ids.last == tokenizer.eosID)
                #expect(valTargets.contains(tokenizer.decodeString(Array(s.ids.dropLast()))))
            } else {
                #expect(trainRows.contains(s.ids))  // cache rows as they are (made with --add-eos)
            }
        }
        let drops = stream.statistics["sources"]!.arrayValue![0]["drops"]!
        #expect(drops["other_split"]!.intValue! >= 108)
    }
}
