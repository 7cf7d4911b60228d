/// A stable name for why a document or line was dropped or repaired. Persisted in stats and
/// rejects files: once released, a reason's string never changes.
public struct DropReason: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { rawValue = raw }
    public var description: String { rawValue }
    public static func < (a: DropReason, b: DropReason) -> Bool { a.rawValue < b.rawValue }

    // Reader-level problems (a line that is not a usable record).
    public static let malformedJSON = DropReason("malformed_json")
    public static let notAnObject = DropReason("not_an_object")
    public static let missingTextField = DropReason("missing_text_field")
    public static let textNotString = DropReason("text_not_string")
    public static let blankLine = DropReason("blank_line")
    // Document-level drops.
    public static let emptyText = DropReason("empty_text")
    public static let tooShort = DropReason("too_short")
    public static let tooLong = DropReason("too_long")
}

/// Why a document was changed but kept.
public enum RepairKind: String, Sendable, CaseIterable {
    /// Invalid UTF-8 bytes replaced with U+FFFD.
    case invalidUTF8 = "invalid_utf8_repaired"
    /// A `\uD800`-style lone surrogate escape replaced with U+FFFD.
    case loneSurrogate = "lone_surrogate_repaired"
}

/// Counts keyed by a stable string, serialized in sorted key order.
public struct ReasonCounts: Sendable, Equatable {
    public private(set) var counts: [String: Int] = [:]
    public init() {}
    public mutating func add(_ key: String, _ n: Int = 1) { counts[key, default: 0] += n }
    public mutating func merge(_ other: ReasonCounts) { for (k, v) in other.counts { add(k, v) } }
    public subscript(key: String) -> Int { counts[key] ?? 0 }
    public var total: Int { counts.values.reduce(0, +) }
    public var json: JSONValue { .object(counts.keys.sorted().map { ($0, .int(Int64(counts[$0]!))) }) }
    public init(json: JSONValue?) {
        if case let .object(pairs)? = json { for (k, v) in pairs { counts[k] = Int(v.intValue ?? 0) } }
    }
}
