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

    /// A list of structs, from either shape: `{f: [a, b], g: [c, d]}` gives `[{f: a, g: c}, {f: b, g: d}]`.
    static func elements(_ value: JSONValue?) -> [JSONValue] {
        switch value {
        case .array(let items)?: return items
        case .object(let fields)?:
            let n = fields.map { $0.1.arrayValue?.count ?? 0 }.max() ?? 0
            return (0..<n).map { i in .object(fields.map { f in (f.0, f.1.arrayValue.map { i < $0.count ? $0[i] : .null } ?? .null) }) }
        default: return []
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
