/// One document as it flows through the pipeline: valid UTF-8 text bytes plus provenance.
public struct Document: Sendable {
    /// The record's id field, or `file:line` when the source has none.
    public var id: String
    /// The text, always valid UTF-8 (repaired by the reader).
    public var text: [UInt8]
    /// 1-based line (JSONL, text lines) or paragraph/file ordinal where the document starts.
    public var line: Int

    public init(id: String, text: [UInt8], line: Int) {
        self.id = id
        self.text = text
        self.line = line
    }

    public var textString: String { String(decoding: text, as: UTF8.self) }
}
