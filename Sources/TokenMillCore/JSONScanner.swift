/// A strict (RFC 8259) JSON scanner over bytes.
///
/// It serves two uses: `parseDocument()` builds a `JSONValue` tree (recipes, manifests), and
/// `extract(_:)` walks one JSONL record, validating all of it but materializing only the fields a
/// reader asked for — the text and id — as bytes. Strings are unescaped straight into a byte
/// buffer; raw bytes are validated and repaired to UTF-8 (U+FFFD) and `\uD800`-style lone
/// surrogates are replaced, both counted in `repairs`. Nothing allocates per character.
public struct JSONScanner {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// What `extract` found at a requested path.
    public enum Field: Equatable, Sendable {
        case missing
        case string([UInt8])
        /// A number, with its literal text.
        case number([UInt8])
        /// Another JSON type (`null`, `true`, `object`, `array`…).
        case other(String)
    }

    public struct Repairs: Sendable, Equatable {
        public var invalidUTF8 = 0
        public var loneSurrogates = 0
        public init() {}
    }

    private let bytes: UnsafeRawBufferPointer
    private var pos = 0
    public private(set) var repairs = Repairs()
    private var keyBuffer: [UInt8] = []
    private static let maxDepth = 512

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    // MARK: Whole documents

    /// How non-integer numbers become doubles.
    public enum Numbers: Sendable {
        /// Correctly rounded (Swift's `Double(String)`).
        case exact
        /// As Rust's `serde_json` reads them by default (`SerdeNumber`): what `tokenizers` sees
        /// in a `tokenizer.json`, sometimes an ulp away from the exact value.
        case serdeJSON
    }

    private var numbers = Numbers.exact

