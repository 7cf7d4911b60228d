import CICUShim

/// Unicode normalization (NFC, NFD, NFKC, NFKD) and lowercasing through ICU, on UTF-8 bytes.
///
/// ASCII text is returned as is (every form of ASCII is itself), so the common case costs one
/// scan. ICU works in UTF-16: other text is converted, normalized and converted back, with
/// buffers reused by the caller's `Workspace`.
public struct UnicodeNormalizer: Sendable {
    public enum Form: String, Sendable, CaseIterable { case nfc, nfd, nfkc, nfkd }

    public let form: Form
    public init(_ form: Form) { self.form = form }

    /// The shim's code for `form`.
    var icuForm: Int32 {
        switch form {
        case .nfc: Int32(TM_NFC)
        case .nfd: Int32(TM_NFD)
        case .nfkc: Int32(TM_NFKC)
        case .nfkd: Int32(TM_NFKD)
        }
    }

    /// Reusable UTF-16 buffers (one per thread).
    public final class Workspace {
        var a: [UInt16] = []
        var b: [UInt16] = []
        public init() {}
    }

    /// Appends the normalized form of `text` (valid UTF-8) to `out`.
    public func normalize(_ text: UnsafeRawBufferPointer, into out: inout [UInt8], workspace: Workspace) {
        if text.allSatisfy({ $0 < 0x80 }) { out.append(contentsOf: text); return }
        let code = icuForm
        UnicodeNormalizer.toUTF16(text, into: &workspace.a)
        let count = UnicodeNormalizer.transform(&workspace.a, &workspace.b) { src, len, dst, cap, more in
            tm_normalize(code, src, len, dst, cap, more)
        }
        UnicodeNormalizer.appendUTF8(workspace.b, count: count, to: &out)
    }

    public func normalize(_ s: String) -> String {
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { normalize(UnsafeRawBufferPointer($0), into: &out, workspace: Workspace()) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Full Unicode lowercasing (root locale, with final-sigma context), appended to `out`.
    public static func lowercase(_ text: UnsafeRawBufferPointer, into out: inout [UInt8], workspace: Workspace) {
        if text.allSatisfy({ $0 < 0x80 }) {
            for b in text { out.append(b >= 0x41 && b <= 0x5A ? b + 32 : b) }
            return
        }
        toUTF16(text, into: &workspace.a)
        let n = transform(&workspace.a, &workspace.b) { src, len, dst, cap, more in tm_to_lower(src, len, dst, cap, more) }
        appendUTF8(workspace.b, count: n, to: &out)
    }

    static func toUTF16(_ text: UnsafeRawBufferPointer, into buffer: inout [UInt16]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(text.count)
        var it = text.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                if s.value < 0x10000 { buffer.append(UInt16(s.value)) } else {
                    let v = s.value - 0x10000
                    buffer.append(UInt16(0xD800 + (v >> 10)))
                    buffer.append(UInt16(0xDC00 + (v & 0x3FF)))
                }
            case .emptyInput: break loop
            case .error: buffer.append(0xFFFD)
            }
        }
    }

    /// Runs an ICU UTF-16 → UTF-16 operation into `dst` (grown as needed); returns the length.
    static func transform(_ src: inout [UInt16], _ dst: inout [UInt16],
                          _ op: (UnsafePointer<UInt16>, Int32, UnsafeMutablePointer<UInt16>, Int32, UnsafeMutablePointer<Int32>) -> Int32) -> Int {
        var capacity = max(16, src.count * 3 + 16)
        while true {
            if dst.count < capacity { dst = [UInt16](repeating: 0, count: capacity) }
            var more: Int32 = 0
            let n = src.withUnsafeBufferPointer { s in
                dst.withUnsafeMutableBufferPointer { d in op(s.baseAddress!, Int32(s.count), d.baseAddress!, Int32(d.count), &more) }
            }
            if more != 0 { capacity = Int(n) + 16; continue }
            precondition(n >= 0, "ICU failed to normalize text")
            return Int(n)
        }
    }

    static func appendUTF8(_ units: [UInt16], count: Int, to out: inout [UInt8]) {
        var i = 0
        while i < count {
            var v = UInt32(units[i])
            if v >= 0xD800 && v < 0xDC00, i + 1 < count, units[i + 1] >= 0xDC00, units[i + 1] < 0xE000 {
                v = 0x10000 + ((v - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00)
                i += 1
            }
            UTF8Repair.appendScalar(v, to: &out)
            i += 1
        }
    }
}

extension UnicodeNormalizer {
    /// The normalized form of a sequence of code points (for building normalization tables; no
    /// ASCII shortcut). Reuses `workspace`'s buffers.
    public func normalize(scalars: [UInt32], workspace: Workspace) -> [UInt32] {
        let code = icuForm
        workspace.a.removeAll(keepingCapacity: true)
        for c in scalars {
            if c >= 0x10000 {
                let v = c - 0x10000
                workspace.a.append(UInt16(0xD800 + (v >> 10)))
                workspace.a.append(UInt16(0xDC00 + (v & 0x3FF)))
            } else {
                workspace.a.append(UInt16(c))
            }
        }
        let count = UnicodeNormalizer.transform(&workspace.a, &workspace.b) { src, len, dst, cap, more in
            tm_normalize(code, src, len, dst, cap, more)
        }
        var out: [UInt32] = []
        var i = 0
        while i < count {
            let u = UInt32(workspace.b[i])
            if u >= 0xD800 && u < 0xDC00 && i + 1 < count {
                out.append(0x10000 + ((u - 0xD800) << 10) + (UInt32(workspace.b[i + 1]) - 0xDC00))
                i += 2
            } else {
                out.append(u)
                i += 1
            }
        }
        return out
    }
}

extension UnicodeNormalizer {
    /// The ICU script code of a code point (0 Common, 1 Inherited, 17 Han, 20 Hiragana,
    /// 22 Katakana, …), or -1.
    public static func script(_ scalar: UInt32) -> Int32 { tm_script(scalar) }
}

extension UnicodeNormalizer {
    /// The NFKD form of one code point, or nil when it is its own NFKD form (fast: no string
    /// normalization).
    public static func nfkdMapping(_ scalar: UInt32) -> [UInt32]? {
        var buffer = [UInt16](repeating: 0, count: 64)
        let n = Int(buffer.withUnsafeMutableBufferPointer { tm_nfkd_mapping(scalar, $0.baseAddress!, 64) })
        if n < 0 { return nil }
        var out: [UInt32] = []
        var i = 0
        while i < n {
            let u = UInt32(buffer[i])
            if u >= 0xD800 && u < 0xDC00 && i + 1 < n {
                out.append(0x10000 + ((u - 0xD800) << 10) + (UInt32(buffer[i + 1]) - 0xDC00))
                i += 2
            } else {
                out.append(u)
                i += 1
            }
        }
        return out
    }
}
