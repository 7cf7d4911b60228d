import Foundation
import TokenMillCore
import TokenMillCuration
import TokenMillIO

/// The keys of one kept document in a unit's `.dedup` file, in row order (little-endian):
/// u32 input line, u32 UTF-8 bytes, u8 flags (1: has a MinHash signature), then the 16-byte exact key when
/// `dedup.exact`, then `bands` u64 band keys when `dedup.minhash` (zeros without a signature).
enum DedupKeys {
    static func size(_ spec: DedupSpec) -> Int { 9 + (spec.exact ? 16 : 0) + (spec.minhash.map { $0.bands * 8 } ?? 0) }

    static func append(line: Int, text: [UInt8], spec: DedupSpec, hasher: MinHasher?, to out: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt32(truncatingIfNeeded: line))
        put(UInt32(truncatingIfNeeded: text.count))
        let keys = spec.minhash != nil ? hasher?.bandKeys(String(decoding: text, as: UTF8.self)) : nil
        out.append(keys == nil ? 0 : 1)
        if spec.exact {
            let k = text.withUnsafeBytes { ExactDeduplicator.key($0) }
            put(k.a); put(k.b)
        }
        if let m = spec.minhash {
            for b in 0..<m.bands { put(keys?[b] ?? 0) }
        }
    }
}

extension BuildPipeline {
    /// A document dropped by the corpus-wide dedup, and the survivor it duplicates.
    struct DedupDrop {
        var reason: DropReason
        var survivorUnit: Int
        var survivorLine: Int
        var bytes: Int = 0
    }

    /// Stage 1b: corpus-wide dedup over every unit's `.dedup` keys, in recipe order (sources in
    /// order, units and rows in input order): exact first, then MinHash over what is left. The
    /// first document of each group survives. Returns the dropped rows per unit.
    func dedupUnits(_ units: [(source: Int, unit: WorkUnit)]) throws -> [Int: [UInt32: DedupDrop]] {
        guard let spec = recipe.dedup else { return [:] }
        let size = DedupKeys.size(spec)
        var dropped: [Int: [UInt32: DedupDrop]] = [:]
        var exact = [ExactDeduplicator.Key: (unit: Int, line: Int)]()
        var positions: [(unit: Int, row: UInt32, line: Int, bytes: Int)] = []
        let minhash = try spec.minhash.map { try MinHashDeduplicator(config: $0, workDirectory: work + "/lsh") }
        defer { minhash?.close() }
        for ui in units.indices {
            let data = try Data(contentsOf: URL(fileURLWithPath: unitBase(ui) + ".dedup"))
            try data.withUnsafeBytes { raw in
                guard raw.count % size == 0 else {
                    throw TokenMillError(.corruptInput, "\(unitBase(ui)).dedup: \(raw.count) bytes is not a whole number of \(size)-byte records; delete the work folder and rebuild")
                }
                for row in 0..<(raw.count / size) {
                    let b = row * size
                    func get<T: FixedWidthInteger>(_ o: Int, _: T.Type) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: b + o, as: T.self)) }
                    let line = Int(get(0, UInt32.self))
                    let bytes = Int(get(4, UInt32.self))
                    var o = 9
                    var isDuplicate = false
                    if spec.exact {
                        let key = ExactDeduplicator.Key(a: get(o, UInt64.self), b: get(o + 8, UInt64.self))
                        o += 16
                        if let first = exact[key] {
                            dropped[ui, default: [:]][UInt32(row)] = DedupDrop(reason: .exactDuplicate, survivorUnit: first.unit, survivorLine: first.line, bytes: bytes)
                            isDuplicate = true
                        } else {
                            exact[key] = (ui, line)
                        }
                    }
                    if let minhash, let m = spec.minhash {
                        let keys = raw[b + 8] == 1 && !isDuplicate ? (0..<m.bands).map { get(o + 8 * $0, UInt64.self) } : nil
                        try minhash.add(keys: keys)
                        positions.append((ui, UInt32(row), line, bytes))
                    }
                }
            }
        }
        if let minhash {
            for (i, root) in try minhash.finish().enumerated() where Int(root) != i {
                let p = positions[i], s = positions[Int(root)]
                if dropped[p.unit]?[p.row] == nil {
                    dropped[p.unit, default: [:]][p.row] = DedupDrop(reason: .nearDuplicate, survivorUnit: s.unit, survivorLine: s.line, bytes: p.bytes)
                }
            }
        }
        return dropped
    }

    /// The dedup drops as reject records (no text: the build keeps tokens, not text; the file
    /// and line find the document and its survivor).
    func writeDedupRejects(_ dropped: [Int: [UInt32: DedupDrop]], units: [(source: Int, unit: WorkUnit)]) throws {
        let writer = try AtomicFileWriter(path: work + "/dedup.rejects.jsonl")
        for ui in dropped.keys.sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: unitBase(ui) + ".dedup"))
            let size = DedupKeys.size(recipe.dedup!)
            for row in dropped[ui]!.keys.sorted() {
                let d = dropped[ui]![row]!
                let line = data.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: Int(row) * size, as: UInt32.self))) }
                try writer.write(JSONValue.object([
                    ("source", .string(recipe.sources[units[ui].source].name)), ("file", .string(units[ui].unit.displayPath)),
                    ("line", .int(Int64(line))), ("reason", .string(d.reason.rawValue)), ("stage", .string("dedup")),
                    ("duplicate_of", .object([("source", .string(recipe.sources[units[d.survivorUnit].source].name)),
                                              ("file", .string(units[d.survivorUnit].unit.displayPath)),
                                              ("line", .int(Int64(d.survivorLine)))])),
                ]).serialized(pretty: false) + "\n")
            }
        }
        try writer.commit()
    }
}
