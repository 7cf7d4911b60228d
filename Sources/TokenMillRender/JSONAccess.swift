import TokenMillCore

/// Tolerant access to Hugging Face records, which arrive as a list of structs (JSONL written by
/// `to_json`) or as a struct of lists (Parquet columns, `to_dict`).
enum JSONAccess {
    /// `value[field]` for every element: `[{f: a}, {f: b}]` and `{f: [a, b]}` both give `[a, b]`.
    static func column(_ value: JSONValue?, _ field: String) -> [JSONValue] {
        switch value {
        case .array(let items)?: return items.map { $0[field] ?? .null }
        case .object?: return value?[field]?.arrayValue ?? []
        default: return []
        }
    }

    /// Number of elements of a list-of-structs or struct-of-lists value.
    static func count(_ value: JSONValue?, fields: [String]) -> Int {
        switch value {
        case .array(let items)?: return items.count
        case .object?: return fields.map { value?[$0]?.arrayValue?.count ?? 0 }.max() ?? 0
        default: return 0
        }
    }

    static func int(_ v: JSONValue?) -> Int? { v?.intValue.map(Int.init) }

    static func string(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        default: return nil
        }
    }

    static func ints(_ v: JSONValue?) -> [Int] { v?.arrayValue?.compactMap { $0.intValue.map(Int.init) } ?? [] }
    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap { string($0) } ?? [] }
    static func bools(_ v: JSONValue?) -> [Bool] {
        v?.arrayValue?.map { item in
            if case .bool(let b) = item { return b }
            return (item.intValue ?? 0) != 0
        } ?? []
    }
}
