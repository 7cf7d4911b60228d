import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillCorpus
import TokenMillIO
import TokenMillLoader

/// `tokenmill loader-preview`: what a mixture recipe serves, batch by batch.
struct LoaderPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader-preview",
        abstract: "Serve a few batches of a streaming-mixture recipe: shapes, phase, sequence length, source shares and a decoded example.")

    @Argument(help: "The mixture recipe (YAML or JSON; docs/mixture.md).") var recipe: String
    @Option(help: "Batches to serve.") var batches = 3
    @Option(help: "Skip this many batches first (served, not printed).") var skip = 0
    @Option(name: .customLong("state-out"), help: "Write the stream's state after the last batch here (JSON).") var stateOut: String?
    @Option(name: .customLong("state-in"), help: "Continue from a state written by --state-out.") var stateIn: String?
    @Option(help: "Characters of the decoded example.") var chars = 240

    func run() throws {
        let (options, tokenizer) = try MixtureRecipe.load(file: recipe)
        let stream: MixtureStream
        if let stateIn {
            guard let data = FileManager.default.contents(atPath: stateIn) else { throw TokenMillError(.io, "\(stateIn): cannot read the state") }
            stream = try MixtureStream(options: options, tokenizer: tokenizer, state: try JSONScanner.parse(Array(data)))
        } else {
            stream = try MixtureStream(options: options, tokenizer: tokenizer)
        }
        for _ in 0..<skip { _ = try stream.nextBatch() }
        var example: String?
        for _ in 0..<batches {
            let b = try stream.nextBatch()
            let B = b.batch.batchSize, T = b.batch.length
            var perSource = [Int](repeating: 0, count: options.sources.count)
            for s in b.sequences { perSource[s.source] += 1 }
            let mix = options.sources.indices.filter { perSource[$0] > 0 }.map { "\(options.sources[$0].name) \(perSource[$0])" }.joined(separator: ", ")
            let real = b.batch.attentionMask.reduce(0) { $0 + Int($1) }
            print("step \(b.step)  phase \(b.phase)  T \(T)  tokens [\(B), \(T)]  targets [\(B), \(T)]  attention_mask [\(B), \(T)]  causal_mask [\(B), 1, \(T), \(T)]  real tokens \(real)/\(B * T)  sources: \(mix)")
            if example == nil, let first = b.sequences.first {
                example = "[\(options.sources[first.source].name), record \(first.ordinal), from token \(first.offset)] " + tokenizer.decodeString(first.ids)
            }
        }
        let stats = stream.statistics
        for phase in stats["phases"]?.arrayValue ?? [] {
            let rows = (phase["sources"]?.arrayValue ?? []).filter { ($0["sequences"]?.intValue ?? 0) > 0 }
            guard !rows.isEmpty else { continue }
            let shares = rows.map { r in
                String(format: "%@ %.1f%% of sequences, %.1f%% of tokens (weight %g)", r["name"]!.stringValue!,
                       100 * r["sequence_share"]!.doubleValue!, 100 * r["token_share"]!.doubleValue!, r["weight"]!.doubleValue!)
            }
            print("phase \(phase["name"]!.stringValue!): " + shares.joined(separator: "; "))
        }
        for s in stats["sources"]?.arrayValue ?? [] {
            if case .string(let why)? = s["fallback"] { print("source \(s["name"]!.stringValue!): fallback in use (\(why))") }
            if let r = s["reopened"]?.intValue, r > 0 { print("source \(s["name"]!.stringValue!): re-opened \(r) time(s)") }
        }
        if let example {
            let shown = example.count > chars ? String(example.prefix(chars)) + "…" : example
            print("example: " + shown.replacingOccurrences(of: "\n", with: "\\n"))
        }
        if let stateOut { try AtomicFileWriter.write(stream.state.serialized(), to: stateOut) }
    }
}
