import TokenMillCore

/// A reader of Apache Thrift's compact protocol, the encoding of Parquet's footer and page
/// headers: field headers carry a field-id delta and a type in one byte, integers are zigzag
/// varints, binaries are length-prefixed, lists carry their size and element type up front.
struct ThriftCompactReader {
    enum FieldType: UInt8 {
        case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8,
             list = 9, set = 10, map = 11, structure = 12
    }

    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let what: String
        var description: String { "\(what) at byte \(offset) of the Thrift structure" }
    }

    let bytes: UnsafeRawBufferPointer
    var position: Int
    /// Field ids of the structures being read (compact field ids are deltas from the previous).
    private var lastField: [Int16] = [0]

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    mutating func fail(_ what: String) -> Failure { Failure(offset: position, what: what) }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func i32() throws -> Int32 {
        let v = try zigzag()
        guard let r = Int32(exactly: v) else { throw fail("i32 out of range") }
        return r
    }

    mutating func i64() throws -> Int64 { try zigzag() }

    mutating func double() throws -> Double {
        guard position + 8 <= bytes.count else { throw fail("unexpected end") }
        defer { position += 8 }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
    }

    /// A length or count: a varint that must fit the rest of the buffer's order of magnitude.
    mutating func size() throws -> Int {
        let v = try varint()
        guard v <= UInt64(Int32.max) else { throw fail("size \(v) out of range") }
        return Int(v)
    }

    mutating func binary() throws -> [UInt8] {
        let n = try size()
        guard n >= 0, position + n <= bytes.count else { throw fail("binary of \(n) bytes past the end") }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    mutating func string() throws -> String { String(decoding: try binary(), as: UTF8.self) }

    /// Enters a structure: fields read next are its fields.
    mutating func beginStruct() { lastField.append(0) }
    mutating func endStruct() { lastField.removeLast() }

    /// The next field's id and type, or nil at the structure's end. A boolean field's value is
    /// in its type (boolTrue / boolFalse).
    mutating func fieldHeader() throws -> (id: Int16, type: FieldType)? {
        let b = try byte()
        guard let type = FieldType(rawValue: b & 0x0F) else { throw fail("unknown field type \(b & 0x0F)") }
        if type == .stop { return nil }
        let delta = Int16(b >> 4)
        let id: Int16
        if delta == 0 {
            guard let v = Int16(exactly: try zigzag()) else { throw fail("field id out of range") }
            id = v
        } else {
            id = lastField[lastField.count - 1] &+ delta
        }
        lastField[lastField.count - 1] = id
        return (id, type)
    }

    /// A list or set header: element count and type.
    mutating func listHeader() throws -> (count: Int, type: FieldType) {
        let b = try byte()
        var count = Int(b >> 4)
        if count == 15 { count = try size() }
        guard let type = FieldType(rawValue: b & 0x0F) else { throw fail("unknown element type \(b & 0x0F)") }
        // Every element takes at least a byte (a boolean in a list is a byte of its own).
        guard count >= 0, count <= bytes.count - position + 1 else {
            throw fail("list of \(count) elements past the end")
        }
        return (count, type)
    }

    /// Reads a structure's fields with `body(id, type)`, skipping what `body` does not consume
    /// (it returns false for a field it does not know).
    mutating func readStruct(_ body: (inout ThriftCompactReader, Int16, FieldType) throws -> Bool) throws {
        beginStruct()
        defer { endStruct() }
        while let (id, type) = try fieldHeader() {
            if try !body(&self, id, type) { try skip(type) }
        }
    }

    mutating func list<T>(_ element: (inout ThriftCompactReader) throws -> T) throws -> [T] {
        let (count, _) = try listHeader()
        var out: [T] = []
        out.reserveCapacity(min(count, 1 << 16))
        for _ in 0..<count { out.append(try element(&self)) }
        return out
    }

    mutating func bool(_ type: FieldType) -> Bool { type == .boolTrue }

    mutating func skip(_ type: FieldType, depth: Int = 0) throws {
        guard depth < 64 else { throw fail("nesting deeper than 64") }
        switch type {
        case .stop: throw fail("unexpected stop")
        case .boolTrue, .boolFalse: break
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard position + 8 <= bytes.count else { throw fail("unexpected end") }
            position += 8
        case .binary:
            let n = try size()
            guard n >= 0, position + n <= bytes.count else { throw fail("binary of \(n) bytes past the end") }
            position += n
        case .list, .set:
            let (count, element) = try listHeader()
            for _ in 0..<count { try skipElement(element, depth: depth) }
        case .map:
            let count = try size()
            if count > 0 {
                let kv = try byte()
                guard let k = FieldType(rawValue: kv >> 4), let v = FieldType(rawValue: kv & 0x0F) else { throw fail("bad map types") }
                // Every key and value takes at least a byte.
                guard count <= (bytes.count - position) / 2 else { throw fail("map of \(count) entries past the end") }
                for _ in 0..<count {
                    try skipElement(k, depth: depth)
                    try skipElement(v, depth: depth)
                }
            }
        case .structure:
            beginStruct()
            defer { endStruct() }
            while let (_, t) = try fieldHeader() { try skip(t, depth: depth + 1) }
        }
    }

    /// An element of a list, set or map: a boolean there is a byte of its own (in a struct it
    /// lives in the field header), so every element moves past at least one byte.
    private mutating func skipElement(_ type: FieldType, depth: Int) throws {
        if type == .boolTrue || type == .boolFalse { _ = try byte() } else { try skip(type, depth: depth + 1) }
    }
}
