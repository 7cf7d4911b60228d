import Foundation
import TokenMillCorpus
import TokenMillCore
import TokenMillTokenizers

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.path
let sharedCorpora = URL(fileURLWithPath: repositoryRoot + "/../shared/corpora").standardized.path
let fixtureTokenizer = repositoryRoot + "/Tests/Fixtures/tokenizers/hf_bpe_en_8k.json"

func makeTemporaryDirectory(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "tokenmill-\(tag)-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A sampled en–fr manifest (seed 42, 96/12/12) and its token cache with EOS, in a new folder.
func makeCache() throws -> String {
    let dir = makeTemporaryDirectory("loader")
    var o = SampleOptions(inputs: [sharedCorpora + "/parallel/debian_handbook.en-fr.jsonl.gz"], fields: .pair(source: "en", target: "fr"),
                          sourceName: "debian_handbook", k: 120, seed: 42)
    o.minChars = 2
    o.maxChars = 256
    o.splitSizes = .counts([96, 12, 12])
    try ManifestSampler(options: o).run(manifestPath: dir + "/manifest.jsonl")
    let tokenizer = try TokenizerLoader.load(fixtureTokenizer, baseDirectory: "")
    try TokenCache.encode(manifestPath: dir + "/manifest.jsonl", tokenizer: tokenizer, tokenizerPath: fixtureTokenizer,
                          directory: dir + "/cache", options: .init(addEOS: true))
    return dir + "/cache"
}

/// A dataset held in memory (tests only).
struct ArrayDataset: TokenMillLoader.TokenDataset {
    var examples: [[UInt32]]
    var count: Int { examples.count }
    func length(_ index: Int) -> Int { examples[index].count }
    func appendIDs(_ index: Int, to ids: inout [UInt32]) { ids += examples[index] }
}

import TokenMillLoader
