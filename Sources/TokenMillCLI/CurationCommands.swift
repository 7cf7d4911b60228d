import ArgumentParser
import Foundation
import TokenMillCore
import TokenMillCuration
import TokenMillIO

struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize the text field of JSONL records (NFKC, controls, white space, optional mojibake repair); JSONL out.")

    @Argument(help: "JSONL files (.gz/.zst too; '-' for standard input).") var inputs: [String] = ["-"]
    @Option(help: "The text field.") var field: String = "text"
    @Flag(name: .customLong("no-nfkc"), help: "Skip NFKC.") var noNFKC = false
    @Flag(name: .customLong("keep-controls"), help: "Keep control characters.") var keepControls = false
    @Flag(name: .customLong("repair-mojibake"), help: "Decode UTF-8 that was read as Latin-1/Windows-1252 again.") var repairMojibake = false
    @Flag(name: .customLong("keep-whitespace"), help: "Leave spaces, tabs and blank lines as they are.") var keepWhitespace = false
    @Flag(name: .customLong("strip-indentation"), help: "Also drop leading spaces and tabs of each line.") var stripIndentation = false
    @Option(name: .customLong("max-blank-lines"), help: "At most this many blank lines in a row.") var maxBlankLines: Int = 2
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?

    func run() throws {
        let normalizer = TextNormalizer(nfkc: !noNFKC, removeControls: !keepControls, repairMojibake: repairMojibake,
                                        cleanWhitespace: !keepWhitespace, stripIndentation: stripIndentation, maxBlankLines: max(0, maxBlankLines))
        let workspace = TextNormalizer.Workspace()
        var out = ""
        var normalized: [UInt8] = []
        for input in inputs {
            let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try readFile(input)
            for (n, line) in [UInt8](data).split(separator: 0x0A).enumerated() {
                var record: JSONValue
                do { record = try JSONScanner.parse(Array(line)) } catch let f as JSONScanner.Failure {
                    throw TokenMillError(.corruptInput, "\(input):\(n + 1): \(f.description)")
                }
                guard case .object(var pairs) = record, let k = pairs.lastIndex(where: { $0.0 == field }),
                      case .string(let text) = pairs[k].1 else {
                    throw TokenMillError(.corruptInput, "\(input):\(n + 1): no string field '\(field)'")
                }
                normalized.removeAll(keepingCapacity: true)
                var copy = text
                copy.withUTF8 { normalizer.normalize(UnsafeRawBufferPointer($0), into: &normalized, workspace: workspace) }
                pairs[k].1 = .string(String(decoding: normalized, as: UTF8.self))
                record = .object(pairs)
                out += record.serialized(pretty: false, trailingNewline: false) + "\n"
            }
        }
        if let output { try AtomicFileWriter.write(out, to: output) } else { FileHandle.standardOutput.write(Data(out.utf8)) }
    }
}
