import Foundation
@testable import TokenMillCorpus
import TokenMillCore
import TokenMillIO

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.path
let sharedCorpora = URL(fileURLWithPath: repositoryRoot + "/../shared/corpora").standardized.path

/// The `tokenmill` binary built beside the test bundle (the test target depends on it).
var tokenmillBinary: String {
    if let env = ProcessInfo.processInfo.environment["TOKENMILL_BIN"] { return env }
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] where FileManager.default.isExecutableFile(atPath: candidate.path + "/tokenmill") {
        return candidate.path + "/tokenmill"
    }
    return repositoryRoot + "/.build/debug/tokenmill"
}

func makeTemporaryDirectory(_ tag: String = "build") -> String {
    let dir = NSTemporaryDirectory() + "tokenmill-\(tag)-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes `yaml` as `dir/recipe.yaml` and loads it.
func writeRecipe(_ yaml: String, in dir: String) throws -> Recipe {
    try yaml.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
    return try RecipeLoader.load(file: dir + "/recipe.yaml")
}

@discardableResult
func build(_ recipe: Recipe, jobs: Int = 2, force: Bool = false) throws -> BuildSummary {
    setenv("SOURCE_DATE_EPOCH", "1767225600", 1)
    return try BuildPipeline(recipe: recipe, options: BuildOptions(jobs: jobs, force: force)).run()
}

func readJSON(_ path: String) throws -> JSONValue {
    try JSONScanner.parse([UInt8](FileManager.default.contents(atPath: path)!))
}

/// Every regular file below `dir` (relative path → bytes).
func snapshot(_ dir: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let e = FileManager.default.enumerator(atPath: dir)!
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = FileManager.default.contents(atPath: dir + "/" + rel)
        }
    }
    return out
}

/// The token ids of an `.npy` shard.
func loadShard(_ path: String) throws -> (shape: [Int], ids: [UInt32]) {
    let data = [UInt8](FileManager.default.contents(atPath: path)!)
    let h = try NpyFormat.parseHeader(data, path: path)
    let size = h.dtype == "<u2" ? 2 : 4
    var ids: [UInt32] = []
    var i = h.dataOffset
    while i + size <= data.count {
        ids.append(size == 2 ? UInt32(data[i]) | UInt32(data[i + 1]) << 8
                   : UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        i += size
    }
    return (h.shape, ids)
}

/// Writes the English corpus as several files of mixed compression, for multi-unit builds.
func splitEnglishCorpus(into dir: String, parts: Int = 5) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", """
        set -e; cd '\(dir)'; zcat '\(sharedCorpora)/en/python_docs.jsonl.gz' > all.tmp; split -n l/\(parts) -d all.tmp part_; rm all.tmp
        for f in part_*; do mv "$f" "$f.jsonl"; done
        gzip part_01.jsonl; zstd -q --rm part_02.jsonl
        """]
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw TokenMillError(.io, "could not split the English corpus into \(dir)") }
}
