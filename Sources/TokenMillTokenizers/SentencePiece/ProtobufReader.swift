import TokenMillCore

/// A minimal protocol-buffers wire-format reader (varints, length-delimited fields, fixed
/// 32/64-bit), enough for SentencePiece's `ModelProto` without the protobuf runtime. Every read is
/// bounds-checked; a truncated or corrupt message throws with the field and byte offset.
struct ProtobufReader {
    let bytes: [UInt8]
    let base: Int
    private(set) var pos: Int
    let end: Int
    let path: String
    let context: String

    init(_ bytes: [UInt8], range: Range<Int>? = nil, path: String, context: String) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        pos = r.lowerBound
        end = r.upperBound
        base = r.lowerBound
        self.path = path
        self.context = context
    }

    var atEnd: Bool { pos >= end }

    func fail(_ what: String, at offset: Int? = nil) -> TokenMillError {
        TokenMillError(.corruptInput, "\(path): \(context): \(what) at byte offset \(offset ?? pos); the .model file is truncated or not a SentencePiece model")
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = pos
        while true {
            guard pos < end else { throw fail("truncated varint", at: start) }
            let b = bytes[pos]
            pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw fail("varint longer than 10 bytes", at: start) }
        }
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func nextField() throws -> (number: Int, wireType: Int, offset: Int)? {
        guard pos < end else { return nil }
        let offset = pos
        let key = try varint()
        let number = Int(key >> 3)
        guard number > 0 else { throw fail("field number 0", at: offset) }
        return (number, Int(key & 7), offset)
    }

    mutating func lengthDelimited(field: Int) throws -> Range<Int> {
        let start = pos
        let n = try varint()
        guard n <= UInt64(end - pos) else { throw fail("field \(field): length \(n) runs past the end", at: start) }
        let r = pos..<(pos + Int(n))
        pos += Int(n)
        return r
    }

    mutating func fixed32(field: Int) throws -> UInt32 {
        guard end - pos >= 4 else { throw fail("field \(field): truncated fixed32") }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[pos + k]) << (8 * UInt32(k)) }
        pos += 4
        return v
    }

    mutating func skip(wireType: Int, field: Int, offset: Int) throws {
        switch wireType {
        case 0: _ = try varint()
        case 1: guard end - pos >= 8 else { throw fail("field \(field): truncated fixed64", at: offset) }; pos += 8
        case 2: _ = try lengthDelimited(field: field)
        case 5: _ = try fixed32(field: field)
        default: throw fail("field \(field): unknown wire type \(wireType)", at: offset)
        }
    }
}
