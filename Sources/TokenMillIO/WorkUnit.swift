import TokenMillCore

/// What a source's files hold and how documents are cut from them.
public struct ReaderSpec: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case jsonl, text, parquet }
    /// How plain text is cut into documents.
    public enum TextMode: String, Sendable, CaseIterable { case file, line, paragraph }

    public var format: Format
    /// Dotted path of the text field in JSONL records or of the text column in Parquet
    /// (`text`, `translation.en`, `document.tokens.token`: a list of strings is joined by spaces).
    public var textField: String
    /// Dotted path of the id field; `nil` gives `file:line` ids.
    public var idField: String?
    public var textMode: TextMode

    public init(format: Format, textField: String = "text", idField: String? = nil, textMode: TextMode = .file) {
        self.format = format
        self.textField = textField
        self.idField = idField
        self.textMode = textMode
    }
}

/// A deterministic slice of a source's input: a whole file, a newline-aligned byte range of a
/// large uncompressed file, or one row group of a Parquet file (`start` is its index). Work units are what `--jobs` spreads over threads; their results are
/// merged in unit order, so output never depends on the thread count.
public struct WorkUnit: Sendable, Equatable {
    /// Path used to open the file.
    public var path: String
    /// Path shown in ids, errors and stats (relative to the recipe's folder when possible).
    public var displayPath: String
    public var compression: Compression
    public var start: Int64
    /// End of the byte range (exclusive); `nil` reads to the end of the file.
    public var end: Int64?
    /// Line number of the first line in the range.
    public var firstLine: Int

    public init(path: String, displayPath: String, compression: Compression, start: Int64 = 0, end: Int64? = nil, firstLine: Int = 1) {
        self.path = path
        self.displayPath = displayPath
        self.compression = compression
        self.start = start
        self.end = end
        self.firstLine = firstLine
    }

    /// A stable text key for this unit (used to name its intermediate files and in the resume state).
    public var key: String { "\(displayPath)@\(start)" }
}
