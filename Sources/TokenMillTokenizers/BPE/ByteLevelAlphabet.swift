/// GPT-2's reversible byte ↔ printable-character mapping used by byte-level BPE vocabularies:
/// bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` map to themselves, the other 68 bytes to U+0100 onwards, in
/// byte order.
public enum ByteLevelAlphabet {
    /// Scalar for each byte.
    public static let scalars: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Byte for each scalar below 324 (the mapping's range), -1 elsewhere.
    public static let bytes: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in scalars.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The vocabulary string of raw bytes.
    public static func encode<S: Sequence>(_ raw: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in raw { s.append(Unicode.Scalar(scalars[Int(b)])!) }
        return String(s)
    }

    /// The raw bytes of a vocabulary string, or nil when a character is outside the alphabet.
    public static func decode(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        for u in string.unicodeScalars {
            guard u.value < 324, bytes[Int(u.value)] >= 0 else { return nil }
            out.append(UInt8(bytes[Int(u.value)]))
        }
        return out
    }
}