    /// Parses one JSON value filling the whole input (surrounding whitespace allowed).
    public static func parse(_ bytes: [UInt8], numbers: Numbers = .exact) throws -> JSONValue {
        try bytes.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            s.numbers = numbers
            s.skipWhitespace()
            let v = try s.parseValue(depth: 0)
            try s.expectEnd()
            return v
        }
    }

    public static func parse(_ string: String) throws -> JSONValue { try parse(Array(string.utf8)) }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        guard pos < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var pairs: [(String, JSONValue)] = []
            var index: [String: Int] = [:]  // for duplicate keys in O(1)
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; return .object(pairs) }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                var key: [UInt8] = []
                try readString(into: &key)
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                pos += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                let keyString = String(decoding: key, as: UTF8.self)
                if let existing = index[keyString] {
                    pairs[existing].1 = value  // duplicate key: the last one wins, as in Python
                } else {
                    index[keyString] = pairs.count
                    pairs.append((keyString, value))
                }
                skipWhitespace()
                guard let c = peek() else { throw fail("unterminated object") }
                pos += 1
                if c == UInt8(ascii: "}") { return .object(pairs) }
                guard c == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in object") }
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard let c = peek() else { throw fail("unterminated array") }
                pos += 1
                if c == UInt8(ascii: "]") { return .array(items) }
                guard c == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in array") }
            }
        case UInt8(ascii: "\""):
            var s: [UInt8] = []
            try readString(into: &s)
            return .string(String(decoding: s, as: UTF8.self))
        default:
            let start = pos
            let kind = try skipScalar()
            switch kind {
            case "null": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<pos])
                let text = String(decoding: raw, as: UTF8.self)
                if let i = Int64(text) { return .int(i) }
                if numbers == .serdeJSON, raw.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }),
                   let d = SerdeNumber.parse(raw) { return .double(d) }
                return .double(Double(text) ?? 0)
            }
        }
    }

    // MARK: JSONL records

    /// Validates one record (a JSON object filling the whole line) and returns the value at each
    /// dotted path in `paths` (each path given as its components). Throws `Failure` for malformed
    /// JSON; a valid non-object gives `.other(kind)` for every path with `isObject == false`.
    public mutating func extract(_ paths: [[[UInt8]]]) throws -> (isObject: Bool, fields: [Field]) {
        var fields = [Field](repeating: .missing, count: paths.count)
        skipWhitespace()
        guard pos < bytes.count else { throw fail("empty line") }
        let isObject = bytes[pos] == UInt8(ascii: "{")
        if isObject {
            try extractObject(paths, active: Array(paths.indices), depth: 0, into: &fields)
        } else {
            try skipValue(depth: 0)
        }
        try expectEnd()
        return (isObject, fields)
    }

    private mutating func extractObject(_ paths: [[[UInt8]]], active: [Int], depth: Int,
                                        into fields: inout [Field]) throws {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        pos += 1  // '{'
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            var key = keyBuffer
            keyBuffer = []
            key.removeAll(keepingCapacity: true)
            try readString(into: &key)
            defer { keyBuffer = key }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            pos += 1
            skipWhitespace()
            var leaf: [Int] = []
            var deeper: [Int] = []
            for i in active where paths[i][depth] == key {
                if paths[i].count == depth + 1 { leaf.append(i) } else { deeper.append(i) }
            }
            if leaf.isEmpty && deeper.isEmpty {
                try skipValue(depth: depth + 1)
            } else if !deeper.isEmpty && peek() == UInt8(ascii: "{") && leaf.isEmpty {
                try extractObject(paths, active: deeper, depth: depth + 1, into: &fields)
            } else {
                // A duplicate key replaces earlier values (the last one wins, as in Python).
                for i in deeper { fields[i] = .missing }
                let value = try captureValue(depth: depth + 1)
                for i in leaf { fields[i] = value }
            }
            skipWhitespace()
            guard let c = peek() else { throw fail("unterminated object") }
            pos += 1
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in object") }
        }
    }

    private mutating func captureValue(depth: Int) throws -> Field {
        guard let c = peek() else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "\""):
            var s: [UInt8] = []
            s.reserveCapacity(bytes.count - pos)  // at most the rest of the record: one allocation
            try readString(into: &s)
            return .string(s)
        case UInt8(ascii: "{"):
            try skipValue(depth: depth)
            return .other("object")
        case UInt8(ascii: "["):
            try skipValue(depth: depth)
            return .other("array")
        default:
            let start = pos
            let kind = try skipScalar()
            if kind == "number" { return .number(Array(bytes[start..<pos])) }
            return .other(kind == "null" ? "null" : "a boolean")
        }
    }

    // MARK: Lexing

    @inline(__always) private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private func fail(_ message: String) -> Failure { Failure(message: message, offset: pos) }

    @inline(__always)
    public mutating func skipWhitespace() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { pos += 1 } else { return }
        }
    }

    private mutating func expectEnd() throws {
        skipWhitespace()
        if pos != bytes.count { throw fail("unexpected data after the JSON value") }
    }

    private mutating func skipValue(depth: Int) throws {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        guard let c = peek() else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"):
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; return }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try skipString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                pos += 1
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let e = peek() else { throw fail("unterminated object") }
                pos += 1
                if e == UInt8(ascii: "}") { return }
                guard e == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in object") }
            }
        case UInt8(ascii: "["):
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; return }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let e = peek() else { throw fail("unterminated array") }
                pos += 1
                if e == UInt8(ascii: "]") { return }
                guard e == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in array") }
            }
        case UInt8(ascii: "\""):
            try skipString()
        default:
            _ = try skipScalar()
        }
    }

    /// Skips `null`, `true`, `false` or a number; returns which (`number` for numbers).
    private mutating func skipScalar() throws -> String {
        for (word, kind) in [("null", "null"), ("true", "true"), ("false", "false")] {
            let w = Array(word.utf8)
            if pos + w.count <= bytes.count, bytes[pos..<(pos + w.count)].elementsEqual(w) {
                pos += w.count
                return kind
            }
        }
        // number = [-] int [frac] [exp]
        let start = pos
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard let d = peek(), d >= 0x30, d <= 0x39 else {
            pos = start
            throw fail("invalid literal")
        }
        if d == 0x30 { pos += 1 } else { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard let f = peek(), f >= 0x30, f <= 0x39 else { throw fail("digit expected after '.'") }
            skipDigits()
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            pos += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
            guard let f = peek(), f >= 0x30, f <= 0x39 else { throw fail("digit expected in exponent") }
            skipDigits()
        }
        return "number"
    }

    @inline(__always) private mutating func skipDigits() {
        while let c = peek(), c >= 0x30, c <= 0x39 { pos += 1 }
    }

    private mutating func skipString() throws {
        pos += 1
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { pos += 1; return }
            if c == UInt8(ascii: "\\") {
                guard pos + 1 < bytes.count else { break }
                let e = bytes[pos + 1]
                if e == UInt8(ascii: "u") {
                    guard pos + 6 <= bytes.count, (2..<6).allSatisfy({ Self.hexValue(bytes[pos + $0]) != nil }) else {
                        throw fail("invalid \\u escape")
                    }
                    pos += 6
                    continue
                }
                guard Self.simpleEscape(e) != nil else { throw fail("invalid escape") }
                pos += 2
                continue
            }
            if c < 0x20 { throw fail("control character in string") }
            pos += 1
        }
        throw fail("unterminated string")
    }

    /// Reads a string (at its opening quote) into `out`, unescaped and repaired to valid UTF-8.
    public mutating func readString(into out: inout [UInt8]) throws {
        pos += 1
        var runStart = pos
        var ascii = true
        while pos < bytes.count {
            let c = bytes[pos]
            if c >= 0x80 { ascii = false; pos += 1; continue }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 {
                if runStart < pos {
                    if ascii {
                        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<pos]))
                    } else {
                        appendRaw(runStart, pos, to: &out)
                    }
                }
                ascii = true
                if c == UInt8(ascii: "\"") { pos += 1; return }
                if c < 0x20 { throw fail("control character in string") }
                try readEscape(into: &out)
                runStart = pos
                continue
            }
            pos += 1
        }
        throw fail("unterminated string")
    }

    @inline(__always)
    private mutating func appendRaw(_ from: Int, _ to: Int, to out: inout [UInt8]) {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[from..<to])
        repairs.invalidUTF8 += UTF8Repair.append(raw, to: &out)
    }

    private mutating func readEscape(into out: inout [UInt8]) throws {
        guard pos + 1 < bytes.count else { throw fail("unterminated string") }
        let e = bytes[pos + 1]
        if let simple = Self.simpleEscape(e) {
            out.append(simple)
            pos += 2
            return
        }
        guard e == UInt8(ascii: "u") else { throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'") }
        let unit = try readHex4(at: pos + 2)
        pos += 6
        if unit >= 0xD800 && unit <= 0xDBFF {
            if pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u"),
               let low = try? readHex4(at: pos + 2), low >= 0xDC00, low <= 0xDFFF {
                pos += 6
                UTF8Repair.appendScalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &out)
                return
            }
            repairs.loneSurrogates += 1
            out.append(contentsOf: UTF8Repair.replacement)
            return
        }
        if unit >= 0xDC00 && unit <= 0xDFFF {
            repairs.loneSurrogates += 1
            out.append(contentsOf: UTF8Repair.replacement)
            return
        }
        UTF8Repair.appendScalar(unit, to: &out)
    }

    private func readHex4(at i: Int) throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = Self.hexValue(bytes[i + k]) else { throw fail("invalid \\u escape") }
            v = v << 4 | h
        }
        return v
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    @inline(__always)
    static func simpleEscape(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        default: return nil
        }
    }
}
