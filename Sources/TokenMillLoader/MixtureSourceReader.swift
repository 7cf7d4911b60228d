import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// Reads one mixture source record by record, forever: when its files are exhausted it
/// re-opens them (`passes` counts how often). Every record read gets the next `ordinal`
/// (0, 1, 2… over all passes, malformed lines included), which is how a saved state names the
/// documents it holds.
final class MixtureSourceReader {
    let source: MixtureSource
    private let tokenizer: any Tokenizer
    private let encoder: any TokenEncoder
    private let appendEOS: Bool
    private var paths: [String] = []
    private var fileIndex = 0
    private var cursor: LineCursor?
    private var recordsThisPass = 0
    private var fieldPaths: [[[UInt8]]] = []
    /// Records read so far (the next record's ordinal).
    private(set) var ordinal = 0
    /// Times the source was exhausted and re-opened.
    private(set) var reopened = 0
    /// Why the fallback is in use, if it is.
    private(set) var fallbackReason: String?
    /// Records not used, by reason.
    var drops: [String: Int] = [:]

    init(source: MixtureSource, tokenizer: any Tokenizer, appendEOS: Bool) throws {
        self.source = source
        self.tokenizer = tokenizer
        encoder = tokenizer.makeEncoder()
        self.appendEOS = appendEOS
        if case .jsonl(let primary, let content, let fallback) = source.input {
            func path(_ dotted: String) -> [[UInt8]] { dotted.split(separator: ".").map { Array($0.utf8) } }
            switch content {
            case .text(let field): fieldPaths = [path(field)]
            case .instruction: fieldPaths = [path("instruction"), path("input"), path("output")]
            }
            if source.split != nil { fieldPaths.append(path("split")) }
            guard !primary.isEmpty else { throw TokenMillError(.invalidConfiguration, "mixture source \(source.name): no paths") }
            if let missing = primary.first(where: { !FileManager.default.isReadableFile(atPath: $0) }) {
                guard !fallback.isEmpty else {
                    throw TokenMillError(.io, "mixture source \(source.name): cannot open \(missing), and the source has no fallback; fix the path or give a fallback")
                }
                if let bad = fallback.first(where: { !FileManager.default.isReadableFile(atPath: $0) }) {
                    throw TokenMillError(.io, "mixture source \(source.name): cannot open \(missing), nor its fallback \(bad)")
                }
                fallbackReason = "cannot open \(missing)"
                paths = fallback
            } else {
                paths = primary
            }
        }
    }

    /// Reads the next record. Returns its ordinal and, when `tokenize`, its ids (`nil` ids: the
    /// record is not a usable document, counted in `drops`).
    func next(tokenize: Bool) throws -> (ordinal: Int, ids: [UInt32]?) {
        switch source.input {
        case .dataset(let dataset):
            guard dataset.count > 0 else { throw TokenMillError(.invalidConfiguration, "mixture source \(source.name): the dataset is empty") }
            let row = ordinal % dataset.count
            if row == 0 && ordinal > 0 { reopened += 1 }
            defer { ordinal += 1 }
            guard tokenize else { return (ordinal, nil) }
            return (ordinal, dataset[row])
        case .jsonl(_, let content, _):
            let line = try nextLine()
            defer { ordinal += 1 }
            guard tokenize else { return (ordinal, nil) }
            guard let text = try text(of: line, content: content) else { return (ordinal, nil) }
            var ids: [UInt32] = []
            text.withUnsafeBytes { encoder.encode($0, into: &ids) }
            if appendEOS { ids.append(tokenizer.eosID) }
            return (ordinal, ids)
        }
    }

    /// The next non-blank line, across files and passes.
    private func nextLine() throws -> [UInt8] {
        while true {
            if cursor == nil {
                if fileIndex == paths.count {
                    guard recordsThisPass > 0 else { throw TokenMillError(.invalidConfiguration, "mixture source \(source.name): its files hold no records") }
                    fileIndex = 0
                    recordsThisPass = 0
                    reopened += 1
                }
                let path = paths[fileIndex]
                cursor = LineCursor(try Compression.open(path: path, compression: Compression.detect(path: path)))
            }
            if let line = try cursor!.nextLine() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                recordsThisPass += 1
                return Array(line)
            }
            cursor = nil
            fileIndex += 1
        }
    }

    /// The document text of a record, or `nil` (counted) when it has none.
    private func text(of line: [UInt8], content: MixtureSource.Content) throws -> [UInt8]? {
        let fields: [JSONScanner.Field]
        do {
            let r = try line.withUnsafeBytes { p -> (isObject: Bool, fields: [JSONScanner.Field]) in
                var scanner = JSONScanner(p)
                return try scanner.extract(fieldPaths)
            }
            guard r.isObject else { drops["not_an_object", default: 0] += 1; return nil }
            fields = r.fields
            if let split = source.split {
                guard case .string(let s) = fields[fields.count - 1], s.elementsEqual(split.utf8) else {
                    drops["other_split", default: 0] += 1
                    return nil
                }
            }
        } catch {
            drops["malformed_json", default: 0] += 1
            return nil
        }
        func string(_ f: JSONScanner.Field) -> String? {
            if case .string(let s) = f { return String(decoding: s, as: UTF8.self) }
            return nil
        }
        switch content {
        case .text:
            guard case .string(let s) = fields[0], !s.isEmpty else { drops["missing_field", default: 0] += 1; return nil }
            return s
        case .instruction:
            guard let instruction = string(fields[0]), let output = string(fields[2]) else { drops["missing_field", default: 0] += 1; return nil }
            return Array(ChatML.format(instruction: instruction, input: string(fields[1]), output: output).utf8)
        }
    }
}
