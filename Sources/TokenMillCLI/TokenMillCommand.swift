import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TokenMillCore
import TokenMillCorpus

#if canImport(Glibc)
@_silgen_name("mallopt") func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `tokenmill`: the command-line tool.
public struct TokenMillCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenmill",
        abstract: "Turn raw text into training-ready token shards.",
        version: TokenMillVersion.string,
        subcommands: [BuildCommand.self, VerifyCommand.self, InspectCommand.self, TrainTokenizerCommand.self, EncodeCommand.self, DecodeCommand.self, ExportTokenizerCommand.self, NormalizeCommand.self, FilterCommand.self, DedupCommand.self, WordsCommand.self, BuildCharsmapCommand.self, LangIDCommand.self, TrainLangIDCommand.self, ParquetCommand.self, SampleCommand.self, EncodeManifestCommand.self, LoaderPreviewCommand.self, RenderQACommand.self])

    public init() {}

    /// Runs the tool, mapping `TokenMillError` codes to exit codes and printing one clear line.
    public static func main() {
        #if canImport(Glibc)
        // Keep freed buffers of up to 32 MiB (row groups, spill chunks) in the heap for reuse,
        // instead of glibc handing each back to the kernel and faulting it in again.
        _ = glibcMallopt(-3, 32 << 20)   // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 256 << 20)  // M_TRIM_THRESHOLD
        #endif
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as TokenMillError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build token shards, manifest.json, meta_stats.json and a data card from a recipe.")

    @Argument(help: "The recipe (YAML or JSON).") var recipe: String
    @Option(name: .shortAndLong, help: "Worker threads (the output does not depend on it).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Rebuild a finished output directory.") var force = false
    @Flag(help: "Resume an interrupted build (the default whenever the work folder matches).") var resume = false
    @Flag(help: "Turn every counted data problem into an error.") var strict = false
    @Flag(help: "Print nothing but errors.") var quiet = false
    @Flag(help: "Log progress and the summary as JSON lines.") var json = false

    func run() throws {
        let loaded = try RecipeLoader.load(file: recipe)
        let progress = BuildProgress.automatic(quiet: quiet, json: json)
        let pipeline = try BuildPipeline(recipe: loaded, options: BuildOptions(
            jobs: jobs, force: force, strict: strict ? true : nil, progress: progress))
        let s = try pipeline.run()
        let mb = Double(s.inputBytes) / 1e6
        if json {
            print(JSONValue.object([
                ("event", .string("done")), ("output_dir", .string(s.outputDirectory)),
                ("target_tokens", .int(s.targetTokens)), ("actual_tokens", .int(s.actualTokens)),
                ("documents", .int(Int64(s.documents))), ("shards", .int(Int64(s.shards))),
                ("input_mb", .double((mb * 10).rounded() / 10)), ("seconds", .double((s.seconds * 100).rounded() / 100)),
                ("resumed", .bool(s.resumed)), ("already_complete", .bool(s.alreadyComplete)),
            ]).serialized(pretty: false))
        } else if !quiet {
            if s.alreadyComplete {
                print("\(s.outputDirectory): already complete (\(s.actualTokens) tokens in \(s.shards) files)")
            } else {
                let pct = String(format: "%.4f", 100 * Double(s.actualTokens) / Double(max(1, s.targetTokens)))
                let rate = String(format: "%.1f MB in %.2f s (%.1f MB/s)", mb, s.seconds, mb / max(s.seconds, 1e-9))
                print("built \(s.outputDirectory): \(s.actualTokens) of \(s.targetTokens) tokens (\(pct)%), \(s.documents) documents, \(s.shards) shard files; read \(rate)\(s.resumed ? " (resumed)" : "")")
            }
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash every shard and file against manifest.json and check shapes and dtypes.")

    @Argument(help: "A build's output directory.") var directory: String

    func run() throws {
        let r = try Verifier.verify(directory: directory)
        print("ok: \(r.files) files, \(r.bytes) bytes match \(directory)/manifest.json")
    }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a build directory or one .npy shard.")

    @Argument(help: "A build's output directory or a shard file.") var path: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        print(try Inspector.inspect(path: path, json: json, tokenizer: Inspector.tokenizerBeside(shard: path)), terminator: "")
    }
}
