import TokenMillCore

/// One indexed document, as stored in a work unit's `.docs` file (40 bytes, little-endian):
///
/// | offset | type | field |
/// |---|---|---|
/// | 0 | u64 | order key: xxh64(id, seed ⊕ source) — the seeded selection order |
/// | 8 | u64 | split key: xxh64(text) — decides train/val, the same in every build |
/// | 16 | u64 | offset of the document's first token in the unit's `.tok` file, in tokens |
/// | 24 | u32 | number of tokens (without EOS/BOS) |
/// | 28 | u32 | number of characters (Unicode scalars) |
/// | 32 | u32 | row: the document's ordinal within its unit |
/// | 36 | u32 | reserved (0) |
struct DocRecord: Equatable {
    static let size = 40
    var orderKey: UInt64
    var splitKey: UInt64
    var tokenOffset: UInt64
    var tokenCount: UInt32
    var charCount: UInt32
    var row: UInt32

    func append(to out: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(orderKey); put(splitKey); put(tokenOffset); put(tokenCount); put(charCount); put(row); put(UInt32(0))
    }

    static func decode(_ raw: UnsafeRawBufferPointer, at i: Int) -> DocRecord {
        let b = i * size
        func get<T: FixedWidthInteger>(_ o: Int, _: T.Type) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: b + o, as: T.self)) }
        return DocRecord(orderKey: get(0, UInt64.self), splitKey: get(8, UInt64.self), tokenOffset: get(16, UInt64.self),
                         tokenCount: get(24, UInt32.self), charCount: get(28, UInt32.self), row: get(32, UInt32.self))
    }
}
