/// Rust `serde_json`'s default number parsing (without its `float_roundtrip` feature), which
/// Hugging Face `tokenizers` uses for `tokenizer.json`: up to 19 significant digits collected in
/// a `UInt64` (later ones dropped), converted to a double, then one multiply or divide by a
/// power of ten. Two roundings: for long mantissas (> 2^53) the result can be an ulp away from
/// the correctly rounded value, and Unigram scores must match it bit for bit.
public enum SerdeNumber {
    static let powersOfTen: [Double] = (0...308).map { Double("1e\($0)")! }

    /// The double of a JSON number's text, or nil when it is not a JSON number.
    public static func parse(_ text: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        let n = text.count
        var positive = true
        if i < n && text[i] == UInt8(ascii: "-") { positive = false; i += 1 }
        guard i < n, isDigit(text[i]) else { return nil }
        var significand: UInt64 = 0
        var exponent: Int32 = 0
        var overflowed = false
        @inline(__always) func overflows(_ digit: UInt64) -> Bool {
            significand >= UInt64.max / 10 && (significand > UInt64.max / 10 || digit > UInt64.max % 10)
        }
        if text[i] == UInt8(ascii: "0") {
            i += 1
            if i < n && isDigit(text[i]) { return nil }
        } else {
            while i < n && isDigit(text[i]) {
                let d = UInt64(text[i] - 48)
                if overflowed || overflows(d) { overflowed = true; exponent += 1 } else { significand = significand * 10 + d }
                i += 1
            }
        }
        if i < n && text[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(text[i]) else { return nil }
            while i < n && isDigit(text[i]) {
                let d = UInt64(text[i] - 48)
                if !overflowed && overflows(d) { overflowed = true }
                if !overflowed { significand = significand * 10 + d; exponent -= 1 }
                i += 1
            }
        }
        if i < n && (text[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var positiveExp = true
            if i < n && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { positiveExp = text[i] == UInt8(ascii: "+"); i += 1 }
            guard i < n, isDigit(text[i]) else { return nil }
            var exp: Int32 = 0
            while i < n && isDigit(text[i]) {
                let d = Int32(text[i] - 48)
                if exp >= Int32.max / 10 && (exp > Int32.max / 10 || d > Int32.max % 10) {
                    // serde: a huge exponent gives 0 (negative) or an error (positive, non-zero).
                    if significand != 0 && positiveExp { return nil }
                    return positive ? 0 : -0.0
                }
                exp = exp * 10 + d
                i += 1
            }
            exponent = positiveExp ? exponent.addingReportingOverflow(exp).partialValue : exponent.subtractingReportingOverflow(exp).partialValue
        }
        guard i == n else { return nil }
        var f = Double(significand)
        while true {
            let k = Int(exponent.magnitude)
            if k < powersOfTen.count {
                if exponent >= 0 {
                    f *= powersOfTen[k]
                    if f.isInfinite { return nil }
                } else {
                    f /= powersOfTen[k]
                }
                break
            }
            if f == 0 { break }
            if exponent >= 0 { return nil }
            f /= 1e308
            exponent += 308
        }
        return positive ? f : -f
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
}
