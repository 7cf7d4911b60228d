import Foundation
import TokenMillCore
import TokenMillIO
import TokenMillTokenizers

/// `tokenmill encode-manifest`: a frozen manifest → token ids, one atomic example per row, no
/// padding, in memory-mappable `.npy` files (docs/formats/token-cache.md):
///
///     DIR/ENCODE.meta.json
///     DIR/<side>.tokens.npy     1-D <u2 or <u4: every row's ids, rows in manifest order
///     DIR/<side>.offsets.npy    1-D <i8, rows + 1: row r is tokens[offsets[r] ..< offsets[r+1]]
///
/// `<side>` is `text`, or `src_text` and `tgt_text` for pairs. `check` re-encodes rows and
/// compares them with the files.
public enum TokenCache {
    public static let format = "tokenmill-token-cache"
    public static let formatVersion: Int64 = 1
    public static let metaFile = "ENCODE.meta.json"

    public struct Options: Sendable {
        /// Prepend the tokenizer's BOS / append its EOS to every example.
        public var addBOS = false
        public var addEOS = false
        public var jobs = 1
        public init(addBOS: Bool = false, addEOS: Bool = false, jobs: Int = 1) {
            self.addBOS = addBOS
            self.addEOS = addEOS
            self.jobs = jobs
        }
    }

    /// What `encode` wrote.
    public struct Summary: Sendable {
        public var rows = 0
        public var tokens: [String: Int] = [:]
        public var experimentID = ""
    }

    /// One manifest row: its split and the texts of its sides.
    struct Row { var split: String; var texts: [[UInt8]] }

    /// Reads `manifest.jsonl`: the sides (from the first row), the rows, and contiguous split ranges.
    static func readManifest(_ path: String) throws -> (sides: [String], rows: [Row], splits: [(name: String, start: Int, rows: Int)]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): cannot read the manifest; write one with `tokenmill sample`")
        }
        var sides: [String] = []
        var rows: [Row] = []
        var splits: [(name: String, start: Int, rows: Int)] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let value: JSONValue
            do { value = try JSONScanner.parse(Array(line)) } catch {
                throw TokenMillError(.corruptInput, "\(path):\(lineNumber): not a manifest row (\(error)); the manifest was edited or truncated: sample it again")
            }
            if sides.isEmpty {
                sides = value["text"] != nil ? ["text"] : ["src_text", "tgt_text"]
            }
            guard let split = value["split"]?.stringValue else {
                throw TokenMillError(.corruptInput, "\(path):\(lineNumber): the row has no split")
            }
            var texts: [[UInt8]] = []
            for side in sides {
                guard let t = value[side]?.stringValue else {
                    throw TokenMillError(.corruptInput, "\(path):\(lineNumber): the row has no string '\(side)' (the first row has it)")
                }
                texts.append(Array(t.utf8))
            }
            if splits.last?.name != split {
                if splits.contains(where: { $0.name == split }) {
                    throw TokenMillError(.corruptInput, "\(path):\(lineNumber): split '\(split)' appears again after other splits; a manifest keeps each split's rows together (as `tokenmill sample` writes them)")
                }
                splits.append((split, rows.count, 0))
            }
            splits[splits.count - 1].rows += 1
            rows.append(Row(split: split, texts: texts))
        }
        guard !rows.isEmpty else { throw TokenMillError(.corruptInput, "\(path): the manifest has no rows") }
        return (sides, rows, splits)
    }

    /// Ids of one example.
    static func encode(_ text: [UInt8], with encoder: any TokenEncoder, tokenizer: any Tokenizer, options: Options, into ids: inout [UInt32]) {
        if options.addBOS, let bos = tokenizer.bosID { ids.append(bos) }
        text.withUnsafeBytes { encoder.encode($0, into: &ids) }
        if options.addEOS { ids.append(tokenizer.eosID) }
    }

    /// Ids of every row of `rows` (one array per row and side), on `jobs` threads
    /// (`BatchEncoder`); the result does not depend on `jobs`. A row whose text holds a special
    /// token the tokenizer refuses in plain text (tiktoken's `disallowed_special`) fails the
    /// run: `failure` names the first such row.
    static func encodeRows(_ rows: ArraySlice<Row>, sides: Int, tokenizer: any Tokenizer, options: Options) -> (ids: [[[UInt32]]], failure: (row: Int, special: String)?) {
        let checker = tokenizer.makeEncoder()
        for (i, row) in zip(rows.indices, rows) {
            for text in row.texts {
                if let special = text.withUnsafeBytes({ checker.disallowedSpecial(in: $0) }) { return ([], (i, special)) }
            }
        }
        var out = [[[UInt32]]](repeating: [], count: rows.count)
        for s in 0..<sides {
            let encoded = BatchEncoder.encode(rows.map { $0.texts[s] }, tokenizer: tokenizer, jobs: options.jobs)
            for (r, ids) in encoded.enumerated() {
                var example: [UInt32] = []
                example.reserveCapacity(ids.count + 2)
                if options.addBOS, let bos = tokenizer.bosID { example.append(bos) }
                example += ids
                if options.addEOS { example.append(tokenizer.eosID) }
                out[r].append(example)
            }
        }
        return (out, nil)
    }
}
