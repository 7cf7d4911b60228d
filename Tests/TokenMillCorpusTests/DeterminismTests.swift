import Foundation
import Testing
@testable import TokenMillCorpus

@Suite(.serialized) struct DeterminismTests {
    static func recipe(input: String) -> String {
        """
        name: determinism
        output_dir: out
        seed: 1234
        sequence_length: 700
        sequences_per_shard: 250
        target_total_tokens: 1200000
        splits: {train: 0.95, val: 0.05}
        sources:
          - {name: en, paths: ['\(input)'], id_field: id, weight: 0.75, filters: {min_chars: 300}}
          - {name: it, paths: ['\(sharedCorpora)/it'], id_field: id, weight: 0.25}
        """
    }

    @Test func outputsAreByteIdenticalForAnyJobCountAndAcrossRuns() throws {
        let input = makeTemporaryDirectory("input")
        try splitEnglishCorpus(into: input)
        var snapshots: [[String: Data]] = []
        for jobs in [1, 2, 4, 1] {
            let dir = makeTemporaryDirectory()
            try build(try writeRecipe(Self.recipe(input: input), in: dir), jobs: jobs)
            snapshots.append(snapshot(dir + "/out"))
        }
        #expect(snapshots[0].keys.contains("manifest.json"))
        #expect(snapshots[0].keys.contains("meta_stats.json"))
        #expect(snapshots[0].keys.filter { $0.hasSuffix(".npy") }.count >= 5)
        for s in snapshots.dropFirst() {
            #expect(s.keys.sorted() == snapshots[0].keys.sorted())
            for (k, v) in snapshots[0] { #expect(s[k] == v, "\(k) differs") }
        }
    }

    /// Kills the real binary with SIGKILL at named points, re-runs the same command, and compares
    /// the result with an uninterrupted build byte for byte.
    @Test(arguments: ["after-unit", "after-index", "mid-shard", "before-manifest"])
    func aKilledBuildResumesToIdenticalOutput(_ point: String) throws {
        let input = makeTemporaryDirectory("input")
        try splitEnglishCorpus(into: input)
        let reference = makeTemporaryDirectory()
        _ = try writeRecipe(Self.recipe(input: input), in: reference)
        #expect(try runCLI(["build", reference + "/recipe.yaml", "--quiet", "--jobs", "2"]).status == 0)

        let dir = makeTemporaryDirectory()
        _ = try writeRecipe(Self.recipe(input: input), in: dir)
        let killed = try runCLI(["build", dir + "/recipe.yaml", "--quiet", "--jobs", "1"], killAt: point)
        #expect(killed.signaled && killed.status == 9, "the build was not killed at \(point)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/manifest.json"))
        let resumed = try runCLI(["build", dir + "/recipe.yaml", "--jobs", "2"])
        #expect(resumed.status == 0)
        #expect(resumed.output.contains("resuming"))
        let a = snapshot(reference + "/out"), b = snapshot(dir + "/out")
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(b[k] == v, "\(k) differs after a kill at \(point)") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/.tokenmill-work"))
    }

    @Test func aFinishedBuildIsNotOverwrittenWithoutForce() throws {
        let dir = makeTemporaryDirectory()
        let recipe = try writeRecipe("""
            output_dir: out
            sources: [{name: it, paths: ['\(sharedCorpora)/it'], target_tokens: 5000}]
            """, in: dir)
        try build(recipe)
        #expect(throws: TokenMillError.self) { try build(recipe) }
        do { try build(recipe) } catch let e as TokenMillError {
            #expect(e.code == .outputExists)
            #expect(e.message.contains("--force"))
        }
        let again = try build(recipe, force: true)
        #expect(again.actualTokens == 5000)
        let cli = try runCLI(["build", dir + "/recipe.yaml", "--quiet"])
        #expect(cli.status == 7)
        #expect(cli.output.contains("--force"))
    }
}

import TokenMillCore

struct CLIResult {
    var status: Int32
    var signaled: Bool
    var output: String
}

func runCLI(_ arguments: [String], killAt: String? = nil) throws -> CLIResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tokenmillBinary)
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["SOURCE_DATE_EPOCH"] = "1767225600"
    env["TOKENMILL_KILL_AT"] = killAt
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CLIResult(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                     output: String(decoding: data, as: UTF8.self))
}
