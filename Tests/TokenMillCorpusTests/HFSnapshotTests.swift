import Foundation
import Testing
import TokenMillCore
@testable import TokenMillCorpus

/// Finding a split's files in Hugging Face snapshot folders, by README configs, by the Parquet
/// conversion layout and by split names in file and folder names.
@Suite struct HFSnapshotTests {
    func snapshot(_ files: [String], readme: String? = nil) throws -> String {
        let dir = makeTemporaryDirectory("hf")
        for f in files {
            let path = dir + "/" + f
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        }
        if let readme { try readme.write(toFile: dir + "/README.md", atomically: true, encoding: .utf8) }
        return dir
    }

    func names(_ dir: String, _ config: String?, _ split: String) throws -> [String] {
        try HFSnapshot.files(in: dir, config: config, split: split).map { String($0.dropFirst(dir.count + 1)) }
    }

    @Test func splitNamesInFileNames() throws {
        let dir = try snapshot(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet",
                                "data/validation-00000-of-00001.parquet", "data/test-00000-of-00001.parquet", ".cache/x.parquet", "LICENSE"])
        #expect(try names(dir, nil, "train") == ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"])
        #expect(try names(dir, nil, "validation") == ["data/validation-00000-of-00001.parquet"])
        #expect(try names(dir, nil, "test") == ["data/test-00000-of-00001.parquet"])
        let other = try snapshot(["dev.jsonl.gz", "train.jsonl.gz", "interval.jsonl"])
        #expect(try names(other, nil, "validation") == ["dev.jsonl.gz"])
        #expect(try names(other, nil, "train") == ["train.jsonl.gz"])  // "interval" is not "val"
        let plain = try snapshot(["corpus/a.parquet", "corpus/b.parquet"])
        #expect(try names(plain, nil, "train") == ["corpus/a.parquet", "corpus/b.parquet"])
        #expect(throws: TokenMillError.self) { try names(plain, nil, "test") }
    }

    @Test func parquetConversionLayoutByConfig() throws {
        let dir = try snapshot(["en/train/0000.parquet", "en/train/0001.parquet", "en/partial-validation/0000.parquet", "de/train/0000.parquet"])
        #expect(try names(dir, "en", "train") == ["en/train/0000.parquet", "en/train/0001.parquet"])
        #expect(try names(dir, "en", "validation") == ["en/partial-validation/0000.parquet"])
        #expect(try names(dir, "de", "train") == ["de/train/0000.parquet"])
        #expect { try names(dir, "fr", "train") } throws: { "\($0)".contains("no config folder 'fr'") && "\($0)".contains("de, en") }
    }

    @Test func readmeConfigsWithDataFiles() throws {
        let readme = """
            ---
            license: mit
            configs:
            - config_name: wiki
              default: true
              data_files:
              - split: train
                path: "wiki/train-*.parquet"
              - split: test
                path: ["wiki/test/**"]
            - config_name: books
              data_files: "books/*.jsonl.gz"
            ---
            # A dataset
            """
        let dir = try snapshot(["wiki/train-0.parquet", "wiki/train-1.parquet", "wiki/test/a/0.parquet", "books/x.jsonl.gz", "books/y.jsonl.gz"], readme: readme)
        #expect(try names(dir, nil, "train") == ["wiki/train-0.parquet", "wiki/train-1.parquet"])
        #expect(try names(dir, nil, "test") == ["wiki/test/a/0.parquet"])
        #expect(try names(dir, "books", "train") == ["books/x.jsonl.gz", "books/y.jsonl.gz"])
        #expect { try names(dir, "music", "train") } throws: { "\($0)".contains("no config 'music'") && "\($0)".contains("wiki, books") }
        #expect { try names(dir, "books", "test") } throws: { "\($0)".contains("has no split 'test'") }
    }

    @Test func globs() {
        #expect(HFSnapshot.globMatch("data/train-*", "data/train-00000-of-00001.parquet"))
        #expect(!HFSnapshot.globMatch("data/train-*", "data/x/train-0.parquet"))
        #expect(HFSnapshot.globMatch("**/*.parquet", "a.parquet") && HFSnapshot.globMatch("**/*.parquet", "a/b/c.parquet"))
        #expect(HFSnapshot.globMatch("part-[0-9][0-9].jsonl", "part-07.jsonl") && !HFSnapshot.globMatch("part-[0-9][0-9].jsonl", "part-7a.jsonl"))
    }
}
