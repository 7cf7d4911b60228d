import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillCorpus
import TokenMillCuration
import TokenMillIO

/// Gettext catalogs of a locale folder (`…/share/locale/<locale>/LC_MESSAGES/*.mo`) as training
/// text per language: translations under their locale's language, the English originals under
/// `en`. Regional variants fold into their language (pt_BR → pt, zh_TW → zh); locales with a
/// script or dialect modifier (`sr@latin`, `ca@valencia`) and English variants are skipped.
struct CatalogCorpus {
    /// Language → distinct cleaned messages, in the order first met (folders and files sorted).
    var messages: [String: [String]] = [:]
    var catalogs: [String: Int] = [:]

    static func language(ofLocale locale: String) -> String? {
        guard !locale.contains("@") else { return nil }
        let base = String(locale.split(separator: "_").first ?? "")
        guard !base.isEmpty, base != "en" else { return nil }
        return base == "no" ? "nb" : base
    }

    init(localeDirectory: String, languages: Set<String>?) throws {
        let fm = FileManager.default
        guard let locales = try? fm.contentsOfDirectory(atPath: localeDirectory) else {
            throw TokenMillError(.invalidConfiguration, "\(localeDirectory): not a folder (give …/usr/share/locale, as scripts/fetch_langid_corpus.sh makes it)")
        }
        var seen: [String: Set<String>] = [:]
        func add(_ language: String, _ message: String) {
            let clean = LanguageIdentifier.cleanCatalogMessage(message)
            guard clean.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { return }
            if seen[language, default: []].insert(clean).inserted { messages[language, default: []].append(clean) }
        }
        let wantEnglish = languages?.contains("en") ?? true
        for locale in locales.sorted() {
            let language = Self.language(ofLocale: locale)
            let wanted = language.map { languages?.contains($0) ?? true } ?? false
            guard wanted || wantEnglish else { continue }
            let folder = localeDirectory + "/" + locale + "/LC_MESSAGES"
            for file in ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted() where file.hasSuffix(".mo") {
                let path = folder + "/" + file
                let catalog = try MoCatalog(bytes: [UInt8](try readFile(path)), path: path)
                for e in catalog.entries where e.original != [""] {
                    if wantEnglish { for o in e.original where !o.isEmpty { add("en", o) } }
                    guard wanted, let language else { continue }
                    for t in e.translation where !t.isEmpty && !e.original.contains(t) { add(language, t) }
                }
                if wanted, let language { catalogs[language, default: 0] += 1 }
            }
        }
    }
}

struct TrainLangIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-langid",
        abstract: "Train the language identifier (naive Bayes over character 1-4-grams) on gettext catalogs.")

    @Option(name: .customLong("locale-dir"), help: "A locale folder: <locale>/LC_MESSAGES/*.mo (see scripts/fetch_langid_corpus.sh).")
    var localeDirectory: String
    @Option(help: "Languages to keep (comma-separated codes; default: every language with --min-chars of text).") var languages: String?
    @Option(name: .customLong("min-chars"), help: "Skip languages with less training text (characters).") var minChars: Int = 300_000
    @Option(help: "Hash buckets (a power of two); the file holds buckets × languages 16-bit scores.") var buckets: Int = 1 << 16
    @Option(help: "Additive smoothing.") var alpha: Double = 0.1
    @Option(name: .customLong("holdout"), help: "Hold out every Nth message of each language and report accuracy on 200-character chunks of them (0: none).")
    var holdout: Int = 0
    @Option(name: .shortAndLong, help: "The model file to write.") var output: String
    @Option(help: "Also write a JSON summary (languages, messages, characters, n-grams).") var report: String?

    func run() throws {
        guard buckets > 0, buckets & (buckets - 1) == 0 else { throw TokenMillError(.invalidConfiguration, "--buckets \(buckets): a power of two") }
        let wanted = languages.map { Set($0.split(separator: ",").map { String($0) }) }
        let corpus = try CatalogCorpus(localeDirectory: localeDirectory, languages: wanted)
        var trainer = LanguageIdentifier.Trainer(buckets: buckets)
        var held: [(String, String)] = []
        var summary: [(String, JSONValue)] = []
        for language in corpus.messages.keys.sorted() {
            let messages = corpus.messages[language]!
            let chars = messages.reduce(0) { $0 + $1.unicodeScalars.count }
            if let wanted { guard wanted.contains(language) else { continue } } else if chars < minChars { continue }
            var chunk = ""
            for (i, m) in messages.enumerated() {
                if holdout > 0 && i % holdout == holdout - 1 {
                    chunk += (chunk.isEmpty ? "" : " ") + m
                    if chunk.unicodeScalars.count >= 200 { held.append((language, chunk)); chunk = "" }
                } else {
                    trainer.add(language: language, text: m)
                }
            }
            summary.append((language, .object([("catalogs", .int(Int64(corpus.catalogs[language] ?? 0))), ("messages", .int(Int64(messages.count))),
                                               ("characters", .int(Int64(chars))), ("ngrams", .int(Int64(trainer.total(language))))])))
        }
        if let wanted, let missing = wanted.sorted().first(where: { trainer.languages.contains($0) == false }) {
            throw TokenMillError(.invalidConfiguration, "--languages: no training text for '\(missing)' under \(localeDirectory)")
        }
        let model = trainer.model(alpha: alpha)
        try AtomicFileWriter.write(model.serialized(), to: output)
        FileHandle.standardError.write(Data("\(output): \(model.languages.count) languages, \(buckets) buckets\n".utf8))
        if holdout > 0 {
            var right: [String: (Int, Int)] = [:]
            for (language, text) in held {
                var r = right[language] ?? (0, 0)
                r.1 += 1
                if model.identify(text)?.language == language { r.0 += 1 }
                right[language] = r
            }
            let macro = right.values.map { Double($0.0) / Double($0.1) }.reduce(0, +) / Double(max(1, right.count))
            print(String(format: "held-out macro accuracy %.4f over %d chunks", macro, held.count))
            for l in right.keys.sorted() { print(String(format: "  %@ %.3f (%d)", l, Double(right[l]!.0) / Double(right[l]!.1), right[l]!.1)) }
        }
        if let report {
            let json: JSONValue = .object([("buckets", .int(Int64(buckets))), ("alpha", .double(alpha)), ("languages", .object(summary))])
            try AtomicFileWriter.write(json.serialized(), to: report)
        }
    }
}

