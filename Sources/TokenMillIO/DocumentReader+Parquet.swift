import TokenMillCore

extension DocumentReader {
    /// The null text of a Parquet row.
    public static let nullText = DropReason("null_text")

    /// One row group of a Parquet file: only the text column (and the id column) is decoded;
    /// a flat text column one page at a time.
    /// A row is a document; its line is its 1-based row number in the file. A list of strings
    /// (`document.tokens.token`) is joined by single spaces; a null text is counted as
    /// `null_text`, a text column that is not text is an error.
    func readParquet(_ unit: WorkUnit, _ stats: inout ReadStats, _ onDocument: (Document) throws -> Void,
                     _ onReject: (Reject) throws -> Void) throws {
        let file = try ParquetFile(path: unit.path)
        let g = Int(unit.start)
        let textColumn = try file.leafIndex(spec.textField)
        let leaf = file.schema.leaves[textColumn]
        guard leaf.type == .byteArray || leaf.type == .fixedLenByteArray else {
            throw TokenMillError(.invalidConfiguration, "\(unit.displayPath): column '\(leaf.dottedPath)' holds \(leaf.type) values, not text")
        }
        let ids = try spec.idField.map { try file.rows(try file.leafIndex($0), rowGroup: g, bytesAsText: true) }
        stats.inputBytes += file.metadata.rowGroups[g].columns[textColumn].totalCompressedSize
        func nullText(_ row: Int) throws {
            stats.drops.add(Self.nullText.rawValue)
            try onReject(Reject(line: row, reason: Self.nullText, detail: "\(unit.displayPath): row \(row): '\(spec.textField)' is null", raw: ""))
        }
        func id(_ k: Int) -> String {
            switch ids.flatMap({ k < $0.count ? $0[k] : nil }) {
            case .string(let s): s
            case .int(let i): String(i)
            default: "\(unit.displayPath):\(unit.firstLine + k)"
            }
        }
        if leaf.maxRepetition == 0 && leaf.type == .byteArray {
            // One value per row: decoded a page at a time, never the whole row group at once.
            let rows = file.rows(inRowGroup: g)
            var k = 0
            var buffers = ParquetPageBuffers()
            try file.forEachPage(textColumn, rowGroup: g, buffers: &buffers) { page in
                guard case .bytes(let values) = page.values else { return }
                let slots = page.definitionLevels?.count ?? values.count
                guard k + slots <= rows else {
                    throw TokenMillError(.corruptInput, "\(unit.displayPath): row group \(g), column \(leaf.dottedPath): more than its \(rows) rows")
                }
                var v = 0
                for s in 0..<slots {
                    let row = unit.firstLine + k + s
                    stats.records += 1
                    if let defs = page.definitionLevels, Int(defs[s]) != leaf.maxDefinition {
                        try nullText(row)
                        continue
                    }
                    guard v < values.count else {
                        throw TokenMillError(.corruptInput, "\(unit.displayPath): row group \(g), column \(leaf.dottedPath): fewer values than defined rows")
                    }
                    // Invalid UTF-8 becomes U+FFFD, as in every other reader.
                    let text = Array(String(decoding: values[v], as: UTF8.self).utf8)
                    v += 1
                    stats.documents += 1
                    try onDocument(Document(id: id(k + s), text: text, line: row))
                }
                k += slots
            }
            guard k == rows else {
                throw TokenMillError(.corruptInput, "\(unit.displayPath): row group \(g), column \(leaf.dottedPath): \(k) values for \(rows) rows")
            }
            return
        }
        let texts = try file.rows(textColumn, rowGroup: g, bytesAsText: true)
        for (k, value) in texts.enumerated() {
            let row = unit.firstLine + k
            stats.records += 1
            var pieces: [String] = []
            func collect(_ v: JSONValue) {
                switch v {
                case .string(let s): pieces.append(s)
                case .array(let a): for e in a { collect(e) }
                default: break
                }
            }
            collect(value)
            guard !(pieces.isEmpty && value == .null) else {
                try nullText(row)
                continue
            }
            stats.documents += 1
            // Strings were decoded with U+FFFD for invalid UTF-8: the bytes are valid.
            try onDocument(Document(id: id(k), text: Array(pieces.joined(separator: " ").utf8), line: row))
        }
    }
}
