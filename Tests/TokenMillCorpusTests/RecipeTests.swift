import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCorpus

@Suite struct RecipeTests {
    func loadError(_ yaml: String) -> String {
        let dir = makeTemporaryDirectory("recipe")
        do {
            _ = try writeRecipe(yaml, in: dir)
            return "no error"
        } catch let e as TokenMillError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    static let it = "paths: ['\(sharedCorpora)/it']"

    @Test(arguments: [
        ("sources: [{name: a, \(it), weight: 1}]", "recipe: missing 'output_dir'"),
        ("output_dir: o\nsource: []", "source: unknown key; did you mean 'sources'?"),
        ("output_dir: o\nsources: [{name: a, \(it)}]", "sources[0]: give 'weight' or 'target_tokens'"),
        ("output_dir: o\nsources: [{name: a, \(it), weight: 0.5}]", "sources[0].weight: a weight alone needs target_total_tokens"),
        ("output_dir: o\ntarget_total_tokens: 100\nsources: [{name: a, \(it), weight: 0.5}, {name: b, \(it), weight: 0.4}]", "sources: weights sum to 0.9, expected 1"),
        ("output_dir: o\ntarget_total_tokens: 300\nsources: [{name: a, \(it), weight: 0.667, target_tokens: 200}, {name: b, \(it), weight: 0.4, target_tokens: 100}]",
         "sources[1].weight 0.4 disagrees with target_tokens/target_total_tokens = 100/300 = 0.33"),
        ("output_dir: o\ntarget_total_tokens: 100\nsources: [{name: a, \(it), target_tokens: 150}]", "sources: target_tokens sum to 150, more than target_total_tokens = 100"),
        ("output_dir: o\nsplits: {train: 0.9, val: 0.2}\nsources: [{name: a, \(it), target_tokens: 5}]", "splits: split fractions sum to 1.1"),
        ("output_dir: o\ntail: trim\nsources: [{name: a, \(it), target_tokens: 5}]", "tail: 'trim' is not one of drop, pad, keep"),
        ("output_dir: o\nsources: [{name: a, paths: [nowhere.jsonl], target_tokens: 5}]", "no such file or folder 'nowhere.jsonl'"),
        ("output_dir: o\nsequence_length: many\nsources: [{name: a, \(it), target_tokens: 5}]", "sequence_length: expected an integer, got the string 'many'"),
        ("output_dir: o\nsources: [{name: a, \(it), target_tokens: 5, filters: {min_char: 3}}]", "sources[0].filters.min_char: unknown key; did you mean 'min_chars'?"),
        ("output_dir: o\noutputs: [npy, arrow]\nsources: [{name: a, \(it), target_tokens: 5}]", "outputs[1]: unknown output format 'arrow'; supported: npy, megatron, nanogpt"),
        ("output_dir: o\noutputs: [megatron]\nmegatron_sequences: sentence\nsources: [{name: a, \(it), target_tokens: 5}]", "megatron_sequences: 'sentence' is not one of document, window"),
        ("output_dir: o\nsources: [{name: a, \(it), format: arrow, target_tokens: 5}]", "'arrow' is not one of jsonl, text, parquet"),
    ])
    func validationErrorsNameTheKeyPath(_ yaml: String, _ expected: String) {
        let message = loadError(yaml)
        #expect(message.contains(expected), "got: \(message)")
    }

    @Test func weightOnlySharesAreExactAndWeightsMayAccompanyTargets() throws {
        let dir = makeTemporaryDirectory("recipe")
        let r = try writeRecipe("""
            output_dir: o
            target_total_tokens: 1000001
            sources:
              - {name: a, \(Self.it), weight: 0.5}
              - {name: b, \(Self.it), weight: 0.3}
              - {name: c, \(Self.it), weight: 0.2, target_tokens: 200000}
            """, in: dir)
        let targets = r.phases[0].allocations.map(\.targetTokens)
        #expect(targets.reduce(0, +) == 1_000_001)
        #expect(targets[2] == 200_000)
        #expect(abs(Double(targets[0]) / Double(targets[1]) - 5.0 / 3.0) < 1e-5)
    }

    @Test func theMetaConfigLoadsUnchangedAndBuilds() throws {
        let file = repositoryRoot + "/examples/metaconfig/meta_config.json"
        let recipe = try RecipeLoader.load(file: file)
        #expect(recipe.sources.map(\.name) == ["wikipedia_quality", "books_literary"])
        #expect(recipe.sources.map(\.configPath) == ["configs/wikipedia_quality.json", "configs/books_literary.json"])
        #expect(recipe.phases[0].allocations.map(\.targetTokens) == [201_000, 99_000])
        var r = recipe
        r.outputDir = makeTemporaryDirectory("meta") + "/out"
        try build(r)
        let stats = try readJSON(r.outputDirectory + "/meta_stats.json")
        #expect(stats["sources_breakdown"]!.arrayValue!.map { $0["actual_tokens"]!.intValue! } == [201_000, 99_000])
        #expect(stats["sources_breakdown"]!.arrayValue!.map { $0["weight_target"]! } == [.double(0.67), .double(0.33)])
        // The per-source config's filter applied: English documents under 400 characters are dropped.
        #expect(stats["funnel"]!.arrayValue![0]["filter_dropped"]!["too_short"]!.intValue! > 0)
    }

    @Test func aMetaConfigWhoseWeightsDisagreeFails() throws {
        let dir = makeTemporaryDirectory("meta")
        try FileManager.default.createDirectory(atPath: dir + "/configs", withIntermediateDirectories: true)
        for name in ["wikipedia_quality", "books_literary"] {
            let config = try String(contentsOfFile: repositoryRoot + "/examples/metaconfig/configs/\(name).json", encoding: .utf8)
            try config.replacingOccurrences(of: "../../quickstart", with: repositoryRoot + "/examples/quickstart")
                .write(toFile: dir + "/configs/\(name).json", atomically: true, encoding: .utf8)
        }
        let original = try String(contentsOfFile: repositoryRoot + "/examples/metaconfig/meta_config.json", encoding: .utf8)
        let edited = original.replacingOccurrences(of: "\"weight\": 0.33", with: "\"weight\": 0.4")
        try edited.write(toFile: dir + "/meta_config.json", atomically: true, encoding: .utf8)
        #expect {
            try RecipeLoader.load(file: dir + "/meta_config.json")
        } throws: { error in
            (error as? TokenMillError)?.message.contains("sources[1].weight 0.4 disagrees with target_tokens/target_total_tokens = 99000/300000 = 0.33") == true
        }
    }

    @Test func theCanonicalRecipeResolvesDefaultsAndHashesStably() throws {
        let dir = makeTemporaryDirectory("recipe")
        let a = try writeRecipe("output_dir: o\nsources: [{name: a, \(Self.it), target_tokens: 5}]", in: dir)
        let b = try writeRecipe("output_dir: o\nseed: 0\nsequence_length: 2048\ntail: pad\nsources: [{name: a, \(Self.it), target_tokens: 5, format: jsonl}]", in: dir)
        #expect(a.sha256 == b.sha256)
        #expect(a.canonicalJSON["sequence_length"] == .int(2048))
        let c = try writeRecipe("output_dir: o\nseed: 1\nsources: [{name: a, \(Self.it), target_tokens: 5}]", in: dir)
        #expect(c.sha256 != a.sha256)
    }
}