/// The language-ID model to use: an explicit file, else `TOKENMILL_LANGID_MODEL`, else the
/// model that ships with TokenMill.
func loadLanguageModel(_ path: String?) throws -> LanguageIdentifier {
    if let path { return try LanguageModels.load(path: path) }
    return try LanguageModels.bundled()
}

struct LangIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langid",
        abstract: "Identify the language of JSONL records: each comes out with metadata.language and metadata.language_score.")

    @Argument(help: "JSONL files ('-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @Option(help: "A language-ID model file (default: the bundled model).") var model: String?
    @Flag(name: .customLong("languages"), help: "Print the model's languages and exit.") var listLanguages = false
    @Option(help: "Threads.") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .shortAndLong, help: "Output (default: standard output).") var output: String?

    func run() throws {
        let identifier = try loadLanguageModel(model)
        if listLanguages { print(identifier.languages.joined(separator: " ")); return }
        let input = try CurationRecords(inputs: inputs, field: field, idField: "id")
        let records = input.records
        let n = records.count
        var results = [(String, Double)](repeating: ("", 0), count: n)
        let workers = max(1, min(jobs, n))
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for i in stride(from: worker, to: n, by: workers) {
                    out[i] = identifier.identify(records[i].text).map { ($0.language, $0.probability) } ?? ("", 0)
                }
            }
        }
        var text = ""
        for (i, r) in records.enumerated() {
            text += JSONValue.object(CurationRecords.withLanguage(r.record, results[i].0, results[i].1)).serialized(pretty: false, trailingNewline: false) + "\n"
        }
        if let output { try AtomicFileWriter.write(text, to: output) } else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }
}

extension CurationRecords {
    /// The record with `metadata.language` and `metadata.language_score` (datatrove's names) set,
    /// in its `metadata` object (made if missing).
    static func withLanguage(_ pairs: [(String, JSONValue)], _ language: String, _ score: Double) -> [(String, JSONValue)] {
        var pairs = pairs
        let rounded = LanguageFilter.rounded(score)
        let entries: [(String, JSONValue)] = [("language", .string(language)), ("language_score", .double(rounded))]
        if let k = pairs.lastIndex(where: { $0.0 == "metadata" }), case .object(var m) = pairs[k].1 {
            m.removeAll { $0.0 == "language" || $0.0 == "language_score" }
            pairs[k].1 = .object(m + entries)
        } else {
            pairs.removeAll { $0.0 == "metadata" }
            pairs.append(("metadata", .object(entries)))
        }
        return pairs
    }
}
