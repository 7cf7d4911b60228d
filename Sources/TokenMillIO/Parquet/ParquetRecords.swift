import TokenMillCore

/// Rows from a leaf column's levels and values (record assembly, after Dremel): for each row,
/// the leaf's value with one JSON array per repeated node on its path and `null` wherever a
/// node on the path is undefined. A list that is defined but has no element is `[]`.
///
/// Values: UTF-8 strings for BYTE_ARRAY columns marked UTF8/STRING/JSON/ENUM, lower-case hex for
/// other byte arrays, INT96 and fixed-length arrays; unsigned integer types as their unsigned
/// values; floats widened to doubles.
public enum ParquetRecords {
    /// Converted types (parquet.thrift) that mark text or unsigned integers.
    static let textTypes: Set<Int32> = [0, 4, 19]  // UTF8, ENUM, JSON
    static let unsignedTypes: Set<Int32> = [11, 12, 13, 14]

    public static func rows(_ data: ParquetColumnData, leaf: ParquetSchema.Leaf, rows: Int, bytesAsText: Bool = false) throws -> [JSONValue] {
        let value = valueReader(data.values, convertedType: bytesAsText ? 0 : leaf.convertedType)
        let n = data.definitionLevels?.count ?? data.repetitionLevels?.count ?? data.values.count
        let defs = data.definitionLevels, reps = data.repetitionLevels
        if let defs, let reps, defs.count != reps.count {
            throw ParquetDecoding.Failure(what: "\(defs.count) definition levels but \(reps.count) repetition levels")
        }
        guard defs != nil || reps != nil || n == rows else {
            throw ParquetDecoding.Failure(what: "\(n) values for \(rows) rows")
        }
        // Per node on the path: its definition and repetition levels.
        var defAt: [Int] = [], repAt: [Int] = []
        var d = 0, r = 0
        for rep in leaf.repetitions {
            if rep != .required { d += 1 }
            if rep == .repeated { r += 1 }
            defAt.append(d)
            repAt.append(r)
        }
        let depth = leaf.repetitions.count
        var slot = 0, next = 0
        var out: [JSONValue] = []
        out.reserveCapacity(min(rows, n))

        func build(_ i: Int) throws -> JSONValue {
            let level = defs.map { Int($0[slot]) } ?? leaf.maxDefinition
            if leaf.repetitions[i] == .repeated {
                if level < defAt[i] {
                    slot += 1
                    return .array([])
                }
                var elements: [JSONValue] = []
                repeat {
                    elements.append(try element(i))
                } while slot < n && Int(reps![slot]) == repAt[i]
                return .array(elements)
            }
            return try element(i)
        }
        /// One instance of node i (for a repeated node: one element).
        func element(_ i: Int) throws -> JSONValue {
            let level = defs.map { Int($0[slot]) } ?? leaf.maxDefinition
            if level < defAt[i] {
                slot += 1
                return .null
            }
            if i == depth - 1 {
                slot += 1
                guard next < data.values.count else { throw ParquetDecoding.Failure(what: "levels ask for more values than the \(data.values.count) there are") }
                defer { next += 1 }
                return value(next)
            }
            return try build(i + 1)
        }

        while slot < n {
            guard reps == nil || reps![slot] == 0 else { throw ParquetDecoding.Failure(what: "row \(out.count) starts with repetition level \(reps![slot])") }
            out.append(try build(0))
        }
        guard out.count == rows else { throw ParquetDecoding.Failure(what: "\(out.count) rows assembled, the row group has \(rows)") }
        return out
    }

    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }

    static func valueReader(_ values: ParquetValues, convertedType: Int32?) -> (Int) -> JSONValue {
        let unsigned = convertedType.map { unsignedTypes.contains($0) } ?? false
        switch values {
        case .boolean(let v): return { .bool(v[$0]) }
        case .int32(let v): return unsigned ? { .int(Int64(UInt32(bitPattern: v[$0]))) } : { .int(Int64(v[$0])) }
        case .int64(let v): return unsigned ? { .string(String(UInt64(bitPattern: v[$0]))) } : { .int(v[$0]) }
        case .int96(let v): return { .string(hex(v[($0 * 12)..<($0 * 12 + 12)])) }
        case .float(let v): return { .double(Double(v[$0])) }
        case .double(let v): return { .double(v[$0]) }
        case .bytes(let v):
            let text = convertedType.map { textTypes.contains($0) } ?? false
            return text ? { .string(v.string($0)) } : { .string(hex(v[$0])) }
        case .fixed(let w, let d): return { .string(hex(d[($0 * w)..<($0 * w + w)])) }
        }
    }
}
