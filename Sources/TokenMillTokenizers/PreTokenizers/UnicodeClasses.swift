/// One byte of character-class bits per Unicode scalar, for the pre-tokenizer scanners.
///
/// Looking a scalar's general category up through the standard library costs ~30× a table read,
/// so the table is filled once (on first use, ~1.1 MB, from the standard library's Unicode data)
/// and every later lookup is one load. ASCII has its own 128-entry table on the fast path.
public enum UnicodeClasses {
    /// \p{L}: Lu, Ll, Lt, Lm, Lo.
    public static let letter: UInt8 = 1
    /// \p{N}: Nd, Nl, No.
    public static let number: UInt8 = 2
    /// \s: the White_Space property.
    public static let space: UInt8 = 4
    /// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k's leading class).
    public static let upperish: UInt8 = 8
    /// [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k's trailing class).
    public static let lowerish: UInt8 = 16
    /// \p{M}: Mn, Mc, Me.
    public static let mark: UInt8 = 32

    public static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 0x110000)
        t.withUnsafeMutableBufferPointer { buf in
            for v in 0..<0x110000 {
                guard let s = Unicode.Scalar(UInt32(v)) else { continue }
                buf[v] = classify(s)
            }
        }
        return t
    }()

    static func classify(_ s: Unicode.Scalar) -> UInt8 {
        let p = s.properties
        var c: UInt8 = p.isWhitespace ? space : 0
        switch p.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: c |= letter | upperish
        case .lowercaseLetter: c |= letter | lowerish
        case .modifierLetter, .otherLetter: c |= letter | upperish | lowerish
        case .decimalNumber, .letterNumber, .otherNumber: c |= number
        case .nonspacingMark, .spacingMark, .enclosingMark: c |= mark | upperish | lowerish
        default: break
        }
        return c
    }

    @inline(__always)
    public static func of(_ scalar: UInt32) -> UInt8 {
        table.withUnsafeBufferPointer { $0[Int(scalar)] }
    }
}
