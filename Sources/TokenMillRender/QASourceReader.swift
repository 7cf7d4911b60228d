import Foundation
import TokenMillCore
import TokenMillIO

/// Reads source files record by record as JSON values: JSONL (.gz, .zst), Parquet (every
/// column, nested by its dotted path without list wrappers, so lists of structs come as structs
/// of lists, which the converters accept), or one JSON document (SQuAD).
enum QASourceReader {
    /// The split of a Hugging Face data file, from its name (`validation-00000-of-00005.parquet`).
    static func split(of path: String) -> String {
        let name = (path as NSString).lastPathComponent.lowercased()
        if name.hasPrefix("validation") || name.hasPrefix("dev") || name.contains("-validation") || name.contains("_dev") { return "validation" }
        if name.hasPrefix("test") || name.contains("-test") { return "test" }
        return "train"
    }

    /// Calls `body` with each record of `path` and its 0-based index; `body` returns false to stop.
    static func forEachRecord(_ path: String, _ body: (JSONValue?, Int) throws -> Bool) throws {
        if path.lowercased().hasSuffix(".parquet") {
            let file = try ParquetFile(path: path)
            let names = file.schema.leaves.map { leaf in leaf.dottedPath.split(separator: ".").map(String.init).filter { $0 != "list" && $0 != "element" && $0 != "item" } }
            var index = 0
            for g in 0..<file.rowGroupCount {
                let columns = try file.schema.leaves.indices.map { try file.rows($0, rowGroup: g, bytesAsText: true) }
                for r in 0..<file.rows(inRowGroup: g) {
                    var record: JSONValue = .object([])
                    for (c, path) in names.enumerated() { set(&record, path[...], columns[c][r]) }
                    guard try body(record, index) else { return }
                    index += 1
                }
            }
            return
        }
        var cursor = LineCursor(try Compression.open(path: path, compression: Compression.detect(path: path)))
        var index = 0
        while let line = try cursor.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard try body(try? JSONScanner.parse(Array(line)), index) else { return }
            index += 1
        }
    }

    private static func set(_ object: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) {
        guard let key = path.first, case .object(var fields) = object else { return }
        if path.count == 1 {
            fields.append((key, value))
        } else {
            var child = fields.last(where: { $0.0 == key })?.1 ?? .object([])
            fields.removeAll { $0.0 == key }
            set(&child, path.dropFirst(), value)
            fields.append((key, child))
        }
        object = .object(fields)
    }
}
