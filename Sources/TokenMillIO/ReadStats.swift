import TokenMillCore

/// What reading one work unit saw: documents, problems by reason, repairs, and fatal stream errors.
public struct ReadStats: Sendable, Equatable {
    /// Records (JSONL lines, text lines/paragraphs/files) seen.
    public var records = 0
    /// Documents handed on.
    public var documents = 0
    /// Uncompressed input bytes read.
    public var inputBytes: Int64 = 0
    /// Records dropped by reason (`malformed_json`, `missing_text_field`…).
    public var drops = ReasonCounts()
    /// Documents kept after a repair, by kind, plus `replacement_characters` inserted.
    public var repairs = ReasonCounts()
    /// Errors that stopped a file early (e.g. a truncated `.gz`), with file and offset.
    public var errors: [String] = []

    public init() {}

    public mutating func merge(_ other: ReadStats) {
        records += other.records
        documents += other.documents
        inputBytes += other.inputBytes
        drops.merge(other.drops)
        repairs.merge(other.repairs)
        errors += other.errors
    }

    /// Every counted problem, for `--strict`.
    public var problemCount: Int { drops.total + repairs[RepairKind.invalidUTF8.rawValue] + repairs[RepairKind.loneSurrogate.rawValue] + errors.count }

    public var json: JSONValue {
        .object([
            ("records", .int(Int64(records))),
            ("documents", .int(Int64(documents))),
            ("input_bytes", .int(inputBytes)),
            ("dropped", drops.json),
            ("repaired", repairs.json),
            ("errors", .array(errors.map { .string($0) })),
        ])
    }

    public init(json: JSONValue) {
        records = Int(json["records"]?.intValue ?? 0)
        documents = Int(json["documents"]?.intValue ?? 0)
        inputBytes = json["input_bytes"]?.intValue ?? 0
        drops = ReasonCounts(json: json["dropped"])
        repairs = ReasonCounts(json: json["repaired"])
        errors = json["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// A record that was not turned into a document, for the rejects file.
public struct Reject: Sendable {
    public var line: Int
    public var reason: DropReason
    public var detail: String
    /// The raw record, repaired to valid UTF-8.
    public var raw: String
}
