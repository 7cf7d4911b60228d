import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers
import TokenMillCorpus

/// Options shared by `encode` and `decode`.
struct TokenizerOptions: ParsableArguments {
    @Option(name: .long, help: "byte-level, a tokenizer.json, a .tiktoken file or an encoding name.") var tokenizer: String
    @Option(name: .customLong("allowed-special"), help: "tiktoken: a special token to encode as such ('all' for every one); repeatable.")
    var allowedSpecial: [String] = []
    @Option(name: .customLong("disallowed-special"), help: "tiktoken: 'all' (default: refuse specials not allowed) or 'none' (encode them as text).")
    var disallowedSpecial: String = "all"

    func load() throws -> any Tokenizer {
        let disallowed: Set<String>? = disallowedSpecial == "none" ? [] : disallowedSpecial == "all" ? nil : Set(disallowedSpecial.split(separator: ",").map(String.init))
        return try TokenizerLoader.load(tokenizer, options: .init(allowedSpecial: Set(allowedSpecial), disallowedSpecial: disallowed),
                                        baseDirectory: "", keyPath: "--tokenizer")
    }
}

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Print the token ids of a text file, of each line, or of each JSONL record.")

    @OptionGroup var options: TokenizerOptions
    @Argument(help: "Input files ('-' for standard input).") var inputs: [String] = ["-"]
    @Flag(help: "Encode each line separately.") var lines = false
    @Option(help: "Encode the dotted field of each JSONL record (implies one result per line).") var field: String?
    @Flag(help: "Lines are hex-encoded bytes, encoded through the byte path (any bytes, valid UTF-8 or not).") var hex = false
    @Flag(help: "Print only the number of tokens.") var count = false
    @Flag(help: "Print JSON arrays (one per line) instead of space-separated ids.") var json = false
    @Option(name: .shortAndLong, help: "Threads for many texts.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Report the encoding time (wall and CPU, reading excluded) and throughput on standard error.") var timing = false

    func run() throws {
        let tokenizer = try options.load()
        var texts: [[UInt8]] = []
        for input in inputs {
            let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try readFile(input)
            let bytes = [UInt8](data)
            if let field {
                let path = field.split(separator: ".").map { Array($0.utf8) }
                for (n, line) in bytes.split(separator: 0x0A).enumerated() {
                    let fields = try line.withUnsafeBytes { raw -> [JSONScanner.Field] in
                        var s = JSONScanner(raw)
                        do { return try s.extract([path]).fields } catch let f as JSONScanner.Failure {
                            throw TokenMillError(.corruptInput, "\(input):\(n + 1): \(f.description)")
                        }
                    }
                    guard case .string(let text) = fields[0] else {
                        throw TokenMillError(.corruptInput, "\(input):\(n + 1): no string field '\(field)'")
                    }
                    texts.append(text)
                }
            } else if lines || hex {
                for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast(bytes.last == 0x0A ? 1 : 0) {
                    if hex {
                        guard let b = Hex.decode(Array(line)) else { throw TokenMillError(.corruptInput, "\(input): a line is not hex") }
                        texts.append(b)
                    } else {
                        texts.append(Array(line))
                    }
                }
            } else {
                texts.append(bytes)
            }
        }
        if !hex {
            for (i, t) in texts.enumerated() where !t.withUnsafeBytes({ UTF8Repair.isValid($0) }) {
                throw TokenMillError(.corruptInput, "text \(i + 1) is not valid UTF-8; pass --hex to encode raw bytes")
            }
            let encoder = tokenizer.makeEncoder()
            for (i, t) in texts.enumerated() {
                if let special = t.withUnsafeBytes({ encoder.disallowedSpecial(in: $0) }) {
                    throw TokenMillError(.invalidConfiguration, "text \(i + 1) contains the special token '\(special)', which is disallowed; pass --allowed-special '\(special)' to encode it as a special token or --disallowed-special none to encode it as text")
                }
            }
        }
        let clock = CPUClock()
        let counts: [Int]
        var results: [[UInt32]] = []
        if count {
            counts = BatchEncoder.count(texts, tokenizer: tokenizer, jobs: jobs, bytePath: hex)
        } else {
            results = BatchEncoder.encode(texts, tokenizer: tokenizer, jobs: jobs, bytePath: hex)
            counts = results.map(\.count)
        }
        if timing {
            let (wall, cpu) = clock.elapsed()
            let mb = Double(texts.reduce(0) { $0 + $1.count }) / 1e6
            let line = String(format: "encode: %.2f MB, %d tokens, %.3f s wall, %.3f s CPU, %.1f MB/s wall, %.1f MB/CPU-s, jobs %d\n",
                              mb, counts.reduce(0, +), wall, cpu, mb / wall, mb / cpu, jobs)
            FileHandle.standardError.write(Data(line.utf8))
        }
        var out = ""
        if count {
            out = "\(counts.reduce(0, +))\n"
        } else {
            for ids in results {
                out += json ? "[" + ids.map(String.init).joined(separator: ",") + "]\n" : ids.map(String.init).joined(separator: " ") + "\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Print the text of token ids (space-separated or JSON arrays, one sequence per line).")

    @OptionGroup var options: TokenizerOptions
    @Argument(help: "Ids; without them, read lines of ids from standard input.") var ids: [String] = []
    @Flag(help: "Print the bytes as hex (for sequences that are not valid UTF-8).") var hex = false

    func run() throws {
        let tokenizer = try options.load()
        let lines: [String] = ids.isEmpty
            ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
            : [ids.joined(separator: " ")]
        var out = Data()
        for line in lines {
            let numbers = line.split(whereSeparator: { " ,[]\t".contains($0) }).map { UInt32($0) }
            guard numbers.allSatisfy({ $0 != nil }) else { throw TokenMillError(.invalidConfiguration, "not a list of ids: \(line.prefix(60))") }
            let bytes = tokenizer.decode(numbers.map { $0! })
            out.append(contentsOf: hex ? Array(Hex.encode(bytes).utf8) : bytes)
            out.append(0x0A)
        }
        FileHandle.standardOutput.write(out)
    }
}

/// The contents of a file, decompressed when it is gzip or zstd.
func readFile(_ path: String) throws -> Data {
    var stream = try Compression.open(path: path, compression: Compression.detect(path: path))
    let (bytes, error) = try LineReader.readAll(&stream)
    if let error { throw error }
    return Data(bytes)
}

struct TrainTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract: "Train a byte-level BPE tokenizer (the same tokenizer.json as Hugging Face's BpeTrainer) or a SentencePiece Unigram model (.model + .vocab).")

    @Option(help: "Train on this recipe's sources (instead of files).") var recipe: String?
    @Argument(help: "JSONL or text files, folders or globs.") var files: [String] = []
    @Option(help: "Model type: bpe (byte-level, tokenizer.json) or unigram (SentencePiece .model).") var model: String = "bpe"
    @Option(name: .customLong("vocab-size"), help: "Vocabulary size, specials and the 256 bytes included.") var vocabSize: Int = 32000
    @Option(name: .customLong("min-frequency"), help: "Stop when the best pair is rarer than this.") var minFrequency: UInt64 = 0
    @Option(name: .customLong("special-token"), help: "A special token (repeatable; ids from 0 in this order).") var specialTokens: [String] = []
    @Option(help: "Split pattern: gpt2 (ByteLevel), cl100k, cl100kLegacy, llama3, o200k.") var pattern: String = "gpt2"
    @Flag(help: "NFKC-normalize before splitting.") var nfkc = false
    @Option(help: "Text field of JSONL files.") var field: String = "text"
    @Option(name: .customLong("text-mode"), help: "Plain text: file, line or paragraph documents.") var textMode: String = "file"
    @Option(name: .customLong("per-source-limit"), help: "With --recipe: at most N documents per source (a seeded sample).") var perSourceLimit: Int?
    @Option(name: .shortAndLong, help: "Threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .shortAndLong, help: "Where to write tokenizer.json.") var output: String
    @Option(help: "Also write a tiktoken rank file here.") var tiktoken: String?
    @Flag(help: "Print nothing but errors.") var quiet = false
    @OptionGroup var unigram: UnigramOptions

    struct UnigramOptions: ParsableArguments {
        @Option(name: .customLong("character-coverage"), help: "Unigram: share of characters the alphabet must cover.") var characterCoverage: Float = 0.9995
        @Flag(name: .customLong("byte-fallback"), help: "Unigram: add the 256 <0xXX> byte pieces.") var byteFallback = false
        @Option(name: .customLong("max-piece-length"), help: "Unigram: longest piece, in characters.") var maxPieceLength: Int = 16
        @Flag(name: .customLong("split-digits"), help: "Unigram: every digit is its own piece.") var splitDigits = false
        @Option(name: .customLong("user-defined-symbol"), help: "Unigram: a USER_DEFINED piece (repeatable).") var userDefined: [String] = []
        @Option(name: .customLong("control-symbol"), help: "Unigram: a CONTROL piece (repeatable).") var control: [String] = []
        @Option(name: .customLong("input-sentence-size"), help: "Unigram: train on a seeded sample of this many sentences (0 = all).") var inputSentenceSize: Int = 0
        @Option(help: "Unigram: seed of the sentence sample.") var seed: UInt64 = 0
        @Option(help: "Unigram: nmt_nfkc, nfkc or identity.") var normalization: String = "nmt_nfkc"
        @Option(name: .customLong("pad-id"), help: "Unigram: id of <pad> (-1: none).") var padID: Int = -1
    }

    func run() throws {
        guard model == "bpe" || model == "unigram" else { throw TokenMillError(.unsupported, "--model \(model): use bpe or unigram") }
        guard let p = PatternSplitter.Pattern(rawValue: pattern) else {
            throw TokenMillError(.invalidConfiguration, "--pattern \(pattern): use one of \(PatternSplitter.Pattern.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard vocabSize >= 256 + specialTokens.count else {
            throw TokenMillError(.invalidConfiguration, "--vocab-size \(vocabSize) is smaller than the 256 bytes plus \(specialTokens.count) special token(s)")
        }
        guard let mode = ReaderSpec.TextMode(rawValue: textMode) else { throw TokenMillError(.invalidConfiguration, "--text-mode \(textMode): use file, line or paragraph") }
        let corpus: TrainingCorpus
        if let recipe {
            corpus = try TrainingCorpus(recipe: try RecipeLoader.load(file: recipe), perSourceLimit: perSourceLimit)
        } else {
            guard !files.isEmpty else { throw TokenMillError(.invalidConfiguration, "give --recipe or input files") }
            corpus = try TrainingCorpus(files: files, field: field, textMode: mode)
        }
        if model == "unigram" { return try trainUnigram(corpus) }
        let options = BPETrainerOptions(vocabSize: vocabSize, minFrequency: minFrequency, specialTokens: specialTokens,
                                        pattern: p, normalizers: nfkc ? [.unicode(.nfkc)] : [])
        let trainer = BPETrainer(options: options)
        let start = Date()
        var documents = 0, bytes = 0
        try corpus.forEachBatch { batch in
            trainer.feed(batch, jobs: jobs)
            documents += batch.count
            bytes += batch.reduce(0) { $0 + $1.count }
        }
        let counted = Date()
        let trained = trainer.train()
        try AtomicFileWriter.write(HFTokenizerWriter.json(trained), to: output)
        if let tiktoken { try AtomicFileWriter.write(trained.tiktokenRanks(), to: tiktoken) }
        if !quiet {
            let total = Date().timeIntervalSince(start)
            print("trained \(output): \(trained.tokens.count) tokens, \(trained.merges.count) merges from \(documents) documents (\(String(format: "%.1f", Double(bytes) / 1e6)) MB, \(trainer.distinctWords) distinct words); counting \(String(format: "%.2f", counted.timeIntervalSince(start))) s, merges \(String(format: "%.2f", total - counted.timeIntervalSince(start))) s")
        }
    }
}

extension TrainTokenizerCommand {
    /// SentencePiece Unigram: each line of each document is a sentence (as sentencepiece reads
    /// text files). `-o STEM.model` (or `STEM.json`) writes `STEM.model`, `STEM.vocab`, the
    /// Hugging Face `STEM.json` and `ENCODE.meta.json` in the same folder.
    func trainUnigram(_ corpus: TrainingCorpus) throws {
        guard output.hasSuffix(".model") || output.hasSuffix(".json") else {
            throw TokenMillError(.invalidConfiguration, "-o \(output): a Unigram model is written as STEM.model (with STEM.vocab and STEM.json beside it)")
        }
        let stem = String(output.dropLast(output.hasSuffix(".model") ? ".model".count : ".json".count))
        let modelPath = stem + ".model"
        var o = UnigramTrainer.Options()
        o.vocabSize = vocabSize
        o.characterCoverage = unigram.characterCoverage
        o.byteFallback = unigram.byteFallback
        o.maxSentencePieceLength = unigram.maxPieceLength
        o.splitDigits = unigram.splitDigits
        o.userDefinedSymbols = unigram.userDefined
        o.controlSymbols = unigram.control + specialTokens
        o.inputSentenceSize = unigram.inputSentenceSize
        o.seed = unigram.seed
        o.normalization = unigram.normalization
        o.padID = unigram.padID
        o.jobs = max(1, jobs)
        let start = Date()
        var sentences = UnigramTrainer.Sentences()
        var documents = 0, bytes = 0
        try corpus.forEachBatch { batch in
            for doc in batch {
                documents += 1
                bytes += doc.count
                sentences.appendLines(of: doc)
            }
        }
        var trainer = UnigramTrainer(options: o)
        let model = try trainer.train(sentences: sentences)
        // The .model and .vocab are written on another thread while the tokenizer.json is
        // made and written here (each file is synced before its rename).
        let data = model.serialized()
        nonisolated(unsafe) var sideFailure: (any Error)?
        let side = DispatchGroup()
        DispatchQueue.global().async(group: side) {
            do {
                try AtomicFileWriter.write(data, to: modelPath)
                try AtomicFileWriter.write(model.vocabText(), to: stem + ".vocab")
            } catch { sideFailure = error }
        }
        let json: String
        do {
            defer { side.wait() }
            json = try HFTokenizerWriter.unigramJSON(model)
            try AtomicFileWriter.write(json, to: stem + ".json")
        }
        if let sideFailure { throw sideFailure }
        let folder = (modelPath as NSString).deletingLastPathComponent
        let meta: JSONValue = .object([
            ("tokenizer", .string((modelPath as NSString).lastPathComponent)),
            ("tokenizer_sha256", .string(SHA256Hasher.hex(data))),
            ("tokenizer_json", .string(((stem + ".json") as NSString).lastPathComponent)),
            ("tokenizer_json_sha256", .string(SHA256Hasher.hex(json))),
            ("model_type", .string("unigram")),
            ("vocab_size", .int(Int64(model.pieces.count))),
            ("character_coverage", .double(Double("\(o.characterCoverage)") ?? Double(o.characterCoverage))),
            ("byte_fallback", .bool(o.byteFallback)),
            ("normalization", .string(o.normalization)),
            ("add_dummy_prefix", .bool(true)),
            ("remove_extra_whitespaces", .bool(true)),
            ("split_digits", .bool(o.splitDigits)),
            ("max_sentencepiece_length", .int(Int64(o.maxSentencePieceLength))),
            ("input_sentence_size", .int(Int64(o.inputSentenceSize))),
            ("seed", .int(Int64(bitPattern: o.seed))),
            ("sentences", .int(Int64(trainer.progress.sentences))),
            ("sentences_too_long", .int(Int64(trainer.progress.skippedTooLong))),
        ])
        try AtomicFileWriter.write(meta.serialized(pretty: true, trailingNewline: true), to: (folder.isEmpty ? "." : folder) + "/ENCODE.meta.json")
        if !quiet {
            let p = trainer.progress
            print("trained \(modelPath) (+ .vocab, .json): \(model.pieces.count) pieces (Unigram) from \(documents) documents (\(String(format: "%.1f", Double(bytes) / 1e6)) MB, \(p.sentences) sentences, \(p.skippedTooLong) longer than 4192 bytes skipped, \(p.words) distinct words, \(p.requiredChars) required characters, \(p.seedPieces) seed pieces, \(p.rounds) EM rounds) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
    }
}

/// Wall and process CPU time since creation (for --timing).
struct CPUClock {
    let wall = Date()
    let cpu = CPUClock.processCPU()

    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    func elapsed() -> (wall: Double, cpu: Double) {
        (Date().timeIntervalSince(wall), CPUClock.processCPU() - cpu)
    }
}

/// Regenerates the committed nmt_nfkc rules (`NmtNFKCBlob.swift`) from this machine's ICU.
struct BuildCharsmapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-charsmap",
        abstract: "Write NmtNFKCBlob.swift: SentencePiece's nmt_nfkc rules built from ICU (a maintainer's command).",
        shouldDisplay: false)

    @Option(name: .shortAndLong, help: "Where to write the Swift source.") var output: String = "Sources/TokenMillTokenizers/SentencePiece/NmtNFKCBlob.swift"

    func run() throws {
        try AtomicFileWriter.write(try NormalizationRules.nmtNFKCSwiftSource(), to: output)
        print("wrote \(output)")
    }
}

struct ExportTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-tokenizer",
        abstract: "Write a SentencePiece Unigram .model as a Hugging Face tokenizer.json.")

    @Argument(help: "The .model file.") var model: String
    @Option(name: .shortAndLong, help: "Where to write tokenizer.json.") var output: String

    func run() throws {
        let m = try SentencePieceModel.load(path: model)
        try AtomicFileWriter.write(try HFTokenizerWriter.unigramJSON(m), to: output)
    }
}
