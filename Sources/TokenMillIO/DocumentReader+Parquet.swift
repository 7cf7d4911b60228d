import TokenMillCore

extension DocumentReader {
    /// The null text of a Parquet row.
    public static let nullText = DropReason("null_text")

    /// One row group of a Parquet file: only the text column (and the id column) is decoded.
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
        let texts = try file.rows(textColumn, rowGroup: g, bytesAsText: true)
        let ids = try spec.idField.map { try file.rows(try file.leafIndex($0), rowGroup: g, bytesAsText: true) }
        stats.inputBytes += file.metadata.rowGroups[g].columns[textColumn].totalCompressedSize
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
                stats.drops.add(Self.nullText.rawValue)
                try onReject(Reject(line: row, reason: Self.nullText, detail: "\(unit.displayPath): row \(row): '\(spec.textField)' is null", raw: ""))
                continue
            }
            var id = "\(unit.displayPath):\(row)"
            if let ids {
                switch ids[k] {
                case .string(let s): id = s
                case .int(let i): id = String(i)
                default: break
                }
            }
            stats.documents += 1
            // Strings were decoded with U+FFFD for invalid UTF-8: the bytes are valid.
            try onDocument(Document(id: id, text: Array(pieces.joined(separator: " ").utf8), line: row))
        }
    }
}
