import Foundation
import Testing
@testable import TokenMillCore
@testable import TokenMillCorpus
import TokenMillIO
import TokenMillTokenizers

/// `tokenmill build` with real tokenizers: a tokenizer.json trained by us and cl100k_base.
@Suite struct TokenizerBuildTests {
    static let hfTrained = repositoryRoot + "/Tests/Fixtures/tokenizers/hf_bpe_en_8k.json"
    static let cl100k = sharedCorpora + "/tokenizers/cl100k_base.tiktoken"
    static let mistral = sharedCorpora + "/tokenizers/mistral_tokenizer.model.v1"

    @Test(arguments: [(hfTrained, "uint16", UInt32(0)), (cl100k, "uint32", UInt32(100257)), (mistral, "uint16", UInt32(2))])
    func shardsDecodeBackToTheSourceTexts(_ tokenizerPath: String, _ dtype: String, _ eos: UInt32) throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            tokenizer: '\(tokenizerPath)'
            sequence_length: 512
            tail: keep
            splits: {train: 0.9, val: 0.1}
            sources:
              - {name: en, paths: ['\(sharedCorpora)/en'], id_field: id, target_tokens: 120001}
              - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id, target_tokens: 60001}
            """, in: dir)
        try build(recipe)
        let manifest = try readJSON(dir + "/out/manifest.json")
        #expect(manifest["dtype"] == .string(dtype))
        #expect(manifest["tokenizer"]!["eos_id"] == .int(Int64(eos)))
        let stats = try readJSON(dir + "/out/meta_stats.json")
        #expect(stats["sources_breakdown"]!.arrayValue!.map { $0["actual_tokens"]!.intValue! } == [120_001, 60_001])
        let tokenizer = try TokenizerLoader.load(tokenizerPath, baseDirectory: "")
        var texts = Set<[UInt8]>()
        for set in ["en/python_docs.jsonl.gz", "it/debian_docs_it.jsonl.gz"] {
            _ = try DocumentReader(spec: ReaderSpec(format: .jsonl)).read(
                WorkUnit(path: sharedCorpora + "/" + set, displayPath: set, compression: .gzip), onDocument: { texts.insert($0.text) }, onReject: { _ in })
        }
        var documents = 0, cut = 0
        for split in ["train", "val"] {
            var stream: [UInt32] = []
            for s in manifest["shards"]!.arrayValue! where s["split"]!.stringValue == split {
                stream += try loadShard(dir + "/out/" + s["path"]!.stringValue!).ids
            }
            #expect(stream.last == eos)
            for piece in stream.split(separator: eos, omittingEmptySubsequences: false).dropLast() {
                let bytes = tokenizer.decode(Array(piece))
                documents += 1
                if !texts.contains(bytes) {
                    cut += 1
                    #expect(texts.contains { $0.starts(with: bytes) }, "a decoded document is not a source text or its start")
                }
            }
        }
        #expect(documents == Int(stats["sources_breakdown"]!.arrayValue!.reduce(0) { $0 + $1["documents"]!.intValue! }))
        #expect(cut <= 2)
    }

    @Test func documentsWithADisallowedSpecialTokenAreRejects() throws {
        let dir = makeTemporaryDirectory()
        try "{\"text\": \"fine text\"}\n{\"text\": \"leaks <|endoftext|> here\"}\n".write(toFile: dir + "/d.jsonl", atomically: true, encoding: .utf8)
        let recipe = try writeRecipe("""
            output_dir: out
            tokenizer: '\(Self.cl100k)'
            sources: [{name: d, paths: [d.jsonl], target_tokens: 100}]
            """, in: dir)
        try build(recipe)
        let funnel = try readJSON(dir + "/out/meta_stats.json")["funnel"]!.arrayValue![0]
        #expect(funnel["filter_dropped"]!["disallowed_special_token"] == .int(1))
        let allowed = try writeRecipe("""
            output_dir: out2
            tokenizer: {path: '\(Self.cl100k)', allowed_special: ['<|endoftext|>']}
            sources: [{name: d, paths: [d.jsonl], target_tokens: 100}]
            """, in: dir)
        try build(allowed)
        #expect(try readJSON(dir + "/out2/meta_stats.json")["funnel"]!.arrayValue![0]["documents_available"] == .int(2))
    }

    @Test func nanoGPTOutputWithAVocabularyAboveUInt16IsRefusedBeforeAnyWork() throws {
        let dir = makeTemporaryDirectory()
        try "{\"text\": \"fine text\"}\n".write(toFile: dir + "/d.jsonl", atomically: true, encoding: .utf8)
        let recipe = try writeRecipe("""
            output_dir: out
            outputs: [npy, nanogpt]
            tokenizer: '\(Self.cl100k)'
            sources: [{name: d, paths: [d.jsonl], target_tokens: 100}]
            """, in: dir)
        #expect(throws: TokenMillError.self) { try BuildPipeline(recipe: recipe, options: BuildOptions(jobs: 1)) }
        do { _ = try BuildPipeline(recipe: recipe, options: BuildOptions(jobs: 1)) } catch {
            #expect("\(error)".contains("nanogpt stores uint16 ids, and this tokenizer has 100"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
