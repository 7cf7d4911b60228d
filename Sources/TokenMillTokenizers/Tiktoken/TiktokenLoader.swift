import Foundation
import TokenMillCore

/// Reads a tiktoken rank file (`base64-token rank` per line) and names its encoding.
///
/// The encoding — and so its split pattern and special tokens — comes from the file name
/// (`cl100k_base.tiktoken`) or, failing that, from the number of ranks.
public enum TiktokenLoader {
    public struct Encoding: Sendable {
        public var name: String
        public var pattern: PatternSplitter.Pattern
        public var specials: [(String, UInt32)]
        public var ranks: Int

        public static let known: [Encoding] = [
            Encoding(name: "cl100k_base", pattern: .cl100k, specials: [
                ("<|endoftext|>", 100257), ("<|fim_prefix|>", 100258), ("<|fim_middle|>", 100259),
                ("<|fim_suffix|>", 100260), ("<|endofprompt|>", 100276)], ranks: 100256),
            Encoding(name: "o200k_base", pattern: .o200k, specials: [("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)], ranks: 199998),
            Encoding(name: "p50k_base", pattern: .gpt2, specials: [("<|endoftext|>", 50256)], ranks: 50280),
            Encoding(name: "r50k_base", pattern: .gpt2, specials: [("<|endoftext|>", 50256)], ranks: 50256),
        ]
    }

    /// - Parameters:
    ///   - allowedSpecial: specials encoded as such when found in text (`["all"]` for every one).
    ///   - disallowedSpecial: specials refused in text; `nil` means every special not allowed
    ///     (tiktoken's default `"all"`), `[]` treats them as ordinary text.
    public static func load(path: String, allowedSpecial: Set<String> = [], disallowedSpecial: Set<String>? = nil) throws -> BPETokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenMillError(.io, "\(path): cannot read the tiktoken file")
        }
        var ranks: [[UInt8]] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let parts = line.split(separator: 0x20)
            guard parts.count == 2, let rank = Int(String(decoding: parts[1], as: UTF8.self)), rank >= 0 else {
                throw TokenMillError(.invalidConfiguration, "\(path):\(lineNumber): expected 'BASE64 RANK', got \(String(reflecting: String(decoding: line.prefix(80), as: UTF8.self)))")
            }
            guard let bytes = Base64.decode(Array(parts[0])) else {
                throw TokenMillError(.invalidConfiguration, "\(path):\(lineNumber): '\(String(decoding: parts[0], as: UTF8.self))' is not valid base64")
            }
            if rank >= ranks.count { ranks += [[UInt8]](repeating: [], count: rank + 1 - ranks.count) }
            guard ranks[rank].isEmpty else { throw TokenMillError(.invalidConfiguration, "\(path):\(lineNumber): rank \(rank) appears twice") }
            ranks[rank] = bytes
        }
        let fileName = String(path.split(separator: "/").last ?? "")
        let encoding = Encoding.known.first { fileName.hasPrefix($0.name) } ?? Encoding.known.first { $0.ranks == ranks.count }
        guard let encoding else {
            throw TokenMillError(.invalidConfiguration, "\(path): \(ranks.count) ranks match no known encoding (cl100k_base, o200k_base, p50k_base, r50k_base); name the file after its encoding")
        }
        let model = BPEModel.tiktoken(ranks: ranks)
        let specials = encoding.specials.map { AddedToken(id: $0.1, content: $0.0, special: true) }
        let all = Set(encoding.specials.map(\.0))
        let allowed = allowedSpecial.contains("all") ? all : allowedSpecial.intersection(all)
        let disallowed = disallowedSpecial ?? all.subtracting(allowed)
        return BPETokenizer(name: encoding.name, flavor: .tiktoken, model: model, normalizers: [],
                            preTokenizers: [.split(encoding.pattern)], decoders: [], addedTokens: specials,
                            allowedSpecial: allowed, disallowedSpecial: disallowed,
                            fingerprint: SHA256Hasher.hex([UInt8](data)), eosID: encoding.specials.first?.1, bosID: nil)
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    static let values: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    static func decode(_ s: [UInt8]) -> [UInt8]? {
        guard s.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(s.count / 4 * 3)
        var i = 0
        while i < s.count {
            var v: UInt32 = 0
            var pad = 0
            for k in 0..<4 {
                let c = s[i + k]
                if c == UInt8(ascii: "=") { guard k >= 2 else { return nil }; pad += 1; v <<= 6; continue }
                guard pad == 0, values[Int(c)] >= 0 else { return nil }
                v = v << 6 | UInt32(values[Int(c)])
            }
            out.append(UInt8(v >> 16))
            if pad < 2 { out.append(UInt8((v >> 8) & 0xFF)) }
            if pad < 1 { out.append(UInt8(v & 0xFF)) }
            i += 4
            if pad > 0 && i != s.count { return nil }
        }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i]), b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int((v >> 6) & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
