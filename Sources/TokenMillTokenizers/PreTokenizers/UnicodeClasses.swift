/// One byte of character-class bits per Unicode scalar, for the pre-tokenizer scanners.
///
/// Looking a scalar's general category up through the standard library costs ~30× a table read,
/// so the table (~1.1 MB) is expanded once, on first use, from 3,219 committed runs
/// (`UnicodeClassRuns.swift`, generated from the toolchain's Unicode data by
/// `scripts/gen_unicode_classes.swift`; a test checks them against the running toolchain), and
/// every later lookup is one load.
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
        let hex = Array(runs.utf8).filter { $0 != 0x20 && $0 != 0x0A }
        func byte(_ i: Int) -> Int {
            func v(_ c: UInt8) -> Int { c <= 0x39 ? Int(c - 0x30) : Int(c - 0x61 + 10) }
            return v(hex[2 * i]) << 4 | v(hex[2 * i + 1])
        }
        let count = hex.count / 8
        var t = [UInt8](repeating: 0, count: 0x110000)
        t.withUnsafeMutableBufferPointer { buf in
            for r in 0..<count {
                let start = byte(4 * r) << 16 | byte(4 * r + 1) << 8 | byte(4 * r + 2)
                let end = r + 1 < count ? byte(4 * r + 4) << 16 | byte(4 * r + 5) << 8 | byte(4 * r + 6) : 0x110000
                let c = UInt8(byte(4 * r + 3))
                if c != 0 { for v in start..<end { buf[v] = c } }
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
