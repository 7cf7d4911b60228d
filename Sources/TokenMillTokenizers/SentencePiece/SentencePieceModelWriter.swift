import Foundation
/// The protobuf wire format, written: varints, fixed32 floats, length-delimited fields.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func tag(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }
    mutating func int(_ field: Int, _ v: Int) { tag(field, 0); varint(UInt64(bitPattern: Int64(v))) }
    mutating func bool(_ field: Int, _ v: Bool) { tag(field, 0); varint(v ? 1 : 0) }
    mutating func float(_ field: Int, _ v: Float) {
        tag(field, 5)
        let b = v.bitPattern
        for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: b >> UInt32(s))) }
    }
    mutating func data(_ field: Int, _ d: [UInt8]) { tag(field, 2); varint(UInt64(d.count)); bytes += d }
    mutating func string(_ field: Int, _ s: String) { data(field, Array(s.utf8)) }
}

extension SentencePieceModel {
    /// The model as a `ModelProto` (`.model` file bytes), fields in field-number order as
    /// sentencepiece writes them. Pieces with their score and, when not NORMAL, their type.
    public func serialized() -> [UInt8] {
        var w = ProtobufWriter()
        for p in pieces {
            var pw = ProtobufWriter()
            pw.string(1, p.piece)
            pw.float(2, p.score)
            if p.type != .normal { pw.int(3, p.type.rawValue) }
            w.data(1, pw.bytes)
        }
        var t = ProtobufWriter()
        t.int(3, modelType.rawValue)
        t.int(4, vocabSize)
        if let r = trainer {
            t.float(10, r.characterCoverage)
            if r.inputSentenceSize > 0 { t.tag(11, 0); t.varint(UInt64(r.inputSentenceSize)) }
            t.int(14, r.seedSentencePieceSize)
            t.float(15, r.shrinkingFactor)
            t.int(17, r.numSubIterations)
            t.int(18, r.maxSentenceLength)
            t.int(20, r.maxSentencePieceLength)
            t.bool(21, r.splitByUnicodeScript)
            t.bool(22, r.splitByWhitespace)
            t.bool(23, r.splitByNumber)
        }
        t.bool(24, treatWhitespaceAsSuffix)
        if let r = trainer {
            t.bool(25, r.splitDigits)
            for s in r.controlSymbols { t.string(30, s) }
            for s in r.userDefinedSymbols { t.string(31, s) }
        }
        t.bool(35, byteFallback)
        t.int(40, unkID)
        t.int(41, bosID)
        t.int(42, eosID)
        t.int(43, padID)
        t.string(44, unkSurface)
        w.data(2, t.bytes)
        w.data(3, Self.serialize(normalizer))
        if let d = denormalizer { w.data(5, Self.serialize(d)) }
        return w.bytes
    }

    static func serialize(_ n: Normalizer) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(1, n.name)
        if !n.precompiledCharsmap.isEmpty { w.data(2, n.precompiledCharsmap) }
        w.bool(3, n.addDummyPrefix)
        w.bool(4, n.removeExtraWhitespaces)
        w.bool(5, n.escapeWhitespaces)
        return w.bytes
    }

    /// The `.vocab` file sentencepiece writes next to a model: `piece<TAB>score` per line.
    public func vocabText() -> String {
        var out = ""
        for p in pieces {
            out += p.piece
            out += "\t"
            out += Self.formatScore(p.score)
            out += "\n"
        }
        return out
    }

    /// A float as C++'s `ostream << float` prints it: `%g`, 6 significant digits.
    static func formatScore(_ v: Float) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let n = withVaList([Double(v)]) { vsnprintf(buffer.baseAddress!, 32, "%g", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(n)), as: UTF8.self)
        }
    }
}
