import Foundation

/// UTF-8 validation and repair on bytes.
///
/// Invalid sequences are replaced with U+FFFD, one replacement per *maximal subpart* (Unicode §3.9,
/// the W3C/WHATWG and Python `errors="replace"` convention), so our repaired text equals what
/// Python's `bytes.decode("utf-8", "replace")` gives. ASCII runs are copied in one pass.
public enum UTF8Repair {
    public static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends `src` to `out`, replacing invalid sequences. Returns the number of replacements.
    @discardableResult
    public static func append(_ src: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Int {
        let n = src.count
        guard n > 0 else { return 0 }
        var replaced = 0
        var i = 0
        var runStart = 0
        while i < n {
            let b0 = src[i]
            if b0 < 0x80 { i += 1; continue }
            let len = validSequenceLength(src, at: i)
            if len > 0 { i += len; continue }
            // Flush the valid run, then one U+FFFD for the maximal subpart.
            if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[runStart..<i])) }
            out.append(contentsOf: replacement)
            replaced += 1
            i += maximalSubpartLength(src, at: i)
            runStart = i
        }
        if runStart < n { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[runStart..<n])) }
        return replaced
    }

    /// True when every byte sequence in `src` is valid UTF-8.
    public static func isValid(_ src: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < src.count {
            if src[i] < 0x80 { i += 1; continue }
            let len = validSequenceLength(src, at: i)
            if len == 0 { return false }
            i += len
        }
        return true
    }

    /// Length of the valid multi-byte sequence starting at `i`, or 0 when it is invalid.
    @inline(__always)
    static func validSequenceLength(_ s: UnsafeRawBufferPointer, at i: Int) -> Int {
        let n = s.count
        let b0 = s[i]
        if b0 >= 0xC2 && b0 <= 0xDF {
            return (i + 1 < n && s[i + 1] & 0xC0 == 0x80) ? 2 : 0
        }
        if b0 >= 0xE0 && b0 <= 0xEF {
            guard i + 2 < n else { return 0 }
            let b1 = s[i + 1], b2 = s[i + 2]
            guard b2 & 0xC0 == 0x80 else { return 0 }
            switch b0 {
            case 0xE0: return (b1 >= 0xA0 && b1 <= 0xBF) ? 3 : 0
            case 0xED: return (b1 >= 0x80 && b1 <= 0x9F) ? 3 : 0
            default: return b1 & 0xC0 == 0x80 ? 3 : 0
            }
        }
        if b0 >= 0xF0 && b0 <= 0xF4 {
            guard i + 3 < n else { return 0 }
            let b1 = s[i + 1], b2 = s[i + 2], b3 = s[i + 3]
            guard b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return 0 }
            switch b0 {
            case 0xF0: return (b1 >= 0x90 && b1 <= 0xBF) ? 4 : 0
            case 0xF4: return (b1 >= 0x80 && b1 <= 0x8F) ? 4 : 0
            default: return b1 & 0xC0 == 0x80 ? 4 : 0
            }
        }
        return 0
    }

    /// Length of the maximal subpart of an ill-formed sequence at `i` (at least 1).
    @inline(__always)
    static func maximalSubpartLength(_ s: UnsafeRawBufferPointer, at i: Int) -> Int {
        let n = s.count
        let b0 = s[i]
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return 1
        }
        var k = 1
        while k <= need, i + k < n {
            let b = s[i + k]
            let ok = k == 1 ? (b >= lo && b <= hi) : (b & 0xC0 == 0x80)
            if !ok { break }
            k += 1
        }
        return k
    }

    /// The length of the UTF-8 sequence that `lead` starts (1–4), for valid UTF-8.
    @inlinable @inline(__always)
    public static func sequenceLength(lead: UInt8) -> Int { lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4 }

    /// The code point at `i` of valid UTF-8 and its length (cut short at the end of `text`).
    @inlinable @inline(__always)
    public static func scalar(_ text: UnsafeRawBufferPointer, at i: Int) -> (value: UInt32, length: Int) {
        let b = text[i]
        let len = min(sequenceLength(lead: b), text.count - i)
        guard len > 1 else { return (UInt32(b), len) }
        var c = UInt32(b) & (0xFF >> (len + 1))
        for k in 1..<len { c = c << 6 | UInt32(text[i + k] & 0x3F) }
        return (c, len)
    }

    /// Appends the UTF-8 encoding of `scalar` (a valid, non-surrogate code point).
    @inline(__always)
    public static func appendScalar(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}

public enum UTF8Validity {
    /// Length of the longest valid UTF-8 prefix of `bytes`.
    public static func validPrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            let len = UTF8Repair.validSequenceLength(bytes, at: i)
            if len == 0 { return i }
            i += len
        }
        return i
    }
}

extension Array where Element == UInt8 {
    /// Byte-wise lexicographic order (`lexicographicallyPrecedes`) through `memcmp`.
    @inlinable
    public func bytesPrecede(_ other: [UInt8]) -> Bool {
        withUnsafeBytes { a in
            other.withUnsafeBytes { b in
                let n = Swift.min(a.count, b.count)
                let r = n == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, n)
                return r != 0 ? r < 0 : a.count < b.count
            }
        }
    }
}
